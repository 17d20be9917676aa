// Package clierr carries what the command line needs to report a failure well: the exit code it maps to and
// the hint lines that tell the user the exact command that fixes it. Library code wraps errors with it;
// only cmd/skillctl prints them, so every command follows one message grammar.
//
// Exit codes, the only four the binary returns (README.md has the same table):
//
//	0  ok: the command did what was asked; check: every skill is current
//	1  failure or findings: the command could not do it, or ran and found problems it reported
//	   (invalid skills, drift from skills.lock, no match); check: an update is available
//	2  usage: the command line itself is wrong (unknown command, flag, argument or value)
//	3  check could not tell: a source could not be reached or read, so whether an update exists is unknown
//
// Code is the one mapping from an error to these codes; Describe is the same error as data, for --json.
package clierr

import (
	"errors"
	"strings"
)

// Exit codes; see the package documentation.
const (
	CodeOK      = 0
	CodeFailure = 1
	CodeUsage   = 2
	CodeUnknown = 3
)

type hinted struct {
	err   error
	hints []string
}

func (h *hinted) Error() string   { return h.err.Error() }
func (h *hinted) Unwrap() error   { return h.err }
func (h *hinted) Hints() []string { return h.hints }

// WithHint attaches hint lines to err. Hints say what to run, not what went wrong.
func WithHint(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hints: hints}
}

// Lines splits hints that hold several lines (a list of accepted forms) into one hint per line, as they
// are printed ("hint: " each) and reported in --json: a line break inside a hint would otherwise reach
// the output escaped, as \u{A}.
func Lines(hints []string) []string {
	var out []string
	for _, h := range hints {
		for _, l := range strings.Split(h, "\n") {
			if strings.TrimSpace(l) != "" {
				out = append(out, strings.TrimRight(l, " \r"))
			}
		}
	}
	return out
}

// Hints collects every hint attached anywhere in err's chain, outermost first, one line each.
func Hints(err error) []string {
	return Lines(hints(err))
}

func hints(err error) []string {
	var out []string
	for err != nil {
		if h, ok := err.(interface{ Hints() []string }); ok {
			out = append(out, h.Hints()...)
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				out = append(out, hints(e)...)
			}
			break
		}
		err = errors.Unwrap(err)
	}
	return out
}

type usage struct{ err error }

func (u *usage) Error() string { return u.err.Error() }
func (u *usage) Unwrap() error { return u.err }

// Usage marks err as a usage error: the command line itself was wrong (exit 2).
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &usage{err}
}

type unknown struct{ err error }

func (u *unknown) Error() string { return u.err.Error() }
func (u *unknown) Unwrap() error { return u.err }

// Unknown marks err as having left the question a command answers undecided (check could not reach a
// source, so it cannot say whether an update exists): exit 3, apart from the 1 of "yes, there is one".
// A usage error stays a usage error.
func Unknown(err error) error {
	if err == nil || errors.Is(err, ErrFindings) || Code(err) == CodeUsage {
		return err
	}
	return &unknown{err}
}

// ErrFindings reports that a command ran and found problems it already printed (invalid skills, drift,
// an available update): exit 1 with no further message.
var ErrFindings = errors.New("findings reported")

// Code maps an error to the process exit code.
func Code(err error) int {
	var u *usage
	var k *unknown
	switch {
	case err == nil:
		return CodeOK
	case errors.As(err, &u):
		return CodeUsage
	case errors.As(err, &k):
		return CodeUnknown
	default:
		return CodeFailure
	}
}

// Report is an error as data: what --json prints on stdout when a command fails, as {"error": Report}.
type Report struct {
	Message string   `json:"message"`
	Hints   []string `json:"hints"`
	Code    int      `json:"code"`
}

// Describe returns err's report: its message, its hints (each once, outermost first) and its exit code.
func Describe(err error) Report {
	r := Report{Message: err.Error(), Hints: []string{}, Code: Code(err)}
	seen := map[string]bool{}
	for _, h := range Hints(err) {
		if !seen[h] {
			seen[h] = true
			r.Hints = append(r.Hints, h)
		}
	}
	return r
}
