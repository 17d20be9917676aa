package streams

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/clierr"
)

func newTest(in string) (*IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errw bytes.Buffer
	return New(strings.NewReader(in), &out, &errw), &out, &errw
}

func TestNoteEscapesAndPrefixes(t *testing.T) {
	s, out, errw := newTest("")
	s.Note("alpha: from evil\u202egnp.exe\x1b[31m", "skillctl install --dir x\x07")
	s.Note("alpha: from evil\u202egnp.exe\x1b[31m", "skillctl install --dir x\x07") // said once per run
	s.Warn("beta", "the lock says one thing")
	s.Detail("  gamma: 1 executable", "    scripts/\u200brun.sh")
	want := "skillctl: alpha: from evil\\u{202E}gnp.exe\\u{1B}[31m\n" +
		"hint: skillctl install --dir x\\u{7}\n" +
		"skillctl: beta: warning: the lock says one thing\n" +
		"  gamma: 1 executable\n" +
		"    scripts/\\u{200B}run.sh\n"
	if got := errw.String(); got != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
	}
	if out.Len() != 0 {
		t.Errorf("notes reached stdout: %q", out.String())
	}
}

func TestError(t *testing.T) {
	s, _, errw := newTest("")
	err := clierr.WithHint(fmt.Errorf("dup: ambiguous: 2 skills\n  dup in a: x\u202e"), "skillctl install dup@a", "skillctl install dup@a")
	s.Error(err)
	want := "skillctl: dup: ambiguous: 2 skills\nskillctl:   dup in a: x\\u{202E}\nhint: skillctl install dup@a\n"
	if got := errw.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	errw.Reset()
	s.Error(clierr.ErrFindings)
	s.Error(nil)
	if errw.Len() != 0 {
		t.Errorf("findings and nil print nothing, got %q", errw.String())
	}
}

func TestConfirm(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "YES\n": true, "n\n": false, "\n": false, "": false, "yes please\n": false} {
		s, _, errw := newTest(in)
		got, err := s.Confirm(context.Background(), "install anyway?")
		if err != nil || got != want {
			t.Errorf("answer %q: got %v, %v; want %v", in, got, err, want)
		}
		if errw.String() != "install anyway? [y/N] " {
			t.Errorf("prompt = %q", errw.String())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := New(blockingReader{}, &bytes.Buffer{}, &bytes.Buffer{})
	if yes, err := s.Confirm(ctx, "install anyway?"); yes || !errors.Is(err, ErrCancelled) {
		t.Errorf("cancelled prompt: %v, %v", yes, err)
	}
}

type blockingReader struct{}

func (blockingReader) Read([]byte) (int, error) { select {} }

func TestNilAndNonTerminal(t *testing.T) {
	var s *IO
	s.Note("x")
	s.StartProgress("y")
	s.StopProgress()
	s.Error(errors.New("z"))
	if s.Interactive() || s.Color() {
		t.Error("a nil IO is never interactive or coloured")
	}
	b, _, _ := newTest("")
	if b.Interactive() || b.Color() {
		t.Error("buffers are not terminals")
	}
	b.StartProgress("fetching") // silent off a terminal
	b.StopProgress()
}

// lockedBuffer is a bytes.Buffer the spinner's goroutine may write while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestProgressCount: Describe moves a running spinner's message (a count while an index is built); a
// silent spinner, off a terminal, prints nothing whatever it is told.
func TestProgressCount(t *testing.T) {
	var buf lockedBuffer
	s := newSpinner(&buf, true)
	s.delay = 0
	s.Start("searching registries")
	s.Describe("indexing registry market, 2 of 3")
	deadline := time.Now().Add(10 * time.Second) // waiting for the spinner's goroutine, not timing it
	for !strings.Contains(buf.String(), "indexing registry market, 2 of 3") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	s.Stop()
	if !strings.Contains(buf.String(), "indexing registry market, 2 of 3") {
		t.Errorf("the count never showed: %q", buf.String())
	}
	s.Describe("after the end") // no spinner: nothing happens
	if strings.Contains(buf.String(), "after the end") {
		t.Errorf("a stopped spinner printed %q", buf.String())
	}

	io, _, errw := newTest("")
	io.StartProgress("searching registries")
	io.Progress("indexing registry market, 2 of 3")
	io.StopProgress()
	if errw.Len() != 0 || io.Width() != 0 || io.StdoutTerminal() {
		t.Errorf("off a terminal: stderr %q, width %d, terminal %v", errw.String(), io.Width(), io.StdoutTerminal())
	}
}
