package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/index"
)

// TestSIGTERMDuringStartUp: a SIGTERM while start-up is stuck in a step
// that takes no context (here reading a --synonyms FIFO that a writer
// holds open and never writes to) stops the server: it exits 0, says
// which step it stopped in, never starts listening, and leaves its data
// directory unlocked and whole.
func TestSIGTERMDuringStartUp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	fifo := filepath.Join(dir, "synonyms.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data", data, "--synonyms", fifo)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Opening the FIFO for writing without blocking succeeds only once the
	// server has it open for reading: then it is in the synonyms step, and
	// stays there, reading, while this end is open.
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
			t.Fatalf("the server exited before reading the synonyms: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	defer w.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// No clock is judged here: a server that ignored the signal would
	// hang until go test's -timeout, which fails the test.
	err := <-exited
	log := stderr.String()
	if err != nil {
		t.Errorf("exit: %v, want status 0\n%s", err, log)
	}
	if !strings.Contains(log, "stopped by a signal before it served") || !strings.Contains(log, "while loading the synonyms") {
		t.Errorf("the log does not say where start-up stopped:\n%s", log)
	}
	if strings.Contains(log, "listening") {
		t.Errorf("the server started listening after the signal:\n%s", log)
	}
	release, err := lockDataDir(data)
	if err != nil {
		t.Fatalf("the data directory is still locked: %v", err)
	}
	defer release()
	if err := index.Verify(indexDir(data)); err != nil {
		t.Errorf("the index does not verify after the stop: %v", err)
	}
}
