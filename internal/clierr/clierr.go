// Package clierr carries what the command line needs to report a failure well: the exit code it maps to and
// the hint lines that tell the user the exact command that fixes it. Library code wraps errors with it;
// only cmd/skillctl prints them, so every command follows one message grammar.
package clierr

import "errors"

// Exit codes: the only three the binary returns.
const (
	CodeOK      = 0
	CodeFailure = 1
	CodeUsage   = 2
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

// Hints collects every hint attached anywhere in err's chain, outermost first.
func Hints(err error) []string {
	var out []string
	for err != nil {
		if h, ok := err.(interface{ Hints() []string }); ok {
			out = append(out, h.Hints()...)
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				out = append(out, Hints(e)...)
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

// ErrFindings reports that a command ran and found problems it already printed (invalid skills, drift,
// an available update): exit 1 with no further message.
var ErrFindings = errors.New("findings reported")

// Code maps an error to the process exit code.
func Code(err error) int {
	var u *usage
	switch {
	case err == nil:
		return CodeOK
	case errors.As(err, &u):
		return CodeUsage
	default:
		return CodeFailure
	}
}
