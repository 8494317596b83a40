// Package measure holds the measurements zhsearch's commands, benchmarks
// and benchmark tests report, so that each is computed one way: latency
// percentiles (nearest rank), the bytes a directory takes on disk, and a
// process's memory as the kernel reports it in /proc/PID/status (read with
// github.com/prometheus/procfs, the parser client_golang's process
// collector uses).
package measure

import (
	"cmp"
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"slices"

	"github.com/prometheus/procfs"
)

// Percentile returns the nearest-rank p-th percentile (0 < p <= 1) of
// sorted samples: the smallest sample that at least p of them do not
// exceed. It is the zero value when there are none.
func Percentile[T cmp.Ordered](sorted []T, p float64) T {
	var zero T
	if len(sorted) == 0 {
		return zero
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Median is the median of xs (in any order): the middle sample, or the
// mean of the two middle ones; 0 when there are none. xs is not changed.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// DirSize adds up the sizes of the regular files under dir.
func DirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	return n, err
}

// Memory is a process's memory, in bytes.
type Memory struct {
	RSS  int64 // resident set (VmRSS)
	Peak int64 // the resident set's high-water mark (VmHWM)
	Anon int64 // the anonymous part of RSS (RssAnon): heap and stacks, not mapped files
}

// ErrNoMemory means /proc/PID/status holds no memory figures: the process
// has ended (a zombie) or is a kernel thread.
var ErrNoMemory = errors.New("no VmRSS/VmHWM in /proc status")

// ProcMemory reads the memory of process pid from /proc/PID/status.
func ProcMemory(pid int) (Memory, error) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return Memory{}, err
	}
	return procMemory(fs, pid)
}

func procMemory(fs procfs.FS, pid int) (Memory, error) {
	p, err := fs.Proc(pid)
	if err != nil {
		return Memory{}, err
	}
	st, err := p.NewStatus()
	if err != nil {
		return Memory{}, err
	}
	if st.VmHWM == 0 && st.VmRSS == 0 {
		return Memory{}, ErrNoMemory
	}
	return Memory{RSS: int64(st.VmRSS), Peak: int64(st.VmHWM), Anon: int64(st.RssAnon)}, nil
}
