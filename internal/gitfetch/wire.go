package gitfetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"

	"github.com/skillctl/skillctl/internal/textsafe"
)

// The HTTP wire speaks git's smart HTTP protocol, v2 when the server does and v0 otherwise, with
// go-git's pkt-line encoder, side-band demultiplexer and pack scanner over a plain net/http client of our
// own, because we need what go-git's session does not give: protocol v2, an idle timeout on every read, a
// byte budget on every response, and retries that know which failures are transient.

const tries = 3

var retryBackoff = []time.Duration{200 * time.Millisecond, 800 * time.Millisecond}

// httpWire is a Session's HTTP connection state.
type httpWire struct {
	s       *Session
	base    string // clone URL without trailing slash and without credentials
	client  *http.Client
	timeout time.Duration

	helperAsked bool              // git credential fill has been run
	proto       int               // 0: not known yet; 1: v0; 2: v2
	found       bool              // the capability advertisement (GET info/refs) has been read
	filtered    bool              // a v2 fetch with a filter succeeded without it (see unprobed)
	caps        map[string]string // v2 capabilities
	adv         *packp.AdvRefs    // v0 advertisement: every ref and the capabilities
}

func newHTTPWire(s *Session, u *url.URL) (*httpWire, error) {
	r := &s.r
	if u.User != nil {
		return nil, fmt.Errorf("fetch %s: credentials in the URL are refused; use a token setting instead", textsafe.RedactURL(r.URL))
	}
	t := r.Timeout
	if t <= 0 {
		t = envTimeout()
	}
	orig := *u
	return &httpWire{
		s:       s,
		base:    u.String(),
		timeout: t,
		client: &http.Client{
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				DialContext:         dialHeard(&net.Dialer{Timeout: t, KeepAlive: 30 * time.Second}),
				TLSHandshakeTimeout: t,
				MaxIdleConnsPerHost: 4,
				IdleConnTimeout:     90 * time.Second,
				ForceAttemptHTTP2:   true,
			},
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 10 {
					return errors.New("stopped after 10 redirects")
				}
				// Credentials go only where they were meant to: the same scheme, host and port.
				if !sameOrigin(req.URL, &orig) {
					req.Header.Del("Authorization")
				}
				return nil
			},
		},
	}, nil
}

// dialHeard dials connections on which a server that hangs up mid-request is still heard. A server that
// refuses a request (a want it does not have) answers and closes while a large request body is still being
// written; net/http then reports the failed write and drops the answer. As git does after a failed write,
// the rest of the body is let go and the answer read: the request ends on what the server said, or on the
// read error when it said nothing.
func dialHeard(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &heardConn{Conn: c}, nil
	}
}

type heardConn struct {
	net.Conn
	hungUp atomic.Bool // a write found the server gone: later writes are dropped
}

func (c *heardConn) Write(p []byte) (int, error) {
	if c.hungUp.Load() {
		return len(p), nil
	}
	n, err := c.Conn.Write(p)
	if err != nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)) {
		c.hungUp.Store(true)
		return len(p), nil
	}
	return n, err
}

func (w *httpWire) where() string { return w.base }

func (w *httpWire) close() { w.client.CloseIdleConnections() }

// statusError is an HTTP status other than 200.
type statusError struct{ code int }

func (e *statusError) Error() string {
	switch e.code {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf("HTTP %d: authentication required or repository not accessible", e.code)
	case http.StatusNotFound:
		return "HTTP 404: repository not found"
	}
	return fmt.Sprintf("HTTP %d %s", e.code, http.StatusText(e.code))
}

var errStalled = errors.New("server stopped sending")

// transient reports whether a failed request is worth repeating: the server was unreachable, hung up,
// or said it was temporarily unable. Client errors, auth failures and stalls are not retried (a stall
// already cost a full timeout).
func transient(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.code >= 500
	}
	if errors.Is(err, errStalled) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE)
}

// retry runs do up to three times while it fails transiently, then wraps the last error with the URL.
func (w *httpWire) retry(ctx context.Context, what string, do func(ctx context.Context) error) error {
	var err error
	for i := 0; i < tries; i++ {
		if i > 0 {
			w.s.r.logf("%s: %s failed, retrying: %v", w.base, what, err)
			select {
			case <-ctx.Done():
				return &RemoteError{URL: w.base, Err: ctx.Err()}
			case <-time.After(retryBackoff[i-1]):
			}
		}
		if err = do(ctx); err == nil || !transient(err) {
			break
		}
	}
	if err == nil {
		return nil
	}
	return w.wrap(err)
}

