package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/synonym"
)

// TestStartUpRefusesSpecialFiles: a file setting that names a FIFO, a
// device, a socket or a directory (or nothing) is refused at once, before
// the dictionary loads, with exit status 1 and a message naming the
// setting, the path and what it is. A FIFO was read before: start-up
// blocked on it until a signal.
func TestStartUpRefusesSpecialFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "words.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	sock := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	link := filepath.Join(dir, "link")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	// A data directory whose kept synonym list is a FIFO.
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(data, synonym.FileName), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string // in the message
	}{
		{"synonyms FIFO", []string{"--synonyms", fifo}, []string{"--synonyms " + fifo, "named pipe (FIFO)", "not a regular file"}},
		{"dict FIFO", []string{"--dict", fifo}, []string{"--dict " + fifo, "named pipe (FIFO)", "not a regular file"}},
		{"synonyms link to a FIFO", []string{"--synonyms", link}, []string{"--synonyms " + link, "named pipe (FIFO)"}},
		{"dict device", []string{"--dict", os.DevNull}, []string{"--dict " + os.DevNull, "character device"}},
		{"synonyms socket", []string{"--synonyms", sock}, []string{"--synonyms " + sock, "socket"}},
		{"synonyms directory", []string{"--synonyms", dir}, []string{"--synonyms " + dir, "directory"}},
		{"dict missing", []string{"--dict", filepath.Join(dir, "nothing.txt")}, []string{"--dict " + filepath.Join(dir, "nothing.txt"), "no such file"}},
		{"kept synonym list FIFO", []string{"--data", data}, []string{filepath.Join(data, synonym.FileName), "named pipe (FIFO)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, tc.args...)...)
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			var err error
			select {
			case err = <-exited:
			case <-time.After(2 * time.Minute):
				// A failure guard, not a measure: the server is stuck
				// reading the path (it would be until a signal).
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("the server did not refuse %v and was killed:\n%s", tc.args, stderr.String())
			}
			log := stderr.String()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Errorf("exit: %v, want status 1\n%s", err, log)
			}
			for _, w := range tc.want {
				if !strings.Contains(log, w) {
					t.Errorf("the message lacks %q:\n%s", w, log)
				}
			}
			if strings.Contains(log, msgLoadingDictionary) {
				t.Errorf("refused only after the dictionary started loading:\n%s", log)
			}
		})
	}
}

// TestSIGTERMDuringReplicationStartUp: a SIGTERM while the replication
// start-up step is stuck (here the embedded NATS server recovering its
// JetStream store, whose stream file is a FIFO that a writer holds open
// and never writes to: a hung disk, or a store too large to recover
// soon) stops the server: it exits 0, says it stopped while starting
// replication, never listens, and leaves its data directory unlocked.
// Before, start-up waited out the embedded server's 30 s and then failed.
func TestSIGTERMDuringReplicationStartUp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	streamDir := filepath.Join(data, "nats", "jetstream", "$G", "streams", "ZHSEARCH")
	if err := os.MkdirAll(streamDir, 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(streamDir, "meta.inf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	natsAddr := l.Addr().String()
	l.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data", data, "--nats-embedded", "--nats-listen", natsAddr)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Opening the FIFO for writing without blocking succeeds only once the
	// server has it open for reading: then it is in the replication step,
	// and stays there, reading, while this end is open.
	var w *os.File
	for w == nil {
		f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			w = f
			break
		}
		if !errors.Is(err, syscall.ENXIO) {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			t.Fatalf("the server exited before reading the NATS store: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	defer w.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err = <-exited:
	case <-time.After(2 * time.Minute):
		// A failure guard, not a measure: the server ignored the signal.
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("the server did not stop on SIGTERM and was killed:\n%s", stderr.String())
	}
	log := stderr.String()
	if err != nil {
		t.Errorf("exit: %v, want status 0\n%s", err, log)
	}
	if !strings.Contains(log, "stopped by a signal before it served") || !strings.Contains(log, "while starting replication") {
		t.Errorf("the log does not say where start-up stopped:\n%s", log)
	}
	if listenRE.MatchString(log) {
		t.Errorf("the server started listening after the signal:\n%s", log)
	}
	release, err := lockDataDir(data)
	if err != nil {
		t.Fatalf("the data directory is still locked: %v", err)
	}
	release()
}
