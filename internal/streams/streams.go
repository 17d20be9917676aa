// Package streams is the one place skillctl meets the terminal: standard input, output and error, whether
// each is a terminal, colour, the progress spinner, the y/N prompt, and the one printer of notes, warnings
// and errors. Code that needs any of these is handed an *IO; no other package touches os.Stdout or
// os.Stderr or writes the "skillctl: " prefix, so the message grammar and the escaping of untrusted text
// live here alone.
//
// The message grammar, followed by every command:
//
//	skillctl: SUBJECT: PROBLEM          one line, lowercase, no trailing period, on stderr
//	hint: EXACT COMMAND OR ACTION       zero or more lines, each a thing the user can do next
//
// Results go to stdout and nothing else does; progress, notes, warnings and errors go to stderr. Every
// line printed here is passed through textsafe.Escape, because names, paths and messages often come from
// strangers' repositories.
package streams

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/textsafe"
	"golang.org/x/term"
)

// Prefix starts every note, warning and error line.
const Prefix = "skillctl: "

// IO is one run's standard streams. A nil *IO is valid: it reads nothing, discards everything and is
// never interactive, which is what tests and library callers without a terminal want.
type IO struct {
	in         io.Reader
	out        io.Writer // results; the first write stops the spinner
	err        io.Writer // through the spinner, which clears its line first
	inTTY      bool
	outTTY     bool
	outFile    *os.File // stdout when it is a file, for its width on a terminal
	errTTY     bool
	noColor    bool
	forceColor bool
	spin       *spinner
	mu         sync.Mutex
	seen       map[string]bool
}

// System returns the process's own streams.
func System() *IO { return New(os.Stdin, os.Stdout, os.Stderr) }

// New returns streams over in, out and errw. Each is a terminal only when it is an *os.File that is one.
func New(in io.Reader, out, errw io.Writer) *IO {
	s := &IO{in: in, inTTY: isTerminal(in), outTTY: isTerminal(out), errTTY: isTerminal(errw), seen: map[string]bool{}}
	if f, ok := out.(*os.File); ok && s.outTTY {
		s.outFile = f
	}
	// no-color.org: a non-empty NO_COLOR turns colour off (an empty one is as if unset); CLICOLOR_FORCE
	// set to anything but "0" turns it on off a terminal too.
	s.noColor = os.Getenv("NO_COLOR") != ""
	if f := os.Getenv("CLICOLOR_FORCE"); f != "" && f != "0" {
		s.forceColor = true
	}
	s.spin = newSpinner(errw, s.errTTY)
	s.err = s.spin
	s.out = stopper{s.spin, out}
	return s
}

