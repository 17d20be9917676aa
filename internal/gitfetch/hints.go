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
// refusal to authenticate. An interrupted fetch has none. What the command that failed could have done
// without the network is its own business: see Offline.
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
		}
	case errors.As(e.Err, &dns) || errors.As(e.Err, &op) || errors.Is(e.Err, os.ErrDeadlineExceeded):
		return []string{"check the network connection and the host in the URL"}
	}
	return nil
}

// Offline reports whether the server could not be reached or stopped answering (as opposed to
// answering with a refusal or a failure): what a command that can work from the cache says about it.
func (e *RemoteError) Offline() bool {
	var se *statusError
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(e.Err, context.Canceled), errors.As(e.Err, &se):
		return false
	}
	return errors.Is(e.Err, errStalled) || errors.Is(e.Err, context.DeadlineExceeded) || isTimeout(e.Err) ||
		errors.As(e.Err, &dns) || errors.As(e.Err, &op) || errors.Is(e.Err, os.ErrDeadlineExceeded)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// NotARepository reports whether err is a server's answer that there is no repository at the URL (HTTP
// 404): for a URL that may be a web site's instead (resolver: a site's well-known index).
func NotARepository(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.code == http.StatusNotFound
}
