package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// stopGrace is how long a command has to return once Ctrl-C or SIGTERM cancelled its context.
const stopGrace = 5 * time.Second

// stoppable is cancelled by Ctrl-C or SIGTERM, so a command stops between steps and undoes itself. A
// command that does not return within stopGrace (a read that cannot see the context), or a second signal,
// gets the signal again with its default action, which ends the process: whatever change it was making is
// recovered by the next command, as after kill -9. So a signal always ends skillctl.
func stoppable() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go watchSignals(ch, done, func(s os.Signal) { cancel(errors.New(s.String() + " signal received")) }, stopGrace, redeliver)
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// watchSignals cancels on the first signal from ch, then calls die with it when a second one comes or
// grace passes, unless done closes first (the command returned).
func watchSignals(ch <-chan os.Signal, done <-chan struct{}, cancel func(os.Signal), grace time.Duration, die func(os.Signal)) {
	var sig os.Signal
	select {
	case sig = <-ch:
	case <-done:
		return
	}
	cancel(sig)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case s := <-ch:
		die(s)
	case <-t.C:
		die(sig)
	}
}
