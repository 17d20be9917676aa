package gitfetch

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
)

// Hints says what a user can do about a failure to talk to the server; cmd/skillctl prints them as
// "hint:" lines (see clierr.Hints). They depend on the cause: an unreachable host, a silent one, a
// refusal to authenticate. An interrupted fetch has none.
func (e *RemoteError) Hints() []string {
	var se *statusError
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(e.Err, context.Canceled):
		return nil
	case errors.As(e.Err, &se) && (se.code == http.StatusUnauthorized || se.code == http.StatusForbidden || se.code == http.StatusNotFound):
		return []string{
			"check the URL; a private repository needs a token: SKILLCTL_TOKEN_<HOST>, or GITHUB_TOKEN for github.com",
		}
	case errors.As(e.Err, &se):
		return []string{"the server failed; try again later"}
	case errors.Is(e.Err, errStalled) || errors.Is(e.Err, context.DeadlineExceeded) || isTimeout(e.Err):
		return []string{
			"wait longer for a slow server with SKILLCTL_TIMEOUT, e.g. SKILLCTL_TIMEOUT=3m (now " + envTimeout().String() + ")",
			"skillctl install  # with no SOURCE, restores skills.lock from the cache without the network",
		}
	case errors.As(e.Err, &dns) || errors.As(e.Err, &op) || errors.Is(e.Err, os.ErrDeadlineExceeded):
		return []string{
			"check the network connection and the host in the URL",
			"skillctl install  # with no SOURCE, restores skills.lock from the cache without the network",
		}
	}
	return nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