// watchdog cancels a request when no byte has arrived for the timeout, and says so in its error.
type watchdog struct {
	rc      io.ReadCloser
	timer   *time.Timer
	timeout time.Duration
	mu      sync.Mutex
	fired   bool
	n       int64
	max     int64 // byte budget for the whole response; <=0: none
}

func (w *watchdog) Read(p []byte) (int, error) {
	n, err := w.rc.Read(p)
	w.timer.Reset(w.timeout)
	w.n += int64(n)
	if w.max > 0 && w.n > w.max {
		return n, &LimitError{Problem: fmt.Sprintf("server sent more than %s", humanBytes(w.max))}
	}
	if err != nil && err != io.EOF {
		w.mu.Lock()
		fired := w.fired
		w.mu.Unlock()
		if fired {
			return n, errStalled
		}
	}
	return n, err
}

func (w *watchdog) Close() error {
	w.timer.Stop()
	return w.rc.Close()
}

// do sends one HTTP request under an idle timeout and returns the body, read-guarded by the watchdog. A
// 401 with no credential sent asks git's credential helpers once per session, then tries again.
func (w *httpWire) do(ctx context.Context, method, u string, body []byte, contentType string, v2 bool, max int64) (io.ReadCloser, error) {
	rc, err := w.do1(ctx, method, u, body, contentType, v2, max)
	var ae *AuthError
	r := &w.s.r
	if errors.As(err, &ae) && ae.Code == http.StatusUnauthorized && r.Password == "" && !w.helperAsked {
		w.helperAsked = true
		if r.withHelperCredential(ctx, w.base) {
			return w.do1(ctx, method, u, body, contentType, v2, max)
		}
		ae.Tried = r.authTried
	}
	return rc, err
}

func (w *httpWire) do1(ctx context.Context, method, u string, body []byte, contentType string, v2 bool, max int64) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	wd := &watchdog{timeout: w.timeout, max: max}
	wd.timer = time.AfterFunc(w.timeout, func() {
		wd.mu.Lock()
		wd.fired = true
		wd.mu.Unlock()
		cancel()
	})
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("User-Agent", "skillctl")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Accept", "application/x-git-upload-pack-result")
	}
	if v2 {
		req.Header.Set("Git-Protocol", "version=2")
	}
	if r := &w.s.r; r.Username != "" || r.Password != "" {
		req.SetBasicAuth(r.Username, r.Password)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		wd.timer.Stop()
		cancel()
		wd.mu.Lock()
		fired := wd.fired
		wd.mu.Unlock()
		if fired {
			return nil, errStalled
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is added once, by retry
		}
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		wd.timer.Stop()
		cancel()
		if c := resp.StatusCode; c == http.StatusUnauthorized || c == http.StatusForbidden {
			r := &w.s.r
			from := r.authFrom
			if from == "" && r.Password != "" {
				from = "the caller"
			}
			host := hostOf(w.base)
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			return nil, &AuthError{URL: w.base, Code: c, Host: strings.Trim(host, "[]"), From: from, Tried: r.authTried}
		}
		return nil, &statusError{resp.StatusCode}
	}
	wd.rc = &cancelCloser{ReadCloser: resp.Body, cancel: cancel}
	return wd, nil
}

type cancelCloser struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelCloser) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// errRefused marks a request the server understood and declined (a filter or a want it does not
// allow), which a slower strategy may get around.
var errRefused = errors.New("refused by server")

type refusedError struct{ msg string }

func (e *refusedError) Error() string   { return "server refused: " + e.msg }
func (e *refusedError) Is(t error) bool { return t == errRefused }

// fetchReq is one upload-pack negotiation: all wants at once, no haves.
type fetchReq struct {
	wants  []plumbing.Hash
	depth  int
	filter packp.Filter
	pol    packPolicy
	budget int64 // bytes the response may take on the wire
	// deep: a commit with every tree down to its paths' parents (Session.commitRequest); a pack over its
	// bounds, or a refusal, has the commit asked for again with one level below its root.
	deep bool
	// ahead: objects fetched ahead of need (Beside). A refusal that names no filter (a server that cannot
	// walk what was asked, a want refused) teaches the session nothing: the fetch that needs the objects
	// meets it, if it must, and learns from it there.
	ahead bool
}

