package streams

import (
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// spinner shows on stderr that a slow step (resolving, fetching) is under way. It appears only on a
// terminal and only once the step has taken longer than a moment; lines written through it clear the
// spinner first, so notes never share a line with it.
type spinner struct {
	w     io.Writer
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	done  chan struct{}
	delay time.Duration
	msg   string // the message shown, changed by Describe
}

// newSpinner returns a spinner for w, or one that stays silent when w is not a terminal.
func newSpinner(w io.Writer, terminal bool) *spinner {
	s := &spinner{w: w, delay: 300 * time.Millisecond}
	if !terminal {
		s.delay = -1
	}
	return s
}

// Start begins showing msg after the delay; Stop ends it. Both are safe to call on a silent spinner.
func (s *spinner) Start(msg string) {
	if s.delay < 0 {
		return
	}
	s.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	done := make(chan struct{})
	s.done = done
	s.msg = msg
	go func() {
		select {
		case <-done:
			return
		case <-time.After(s.delay):
		}
		s.mu.Lock()
		if s.done != done {
			s.mu.Unlock()
			return
		}
		s.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(s.w),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionSetDescription(s.msg),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
		s.mu.Unlock()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.mu.Lock()
				if s.bar != nil {
					s.bar.Add(1)
				}
				s.mu.Unlock()
			}
		}
	}()
}

// Describe changes the message of a running spinner, or of one still waiting to appear. It does nothing
// when no spinner was started, or on a silent one.
func (s *spinner) Describe(msg string) {
	if s.delay < 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		return
	}
	s.msg = msg
	if s.bar != nil {
		s.bar.Describe(msg)
	}
}

func (s *spinner) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		close(s.done)
		s.done = nil
	}
	if s.bar != nil {
		s.bar.Finish()
		s.bar = nil
	}
}

// Write clears the spinner's line before passing b on, so a note gets a line of its own.
func (s *spinner) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bar != nil {
		s.bar.Clear()
	}
	return s.w.Write(b)
}

// stopper stops the spinner at the first write of a result, so results printed on stdout never share a
// terminal line with it.
type stopper struct {
	s *spinner
	w io.Writer
}

func (t stopper) Write(b []byte) (int, error) {
	t.s.Stop()
	return t.w.Write(b)
}
