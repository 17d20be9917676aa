// Package gittest runs a real git smart-HTTP server (git http-backend behind net/http/cgi) on 127.0.0.1
// for tests, builds its repositories deterministically, counts what it serves and injects faults.
//
// It takes no *testing.T so that testscript commands can drive it as well as Go tests.
package gittest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Available reports whether the git binary is on PATH; tests skip when it is not.
func Available() bool {
	_, err := exec.LookPath("git")
	return err == nil
}

// Stats counts what the server did since it started or since the last ResetStats.
type Stats struct {
	Requests int   // every HTTP request, info/refs included
	BytesOut int64 // response body bytes written
	Fetches  int   // POST .../git-upload-pack requests: one per negotiation round
}

// Fault is a misbehaviour the server applies to requests until cleared with SetFault(FaultNone) or until
// the count given to SetFaultCount runs out.
type Fault int

const (
	FaultNone Fault = iota
	// FaultDropMidPack closes the connection once DropAfter bytes of an upload-pack response went out.
	FaultDropMidPack
	// FaultStall sends nothing on upload-pack and holds the request until the client gives up.
	FaultStall
	// FaultGarbage answers upload-pack with 200 and bytes that are not a git response.
	FaultGarbage
	// FaultUnavailable answers every request (info/refs included) with 503, a transient error.
	FaultUnavailable
	// FaultUnauthorized answers every request with 401.
	FaultUnauthorized
	// FaultTipsOnly makes upload-pack refuse, as a strict server does, any want that is not the tip of a
	// branch or tag ("not our ref"): no fetching trees, blobs or older commits by hash.
	FaultTipsOnly
)

var faultNames = map[string]Fault{
	"none": FaultNone, "drop": FaultDropMidPack, "stall": FaultStall, "garbage": FaultGarbage,
	"unavailable": FaultUnavailable, "unauthorized": FaultUnauthorized, "tips-only": FaultTipsOnly,
}

// ParseFault maps a short name (none, drop, stall, garbage, unavailable, unauthorized, tips-only) to a Fault, for
// script commands.
func ParseFault(name string) (Fault, error) {
	f, ok := faultNames[name]
	if !ok {
		return FaultNone, fmt.Errorf("gittest: unknown fault %q (want none, drop, stall, garbage, unavailable, unauthorized, tips-only)", name)
	}
	return f, nil
}

// DefaultDropAfter is how many response bytes FaultDropMidPack lets through: past the NAK and pack
// header, inside the first objects.
const DefaultDropAfter = 200

// Server is a git http-backend serving the bare repositories under its root as OWNER/REPO.git.
// Its address stays the same across Stop and Restart so clients can test offline behaviour.
type Server struct {
	root   string
	gitBin string
	addr   string

	mu        sync.Mutex
	srv       *http.Server
	done      chan struct{} // closed when the current server stops, to release stalled requests
	fault     Fault
	faultLeft int // requests the fault still applies to; <=0 means unlimited
	dropAfter int64
	repoMu    sync.Mutex // serialises repository building

	requests atomic.Int64
	bytesOut atomic.Int64
	fetches  atomic.Int64
}

// Start serves the bare repositories under root (created if missing) on a free 127.0.0.1 port.
func Start(root string) (*Server, error) {
	git, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("gittest: git not found on PATH: %w", err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("gittest: %w", err)
	}
	s := &Server{root: root, gitBin: git, dropAfter: DefaultDropAfter}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("gittest: listen: %w", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	return s, nil
}

// Root is the directory holding the bare repositories.
func (s *Server) Root() string { return s.root }

// URL is the server's base URL, http://127.0.0.1:PORT, without a trailing slash.
func (s *Server) URL() string { return "http://" + s.addr }

// RepoURL is the clone URL of repo ("OWNER/REPO").
func (s *Server) RepoURL(repo string) string { return s.URL() + "/" + repo + ".git" }

func (s *Server) serve(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = make(chan struct{})
	s.srv = &http.Server{Handler: http.HandlerFunc(s.handle), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
}

// Stop shuts the server down, dropping open connections; the port stays reserved for Restart only by
// convention, so Restart soon after.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	close(done)
	srv.Close()
}

// Restart serves again on the same address after Stop.
func (s *Server) Restart() error {
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		return nil
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the kernel may hold the port briefly after Close
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("gittest: restart on %s: %w", s.addr, err)
	}
	s.serve(ln)
	return nil
}

// Close stops the server for good. The repositories stay on disk.
func (s *Server) Close() { s.Stop() }

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{Requests: int(s.requests.Load()), BytesOut: s.bytesOut.Load(), Fetches: int(s.fetches.Load())}
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.requests.Store(0)
	s.bytesOut.Store(0)
	s.fetches.Store(0)
}