// asRefused turns the server's own error reports (an ERR packet, or a message on the error side band)
// into a refusedError, leaving transport errors as they are.
func asRefused(err error) error {
	var el *pktline.ErrorLine
	if errors.As(err, &el) {
		return &refusedError{msg: serverText(el.Text)}
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if msg, ok := strings.CutPrefix(e.Error(), "unexpected error: "); ok {
			return &refusedError{msg: serverText(msg)}
		}
	}
	return err
}

// fetchV0Body is a v0 upload-pack request to a server advertising caps: capabilities on the first want,
// then "done". Over HTTP it is a POST body, over SSH what upload-pack reads after its advertisement.
func fetchV0Body(caps *capability.List, fr fetchReq) ([]byte, error) {
	ur := packp.NewUploadRequest()
	for _, c := range []capability.Capability{capability.OFSDelta, capability.NoProgress} {
		if caps.Supports(c) {
			ur.Capabilities.Set(c)
		}
	}
	if caps.Supports(capability.Sideband64k) {
		ur.Capabilities.Set(capability.Sideband64k)
	} else if caps.Supports(capability.Sideband) {
		ur.Capabilities.Set(capability.Sideband)
	}
	ur.Capabilities.Set(capability.Agent, "skillctl")
	if fr.depth > 0 {
		ur.Capabilities.Set(capability.Shallow)
		ur.Depth = packp.DepthCommits(fr.depth)
	}
	if fr.filter != "" {
		ur.Capabilities.Set(capability.Filter)
		ur.Filter = fr.filter
	}
	ur.Wants = fr.wants
	var body bytes.Buffer
	if err := ur.Encode(&body); err != nil {
		return nil, err
	}
	if err := pktline.NewEncoder(&body).EncodeString("done\n"); err != nil {
		return nil, err
	}
	return body.Bytes(), nil
}

// readV0Answer reads the answer to fetchV0Body's request: the preamble, then the pack, through the side
// band fetchV0Body asked for. The server's own error reports come back as a refusedError.
func readV0Answer(br *bufio.Reader, caps *capability.List, fr fetchReq, put func(plumbing.Hash, object)) (packResult, error) {
	if err := readPreamble(br, fr.depth > 0); err != nil {
		return packResult{}, asRefused(err)
	}
	var pack io.Reader = br
	if caps.Supports(capability.Sideband64k) {
		pack = sideband.NewDemuxer(sideband.Sideband64k, br)
	} else if caps.Supports(capability.Sideband) {
		pack = sideband.NewDemuxer(sideband.Sideband, br)
	}
	return readPackAnswer(pack, fr, put)
}

// readPackAnswer reads the pack of an answer and hands its objects to put only once the pack is complete:
// a half pack from a dropped or retried request must not mix in.
func readPackAnswer(pack io.Reader, fr fetchReq, put func(plumbing.Hash, object)) (packResult, error) {
	got := map[plumbing.Hash]object{}
	res, err := readPack(pack, fr.pol, func(h plumbing.Hash, o object) { got[h] = o })
	if err != nil {
		var le *LimitError
		switch {
		case errors.Is(err, errTooLarge):
			return res, &LimitError{Problem: fmt.Sprintf("a file is larger than the %s limit", humanBytes(fr.pol.maxBlob)), Flag: fr.pol.blobFlag}
		case errors.As(err, &le):
			return res, err
		}
		return res, asRefused(err)
	}
	for h, o := range got {
		put(h, o)
	}
	return res, nil
}

// readPreamble consumes what precedes the pack: shallow lines and their flush (when a depth was asked),
// then NAK. An ERR line is the server declining the request.
func readPreamble(br *bufio.Reader, shallow bool) error {
	sc := pktline.NewScanner(br)
	for {
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return err
			}
			return io.ErrUnexpectedEOF
		}
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			if !shallow {
				return errors.New("unexpected flush before pack")
			}
			shallow = false
		case bytes.HasPrefix(line, []byte("ERR ")):
			return &refusedError{msg: serverText(string(line[4:]))}
		case bytes.HasPrefix(line, []byte("shallow ")), bytes.HasPrefix(line, []byte("unshallow ")):
		case bytes.HasPrefix(line, []byte("NAK")), bytes.HasPrefix(line, []byte("ACK ")):
			return nil
		default:
			return fmt.Errorf("unexpected server response %q", truncate(string(line), 60))
		}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// serverText makes a message the server wrote fit to print: trimmed, and quoted when it holds control
// characters, so a hostile server cannot send terminal escape sequences through an error line.
func serverText(s string) string {
	return textsafe.Escape(strings.TrimRight(strings.TrimSpace(s), "\x00"))
}