func isTerminal(x any) bool {
	f, ok := x.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Stdout is where results go.
func (s *IO) Stdout() io.Writer {
	if s == nil {
		return io.Discard
	}
	return s.out
}

// Stderr is where progress and messages go. Prefer Note, Warn and Detail, which escape and prefix.
func (s *IO) Stderr() io.Writer {
	if s == nil {
		return io.Discard
	}
	return s.err
}

// Stdin is where answers come from.
func (s *IO) Stdin() io.Reader {
	if s == nil || s.in == nil {
		return strings.NewReader("")
	}
	return s.in
}

// Interactive reports whether a question may be asked: stdin and stderr are both a terminal.
func (s *IO) Interactive() bool { return s != nil && s.inTTY && s.errTTY }

// Color reports whether results may be coloured: stdout is a terminal (or CLICOLOR_FORCE asks for colour)
// and NO_COLOR is empty.
func (s *IO) Color() bool { return s != nil && !s.noColor && (s.outTTY || s.forceColor) }

// StdoutTerminal reports whether results go to a terminal, where a table may be cut to the screen and
// a long list shortened; a pipe or a file gets everything.
func (s *IO) StdoutTerminal() bool { return s != nil && s.outTTY }

// Width is the terminal's width in columns when results go to one, else 0 (no limit).
func (s *IO) Width() int {
	if s == nil || s.outFile == nil {
		return 0
	}
	w, _, err := term.GetSize(int(s.outFile.Fd()))
	if err != nil || w <= 0 {
		return 0
	}
	return w
}

// Progress replaces the message of the spinner StartProgress showed, e.g. with a count that moves
// ("indexing registry market, 2 of 3"). Like the spinner it shows on a terminal only.
func (s *IO) Progress(msg string) {
	if s != nil {
		s.spin.Describe(textsafe.Escape(msg))
	}
}

// StartProgress shows msg with a spinner on a terminal once the step takes longer than a moment.
func (s *IO) StartProgress(msg string) {
	if s != nil {
		s.spin.Start(textsafe.Escape(msg))
	}
}

// StopProgress ends the spinner. It is safe to call when none is shown.
func (s *IO) StopProgress() {
	if s != nil {
		s.spin.Stop()
	}
}

// Note prints "skillctl: MSG" on stderr, then each hint as a "hint: " line. Every line is escaped. A note
// printed once is not repeated in the same run: a fallback taken by every fetch is said once.
func (s *IO) Note(msg string, hints ...string) {
	if s == nil {
		return
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		b.WriteString(Prefix + textsafe.Escape(line) + "\n")
	}
	for _, h := range clierr.Lines(hints) {
		b.WriteString("hint: " + textsafe.Escape(h) + "\n")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[b.String()] {
		return
	}
	s.seen[b.String()] = true
	io.WriteString(s.err, b.String())
}

// Warn prints "skillctl: SUBJECT: warning: MSG".
func (s *IO) Warn(subject, msg string) { s.Note(subject + ": warning: " + msg) }

// Detail prints lines that belong to the note before them (an indented list), escaped, unprefixed.
func (s *IO) Detail(lines ...string) {
	if s == nil {
		return
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(textsafe.Escape(l) + "\n")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	io.WriteString(s.err, b.String())
}

// NoteWriter adapts Note to an io.Writer for code that logs whole lines (the git fetcher's notes).
func (s *IO) NoteWriter() io.Writer { return noteWriter{s} }

type noteWriter struct{ s *IO }

func (w noteWriter) Write(b []byte) (int, error) {
	w.s.Note(string(b))
	return len(b), nil
}

// Error prints err in the message grammar: each line of its message prefixed, then its hints, each once.
// Findings were already printed by the command that found them.
func (s *IO) Error(err error) {
	if s == nil || err == nil || errors.Is(err, clierr.ErrFindings) {
		return
	}
	s.StopProgress()
	var hints []string
	seen := map[string]bool{}
	for _, h := range clierr.Hints(err) {
		if !seen[h] {
			seen[h] = true
			hints = append(hints, h)
		}
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
		b.WriteString(Prefix + textsafe.Escape(line) + "\n")
	}
	for _, h := range hints {
		b.WriteString("hint: " + textsafe.Escape(h) + "\n")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	io.WriteString(s.err, b.String())
}

// ErrCancelled is the answer to a question the user declined or interrupted.
var ErrCancelled = errors.New("cancelled")

// Confirm asks a y/N question on stderr and reads the answer from stdin; only "y" and "yes" are a yes.
// Ctrl-C (ctx cancelled) at the prompt is a no. It stops the spinner first.
func (s *IO) Confirm(ctx context.Context, question string) (bool, error) {
	if s == nil {
		return false, nil
	}
	s.StopProgress()
	fmt.Fprintf(s.err, "%s [y/N] ", textsafe.Escape(question))
	answer := make(chan string, 1)
	go func() {
		ans, _ := bufio.NewReader(s.Stdin()).ReadString('\n')
		answer <- ans
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(s.err)
		return false, ErrCancelled
	case ans := <-answer:
		a := strings.ToLower(strings.TrimSpace(ans))
		return a == "y" || a == "yes", ctx.Err()
	}
}
