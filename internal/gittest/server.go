// Package gittest runs a real git smart-HTTP server (git http-backend behind net/http/cgi) on 127.0.0.1
// for tests, builds its repositories deterministically, counts what it serves and injects faults.
//
// It takes no *testing.T so that testscript commands can drive it as well as Go tests.
package gittest

import (
	"bufio"
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
	Fetches  int   // POST .../git-upload-pack requests that fetch objects (not v2 ls-refs): one per round
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
	// FaultTrickle sends every response (info/refs included) one byte at a time, one every TrickleEvery,
	// so no idle timeout ever fires: only an overall deadline ends the client's wait.
	FaultTrickle
)

var faultNames = map[string]Fault{
	"none": FaultNone, "drop": FaultDropMidPack, "stall": FaultStall, "garbage": FaultGarbage,
	"unavailable": FaultUnavailable, "unauthorized": FaultUnauthorized, "tips-only": FaultTipsOnly,
	"trickle": FaultTrickle,
}

// ParseFault maps a short name (none, drop, stall, garbage, unavailable, unauthorized, tips-only, trickle) to a
// Fault, for script commands.
func ParseFault(name string) (Fault, error) {
	f, ok := faultNames[name]
	if !ok {
		return FaultNone, fmt.Errorf("gittest: unknown fault %q (want none, drop, stall, garbage, unavailable, unauthorized, tips-only, trickle)", name)
	}
	return f, nil
}

// TrickleEvery is the pause between two bytes under FaultTrickle.
const TrickleEvery = 100 * time.Millisecond

// Shape is how the server behaves toward every client. The zero value is GitHub's shape: protocol v2 when
// the client asks for it, partial-clone filters, and wants of any object reachable from a ref
// (uploadpack.allowReachableSHA1InWant; under v2 git lets any existing object be wanted). The switches
// give the older or stricter servers a client must still work with.
type Shape struct {
	V0Only   bool // ignore the Git-Protocol header: speak protocol v0, every session lists every ref
	NoFilter bool // refuse partial-clone filters (uploadpack.allowFilter=false)
	// TipsOnly refuses wants of anything but branch and tag tips, as git does without
	// allowReachableSHA1InWant. It implies V0Only, because v2 upload-pack allows any object.
	TipsOnly bool
}

// ParseShape maps a script word (github, v0, nofilter, tipsonly; several joined by '+') to a Shape.
func ParseShape(s string) (Shape, error) {
	var sh Shape
	for _, w := range strings.Split(s, "+") {
		switch w {
		case "github":
		case "v0":
			sh.V0Only = true
		case "nofilter":
			sh.NoFilter = true
		case "tipsonly":
			sh.TipsOnly = true
		default:
			return Shape{}, fmt.Errorf("gittest: unknown shape %q (want github, v0, nofilter, tipsonly, joined by +)", w)
		}
	}
	return sh, nil
}

// DefaultPullRefs is how many refs/pull/* a new repository advertises, as a busy GitHub repository does
// (every pull request's head, and merge for the open ones).
const DefaultPullRefs = 2000

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
	shape     Shape
	authUser  string // with authPass: every request must carry these as basic auth
	authPass  string
	pullRefs  int
	down      map[string]bool // OWNER/REPO that answer 503, as a host that is down does, while the rest serve
	delay     time.Duration   // held before answering each request: a simulated round trip
	repoMu    sync.Mutex      // serialises repository building
	date      string          // the commit date of the commits made from now on (repoMu); "" for fixedEnv's

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
	s := &Server{root: root, gitBin: git, dropAfter: DefaultDropAfter, pullRefs: DefaultPullRefs}
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

// SetDown makes every request for the repository OWNER/REPO (with or without .git) fail with 503 while
// down is true, and serve again when it is false: one registry of several unreachable, the others not.
func (s *Server) SetDown(repo string, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down == nil {
		s.down = map[string]bool{}
	}
	s.down[strings.TrimSuffix(strings.Trim(repo, "/"), ".git")] = down
}

// isDown reports whether the request is for a repository SetDown took down.
func (s *Server) isDown(p string) bool {
	segs := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 3)
	if len(segs) < 2 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down[segs[0]+"/"+strings.TrimSuffix(segs[1], ".git")]
}

// SetDelay holds every request for d before answering it, as a distant host's round trip does (0: none),
// so a benchmark or a test can count what each request costs a client far from the server.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetShape changes how the server behaves from the next request on.
func (s *Server) SetShape(sh Shape) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shape = sh
}

// SetAuth makes every request need basic auth with user and pass (an empty user: any user, as servers
// taking tokens do; an empty pass: no auth needed), as a private repository does; a request without
// them, or with others, gets 401.
func (s *Server) SetAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authUser, s.authPass = user, pass
}

