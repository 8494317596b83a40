package main

import (
	"context"
	"errors"
	"fmt"
)

// errStopped means a signal stopped the server while it was starting.
var errStopped = errors.New("stopped during start-up")

// startStep runs one step of start-up so that a signal (ctx's end) is
// honoured at once even when the step cannot be interrupted: the
// dictionary load and opening the index take no context, and reading a
// file given as a setting may block (a FIFO). On the signal startStep
// returns errStopped naming the step and leaves the step to finish on its
// own; undo, if set, then releases what it made (the process is about to
// exit, which releases the rest).
func startStep(ctx context.Context, name string, f func() error, undo func()) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w, before %s", errStopped, name)
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		if undo != nil {
			go func() {
				if <-done == nil {
					undo()
				}
			}()
		}
		return fmt.Errorf("%w, while %s", errStopped, name)
	}
}