// SetFault makes the server misbehave on every matching request from now on (FaultNone clears it).
func (s *Server) SetFault(f Fault) { s.SetFaultCount(f, 0) }

// SetFaultCount applies f to the next n matching requests only, then behaves again (n <= 0: forever).
// Useful to prove that transient errors are retried.
func (s *Server) SetFaultCount(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.faultLeft = f, n
}

// SetDropAfter sets how many response bytes FaultDropMidPack lets through (default DefaultDropAfter).
func (s *Server) SetDropAfter(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropAfter = n
}

// takeFault returns the fault for a request and consumes one use of a counted fault.
func (s *Server) takeFault(uploadPack bool) (Fault, int64, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fault
	switch f {
	case FaultNone:
		return FaultNone, 0, s.done
	case FaultDropMidPack, FaultStall, FaultGarbage, FaultTipsOnly:
		if !uploadPack {
			return FaultNone, 0, s.done
		}
	}
	if s.faultLeft > 0 {
		s.faultLeft--
		if s.faultLeft == 0 {
			s.fault = FaultNone
		}
	}
	return f, s.dropAfter, s.done
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	uploadPack := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack")
	if uploadPack {
		s.fetches.Add(1)
	}
	cw := &countingWriter{ResponseWriter: w, n: &s.bytesOut, limit: -1}
	fault, dropAfter, done := s.takeFault(uploadPack)
	switch fault {
	case FaultUnavailable:
		http.Error(cw, "service unavailable", http.StatusServiceUnavailable)
		return
	case FaultUnauthorized:
		cw.Header().Set("WWW-Authenticate", `Basic realm="gittest"`)
		http.Error(cw, "authentication required", http.StatusUnauthorized)
		return
	case FaultGarbage:
		cw.Header().Set("Content-Type", "application/x-git-upload-pack-result")
		cw.WriteHeader(http.StatusOK)
		cw.Write([]byte("this is not a git packet line stream\x00\xff\xfe garbage garbage garbage\n"))
		return
	case FaultStall:
		select {
		case <-r.Context().Done():
		case <-done:
		}
		return
	case FaultDropMidPack:
		cw.limit = dropAfter
	case FaultTipsOnly:
		if s.refuseNonTips(cw, r) {
			return
		}
	}
	h := &cgi.Handler{
		Path: s.gitBin,
		Args: []string{"http-backend"},
		Dir:  s.root,
		Env: []string{
			"GIT_PROJECT_ROOT=" + s.root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=/dev/null",
			"HOME=" + s.root,
		},
		// Without these the CGI package logs every aborted response to stderr.
		Stderr: discard{},
		Logger: log.New(discard{}, "", 0),
	}
	h.ServeHTTP(cw, r)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// countingWriter counts body bytes and, with a limit, aborts the connection once the limit is passed,
// which a client sees as a connection dropped mid-response.
type countingWriter struct {
	http.ResponseWriter
	n       *atomic.Int64
	limit   int64 // <0: none
	written int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.limit >= 0 && c.written+int64(len(p)) > c.limit {
		keep := c.limit - c.written
		if keep > 0 {
			c.ResponseWriter.Write(p[:keep])
			c.n.Add(keep)
		}
		if f, ok := c.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	n, err := c.ResponseWriter.Write(p)
	c.written += int64(n)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// refuseNonTips answers a request wanting anything but a branch or tag tip with an ERR packet, and
// otherwise restores the body it read so the request goes on to git.
func (s *Server) refuseNonTips(w http.ResponseWriter, r *http.Request) bool {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return true
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	body := raw
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			body, _ = io.ReadAll(zr)
		}
	}
	repo := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/git-upload-pack")
	tips, err := s.gitBare(filepath.Join(s.root, filepath.FromSlash(repo)), "for-each-ref", "--format=%(objectname)")
	if err != nil {
		http.Error(w, "no such repository", http.StatusNotFound)
		return true
	}
	for len(body) >= 4 {
		n, err := strconv.ParseUint(string(body[:4]), 16, 16)
		if err != nil || int(n) > len(body) || n == 3 {
			break
		}
		if n < 4 { // flush, delim and response-end packets (protocol v2) carry nothing
			body = body[4:]
			continue
		}
		line := string(body[4:n])
		body = body[n:]
		if want, ok := strings.CutPrefix(line, "want "); ok && len(want) >= 40 && !strings.Contains(tips, want[:40]) {
			w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
			msg := "ERR upload-pack: not our ref " + want[:40] + "\n"
			fmt.Fprintf(w, "%04x%s", len(msg)+4, msg)
			return true
		}
	}
	return false
}

func (s *Server) gitBare(dir string, args ...string) (string, error) {
	cmd := exec.Command(s.gitBin, args...)
	cmd.Env = append(os.Environ(), "GIT_DIR="+dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.Output()
	return string(out), err
}