// SetPullRefs sets how many refs/pull/* repositories get at their first commit (0: none, a one-ref
// server). Repositories already committed keep theirs.
func (s *Server) SetPullRefs(n int) {
	s.repoMu.Lock()
	defer s.repoMu.Unlock()
	s.pullRefs = n
}

// SetDropAfter sets how many response bytes FaultDropMidPack lets through (default DefaultDropAfter).
func (s *Server) SetDropAfter(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropAfter = n
}

// takeFault returns the fault for a request and consumes one use of a counted fault.
func (s *Server) takeFault(uploadPack bool) (Fault, int64, chan struct{}, Shape) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fault
	switch f {
	case FaultNone:
		return FaultNone, 0, s.done, s.shape
	case FaultDropMidPack, FaultStall, FaultGarbage, FaultTipsOnly:
		if !uploadPack {
			return FaultNone, 0, s.done, s.shape
		}
	}
	if s.faultLeft > 0 {
		s.faultLeft--
		if s.faultLeft == 0 {
			s.fault = FaultNone
		}
	}
	return f, s.dropAfter, s.done, s.shape
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	uploadPack := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack")
	if uploadPack && !isLsRefs(r) {
		s.fetches.Add(1)
	}
	cw := &countingWriter{ResponseWriter: w, n: &s.bytesOut, limit: -1}
	fault, dropAfter, done, shape := s.takeFault(uploadPack)
	s.mu.Lock()
	wantUser, wantPass, delay := s.authUser, s.authPass, s.delay
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		case <-done:
			return
		}
	}
	if wantPass != "" {
		if u, p, ok := r.BasicAuth(); !ok || (wantUser != "" && u != wantUser) || p != wantPass {
			cw.Header().Set("WWW-Authenticate", `Basic realm="gittest"`)
			http.Error(cw, "authentication required", http.StatusUnauthorized)
			return
		}
	}
	if s.isDown(r.URL.Path) {
		http.Error(cw, "service unavailable", http.StatusServiceUnavailable)
		return
	}
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
	env := []string{
		"GIT_PROJECT_ROOT=" + s.root,
		"GIT_HTTP_EXPORT_ALL=1",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"HOME=" + s.root,
	}
	// The shape overrides the repositories' own config through the environment, so switching it needs no
	// rewrite of any repository.
	var cfg [][2]string
	if shape.NoFilter {
		cfg = append(cfg, [2]string{"uploadpack.allowFilter", "false"})
	}
	if shape.TipsOnly {
		cfg = append(cfg, [2]string{"uploadpack.allowReachableSHA1InWant", "false"}, [2]string{"uploadpack.allowAnySHA1InWant", "false"})
	}
	env = append(env, "GIT_CONFIG_COUNT="+strconv.Itoa(len(cfg)))
	for i, kv := range cfg {
		env = append(env, fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", i, kv[0]), fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", i, kv[1]))
	}
	if shape.V0Only || shape.TipsOnly {
		r.Header.Del("Git-Protocol") // http-backend passes it to upload-pack as GIT_PROTOCOL
	}
	h := &cgi.Handler{
		Path: s.gitBin,
		Args: []string{"http-backend"},
		Dir:  s.root,
		Env:  env,
		// Without these the CGI package logs every aborted response to stderr.
		Stderr: discard{},
		Logger: log.New(discard{}, "", 0),
	}
	if fault == FaultTrickle {
		trickle(cw, r, h, done)
		return
	}
	h.ServeHTTP(cw, r)
}

// trickle runs h to completion into memory, then sends its answer one byte per TrickleEvery.
func trickle(w http.ResponseWriter, r *http.Request, h http.Handler, done chan struct{}) {
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	h.ServeHTTP(rec, r)
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.code)
	fl, _ := w.(http.Flusher)
	for _, b := range rec.body.Bytes() {
		select {
		case <-r.Context().Done():
			return
		case <-done:
			return
		case <-time.After(TrickleEvery):
		}
		if _, err := w.Write([]byte{b}); err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
	}
}

// recorder is a ResponseWriter that keeps the answer in memory.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

// isLsRefs reports whether an upload-pack request is a protocol v2 ls-refs command (a ref listing, not a
// fetch), leaving the body readable.
func isLsRefs(r *http.Request) bool {
	br := bufio.NewReader(r.Body)
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	head, _ := br.Peek(4 + len("command=ls-refs"))
	return len(head) > 4 && string(head[4:]) == "command=ls-refs"
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
	dir := filepath.Join(s.root, filepath.FromSlash(repo))
	if _, err := os.Stat(dir); err != nil {
		dir += ".git" // OWNER/REPO is served from OWNER/REPO.git, as git http-backend does
	}
	tips, err := s.gitBare(dir, "for-each-ref", "--format=%(objectname)")
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
