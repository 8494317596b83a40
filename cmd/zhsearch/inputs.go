package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/zhsearch/zhsearch/synonym"
)

// errNotRegular means a file setting names something that is not a
// regular file: a named pipe (FIFO), a device, a socket or a directory.
// Opening a FIFO for reading blocks until a writer comes, and a device
// may never end, so such a path is refused before start-up does anything
// slow, not discovered by a read that hangs.
var errNotRegular = errors.New("not a regular file")

// checkInputFiles checks, before the dictionary loads (seconds), every
// file serve reads at start-up: --dict and --synonyms, and the synonym
// list kept in the data directory. Each must be a regular file (a
// symbolic link to one is fine); the flag files must exist. The error
// names the setting and the path. There are no key or TLS files: keys
// are given as values (ZHSEARCH_API_KEY), and TLS is a reverse proxy's
// job (docs/operations.md).
func checkInputFiles(cfg *Config) error {
	for _, f := range []struct{ flag, path, want string }{
		{"--dict", cfg.Dict, "a file of `word [freq [pos]]` lines"},
		{"--synonyms", cfg.Synonyms, "a file of `a, b, c` or `a => b` lines"},
	} {
		if f.path == "" {
			continue
		}
		if err := checkRegularFile(f.path); err != nil {
			return fmt.Errorf("%s %s: %w: give %s", f.flag, f.path, err, f.want)
		}
	}
	if cfg.Data != "" {
		kept := filepath.Join(cfg.Data, synonym.FileName)
		if err := checkRegularFile(kept); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--data %s: the synonym list %s: %w: remove it, or restore the data directory from a snapshot", cfg.Data, kept, err)
		}
	}
	return nil
}

// checkRegularFile is nil when path is a regular file, or follows
// symbolic links to one.
func checkRegularFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return pe.Err // the caller names the path
		}
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("it is a %s, %w", fileKind(fi.Mode()), errNotRegular)
	}
	return nil
}

// openRegularFile opens path for reading without ever blocking on it:
// O_NONBLOCK keeps the open of a FIFO swapped in after checkRegularFile
// from waiting for a writer, and what was opened is checked again.
func openRegularFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s: it is a %s, %w", path, fileKind(fi.Mode()), errNotRegular)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// fileKind names what a non-regular file is, for the error.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	}
	return "special file"
}
