package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/zhsearch/zhsearch/internal/measure"
)

// Proc is a child process whose memory is sampled from /proc while it
// runs.
type Proc struct {
	cmd   *exec.Cmd
	Start time.Time

	mu      sync.Mutex
	tail    []string // last lines of stderr, for error messages
	peakHWM int64    // highest VmHWM sampled, bytes
	ended   time.Time

	done    chan struct{}
	waitErr error
}

const tailLines = 40

// startProc starts bin with args. Each stderr line is passed to onLine
// (which may be nil) and the last ones are kept for error messages. The
// child is killed if the bench process dies (Pdeathsig), so nothing is
// left running.
func startProc(bin string, args, env []string, onLine func(string)) (*Proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p := &Proc{cmd: cmd, done: make(chan struct{})}
	p.Start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s %s: %w", bin, strings.Join(args, " "), err)
	}
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.tail = append(p.tail, line)
			if len(p.tail) > tailLines {
				p.tail = p.tail[1:]
			}
			p.mu.Unlock()
			if onLine != nil {
				onLine(line)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	go p.sample()
	go func() {
		<-lines // stderr must be drained before Wait
		err := cmd.Wait()
		p.mu.Lock()
		p.ended = time.Now()
		p.waitErr = err
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// sample records VmHWM every 50 ms until the process ends.
func (p *Proc) sample() {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if mem, err := p.Memory(); err == nil {
			p.mu.Lock()
			p.peakHWM = max(p.peakHWM, mem.Peak)
			p.mu.Unlock()
		}
		select {
		case <-p.done:
			return
		case <-t.C:
		}
	}
}

// Pid is the child's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Memory reads the child's memory from /proc/PID/status.
func (p *Proc) Memory() (measure.Memory, error) {
	return measure.ProcMemory(p.cmd.Process.Pid)
}

// Done is closed when the process has ended.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits for the process to end and returns its error, with the last
// lines of its stderr when it failed.
func (p *Proc) Wait() error {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.waitErr != nil {
		return fmt.Errorf("%s: %w\n%s", p.cmd.Path, p.waitErr, strings.Join(p.tail, "\n"))
	}
	return nil
}

// Elapsed is the time from start to exit (or to now while it runs).
func (p *Proc) Elapsed() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended.IsZero() {
		return time.Since(p.Start)
	}
	return p.ended.Sub(p.Start)
}

// PeakRSS is the highest resident set the process reached: the kernel's
// own maximum (rusage ru_maxrss) once it has ended, else the highest VmHWM
// sampled so far.
func (p *Proc) PeakRSS() int64 {
	p.mu.Lock()
	peak := p.peakHWM
	p.mu.Unlock()
	select {
	case <-p.done:
	default:
		return peak
	}
	if st := p.cmd.ProcessState; st != nil {
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			peak = max(peak, ru.Maxrss<<10) // kB on Linux
		}
	}
	return peak
}

// Tail returns the last lines the process wrote to stderr.
func (p *Proc) Tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// Stop asks the process to end (SIGTERM), then kills it after timeout.
func (p *Proc) Stop(timeout time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within %s of SIGTERM; killed", p.cmd.Path, timeout)
	}
}
