// Package gitfetch fetches only the folders a caller needs from a git commit over smart HTTP, with
// go-git's wire layer and no git binary, through an on-disk object cache.
//
// The fast path asks the server for the commit and the trees on each path one level at a time
// (partial-clone filter tree:N, wants by SHA), then for the folders' trees and blobs in one request, so a
// folder in a repository of thousands costs a few kilobytes. Servers that refuse tree filters get a
// blob-less fetch of the commit; servers that refuse filters or wants by SHA get a depth-1 full fetch.
// Every object is addressed by its hash and checked against it, so what the server sends can only be the
// tree the commit names or an error.
package gitfetch

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// Remote is one repository and how to talk to it.
type Remote struct {
	URL                string    // clone URL, e.g. https://github.com/OWNER/REPO.git
	Username, Password string    // HTTP basic auth; empty means none. Never logged, never put in a URL
	Log                io.Writer // one-line notes on the strategy taken ("URL: what happens next"); nil = silent
	Cache              *Cache    // nil = no cache
	Limits             Limits
	Timeout            time.Duration // longest wait for any byte from the server; 0 = DefaultTimeout

	authFrom  string   // where Username/Password came from, for messages
	authTried []string // credential sources looked at
}

// The overall limit on a command's network time is Deadline (SKILLCTL_DEADLINE); Timeout is the idle
// limit of each read.

// DefaultTimeout is how long a silent server is waited for before the request fails, unless
// SKILLCTL_TIMEOUT holds another duration ("10s", "2m").
const DefaultTimeout = 60 * time.Second

// envTimeout is SKILLCTL_TIMEOUT when it is a positive duration, else DefaultTimeout.
func envTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("SKILLCTL_TIMEOUT")); err == nil && d > 0 {
		return d
	}
	return DefaultTimeout
}

// Limits cap each folder one Fetch accepts (for a Fetch of several folders: each on its own, the pack
// bounded at their sum; assemble and folderRequest in fetch.go). They are enforced while the pack streams in, so an oversize blob is refused by the server's filter or cut off
// mid-stream, never downloaded whole first. Zero fields take the defaults. The type and the defaults live
// in internal/limits, so a fetch, a local read and an install share one set.
type Limits = limits.Limits

const (
	DefaultMaxFileSize   = limits.DefaultMaxFileSize
	DefaultMaxTotalBytes = limits.DefaultMaxTotalSize
	DefaultMaxFiles      = limits.DefaultMaxFiles
)

// NotFoundError is a path that does not exist (or is not a folder, for Fetch) in the commit.
type NotFoundError struct {
	Path   string
	Commit string
}

func (e *NotFoundError) Error() string {
	p := e.Path
	if p == "" {
		p = "(root)"
	}
	return fmt.Sprintf("%s: not found in commit %s", p, short(e.Commit))
}

// EntryError is a tree entry skillctl refuses to install: a submodule, or a name that could escape the
// folder or reach git internals. Path is relative to the repository root.
type EntryError struct {
	Path    string
	Problem string
}

func (e *EntryError) Error() string { return fmt.Sprintf("%s: %s", textsafe.Escape(e.Path), e.Problem) }

// LimitError is a fetch stopped by Limits. Path names the file or folder when known; Flag is the option
// that raises the cap that stopped it ("--max-file-size"), "" for a bound no option moves.
type LimitError struct {
	Path    string
	Problem string
	Flag    string
}

// Hints name the option that raises the cap, when one does.
func (e *LimitError) Hints() []string {
	if e.Flag == "" {
		return nil
	}
	return []string{"if you trust this source, raise the cap: install, update, import and outdated take " + e.Flag + " N"}
}

func (e *LimitError) Error() string {
	if e.Path == "" {
		return e.Problem
	}
	return fmt.Sprintf("%s: %s", textsafe.Escape(e.Path), e.Problem)
}

// RemoteError is a failure to talk to the server, after retries where retrying made sense. URL never
// carries credentials.
type RemoteError struct {
	URL string
	Err error
}

func (e *RemoteError) Error() string { return fmt.Sprintf("fetch %s: %v", e.URL, e.Err) }
func (e *RemoteError) Unwrap() error { return e.Err }

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func (r *Remote) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format+"\n", args...)
	}
}

// cleanPath normalises a folder path asked for by a caller: "" and "." are the root.
func cleanPath(p string) string {
	p = strings.Trim(p, "/")
	if p == "." {
		return ""
	}
	return p
}
