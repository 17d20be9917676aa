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
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
)

// The wire layer speaks git's smart HTTP protocol (v0) with go-git's encoders and decoders over a plain
// net/http client of our own, because we need what go-git's session does not give: an idle timeout on
// every read, a byte budget on every response, and retries that know which failures are transient.

const tries = 3

var retryBackoff = []time.Duration{200 * time.Millisecond, 800 * time.Millisecond}

// session is one Remote's connection state: its capabilities after the first info/refs.
type session struct {
	r       *Remote
	base    string // clone URL without trailing slash and without credentials
	client  *http.Client
	timeout time.Duration
	adv     *packp.AdvRefs
}

func newSession(r *Remote) (*session, error) {
	u, err := url.Parse(strings.TrimRight(r.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("fetch %s: not an http(s) clone URL", redact(r.URL))
	}
	if u.User != nil {
		return nil, fmt.Errorf("fetch %s: credentials in the URL are refused; use a token setting instead", redact(r.URL))
	}
	t := r.Timeout
	if t <= 0 {
		t = envTimeout()
	}
	return &session{
		r:       r,
		base:    u.String(),
		timeout: t,
		client: &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: t}).DialContext,
			TLSHandshakeTimeout: t,
			MaxIdleConnsPerHost: 4,
			ForceAttemptHTTP2:   true,
		}},
	}, nil
}

// redact drops user info from a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	return u.String()
}

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
func (s *session) retry(ctx context.Context, what string, do func(ctx context.Context) error) error {
	var err error
	for i := 0; i < tries; i++ {
		if i > 0 {
			s.r.logf("%s: %s failed, retrying: %v", s.base, what, err)
			select {
			case <-ctx.Done():
				return &RemoteError{URL: s.base, Err: ctx.Err()}
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
	var le *LimitError
	if errors.As(err, &le) || errors.Is(err, errRefused) {
		return err
	}
	if errors.Is(err, errStalled) {
		err = fmt.Errorf("%w for %v", errStalled, s.timeout)
	}
	return &RemoteError{URL: s.base, Err: err}
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

// do sends one HTTP request under an idle timeout and returns the body, read-guarded by the watchdog.
func (s *session) do(ctx context.Context, method, u string, body []byte, contentType string, max int64) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	wd := &watchdog{timeout: s.timeout, max: max}
	wd.timer = time.AfterFunc(s.timeout, func() {
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
	if s.r.Username != "" || s.r.Password != "" {
		req.SetBasicAuth(s.r.Username, s.r.Password)
	}
	resp, err := s.client.Do(req)
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

// advertise fetches info/refs once per session: refs and capabilities.
func (s *session) advertise(ctx context.Context) (*packp.AdvRefs, error) {
	if s.adv != nil {
		return s.adv, nil
	}
	err := s.retry(ctx, "list refs", func(ctx context.Context) error {
		body, err := s.do(ctx, http.MethodGet, s.base+"/info/refs?service=git-upload-pack", nil, "", 16<<20)
		if err != nil {
			return err
		}
		defer body.Close()
		adv := packp.NewAdvRefs()
		if err := adv.Decode(body); err != nil {
			if errors.Is(err, packp.ErrEmptyAdvRefs) {
				return errors.New("repository is empty")
			}
			var le *LimitError
			if errors.As(err, &le) || errors.Is(err, errStalled) {
				return err
			}
			return fmt.Errorf("not a git smart-HTTP server: %w", err)
		}
		s.adv = adv
		return nil
	})
	return s.adv, err
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
}

// fetch runs one upload-pack request and adds every object of the returned pack to st.
func (s *session) fetch(ctx context.Context, fr fetchReq, st *store) (packResult, error) {
	adv, err := s.advertise(ctx)
	if err != nil {
		return packResult{}, err
	}
	ur := packp.NewUploadRequest()
	caps := adv.Capabilities
	for _, c := range []capability.Capability{capability.OFSDelta, capability.NoProgress} {
		if caps.Supports(c) {
			ur.Capabilities.Set(c)
		}
	}
	band := sideband.Type(0)
	if caps.Supports(capability.Sideband64k) {
		ur.Capabilities.Set(capability.Sideband64k)
		band = sideband.Sideband64k
	} else if caps.Supports(capability.Sideband) {
		ur.Capabilities.Set(capability.Sideband)
		band = sideband.Sideband
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
		return packResult{}, err
	}
	enc := pktline.NewEncoder(&body)
	if err := enc.EncodeString("done\n"); err != nil {
		return packResult{}, err
	}
	var res packResult
	err = s.retry(ctx, "fetch", func(ctx context.Context) error {
		rc, err := s.do(ctx, http.MethodPost, s.base+"/git-upload-pack", body.Bytes(), "application/x-git-upload-pack-request", fr.budget)
		if err != nil {
			return err
		}
		defer rc.Close()
		br := bufio.NewReader(rc)
		if err := readPreamble(br, fr.depth > 0); err != nil {
			return asRefused(err)
		}
		var pack io.Reader = br
		if band != 0 {
			pack = sideband.NewDemuxer(band, br)
		}
		got := map[plumbing.Hash]object{}
		res, err = readPack(pack, fr.pol, func(h plumbing.Hash, o object) { got[h] = o })
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return &LimitError{Problem: fmt.Sprintf("a file is larger than the %s limit", humanBytes(fr.pol.maxBlob))}
			}
			return asRefused(err)
		}
		for h, o := range got { // only a complete pack counts: a retried half pack must not mix in
			st.add(h, o)
		}
		return nil
	})
	return res, err
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
	return printable(strings.TrimRight(strings.TrimSpace(s), "\x00"))
}
