package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFileName is the lock file in a data directory. Its lock is held for
// as long as a process has the index open; its content is that process's
// id, for the error message of the next one.
const lockFileName = "zhsearch.lock"

// errDataLocked means another process holds the data directory.
var errDataLocked = errors.New("data directory is in use by another zhsearch process")

// lockDataDir creates dir if needed and takes an exclusive, non-blocking
// flock on dir/zhsearch.lock. bleve's bolt store would otherwise wait
// without end for its own lock; this fails at once with a clear message.
// The kernel drops the lock when the process dies, so a crash never leaves
// a stale lock behind.
func lockDataDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid := strings.TrimSpace(string(holder))
			if pid == "" {
				pid = "unknown"
			}
			return nil, fmt.Errorf("%w: %s is locked (pid %s); stop that process or use another --data", errDataLocked, path, pid)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
