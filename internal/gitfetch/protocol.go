package gitfetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/skillctl/skillctl/internal/textsafe"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
)

// newWire picks the transport for a session's URL.
func newWire(s *Session) (wire, error) {
	if isSCPLike(s.r.URL) {
		return newSSHWire(s)
	}
	u, err := url.Parse(strings.TrimRight(s.r.URL, "/"))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: not a clone URL", textsafe.RedactURL(s.r.URL))
	}
	switch {
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		return newHTTPWire(s, u)
	case u.Scheme == "file":
		return newLocalWire(s, u)
	case u.Scheme == "ssh":
		return newSSHWire(s)
	}
	return nil, fmt.Errorf("fetch %s: not an http(s), ssh or file clone URL", textsafe.RedactURL(s.r.URL))
}

// Protocol v2 over HTTP, as git and GitHub speak it: the client sends "Git-Protocol: version=2"; GET
// info/refs then answers with a capability list instead of every ref, and each POST to git-upload-pack
// carries one command (ls-refs or fetch) and its arguments, with no state between requests.

// pkt kinds besides data, as protocol v2 uses them.
const (
	pktData = iota
	pktFlush
	pktDelim
	pktEnd
)

// readPkt reads one pkt-line. An "ERR " line is the server declining the request.
func readPkt(br *bufio.Reader) (int, []byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		if err == io.EOF {
			return 0, nil, io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	n, err := strconv.ParseUint(string(hdr[:]), 16, 16)
	if err != nil {
		return 0, nil, fmt.Errorf("bad pkt-line length %q", hdr[:])
	}
	switch n {
	case 0:
		return pktFlush, nil, nil
	case 1:
		return pktDelim, nil, nil
	case 2:
		return pktEnd, nil, nil
	case 3:
		return 0, nil, errors.New("bad pkt-line length 3")
	}
	buf := make([]byte, n-4)
	if _, err := io.ReadFull(br, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	if rest, ok := bytes.CutPrefix(buf, []byte("ERR ")); ok {
		return 0, nil, &refusedError{msg: serverText(string(rest))}
	}
	return pktData, buf, nil
}

// v2Request encodes a v2 command: the command line, our agent, a delimiter, the arguments, a flush.
func v2Request(command string, args []string) []byte {
	var b bytes.Buffer
	enc := pktline.NewEncoder(&b)
	enc.EncodeString("command="+command+"\n", "agent=skillctl\n")
	b.WriteString("0001")
	for _, a := range args {
		enc.EncodeString(a + "\n")
	}
	enc.Flush()
	return b.Bytes()
}

// maxRefList bounds a server's list of refs, on every transport (GET info/refs, ls-refs, the SSH
// advertisement): GitHub's busiest repositories list a few MiB.
const maxRefList = 64 << 20

// discover reads the capability advertisement (GET info/refs) once: a v2 server lists its capabilities,
// a v0 one every ref.
func (w *httpWire) discover(ctx context.Context) error {
	if w.found {
		return nil
	}
	err := w.retry(ctx, "list refs", func(ctx context.Context) error {
		body, err := w.do(ctx, http.MethodGet, w.base+"/info/refs?service=git-upload-pack", nil, "", true, maxRefList)
		if err != nil {
			return err
		}
		defer body.Close()
		raw, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		caps, adv, err := parseDiscovery(raw)
		if err != nil {
			return err
		}
		w.found = true
		if caps != nil {
			w.proto, w.caps = 2, caps
			return nil
		}
		w.proto, w.adv = 1, adv
		w.s.note("%s: does not speak git protocol v2; using v0, which sends all %d refs (%d KiB) with every session", w.base, len(adv.References), (len(raw)+1023)>>10)
		return nil
	})
	return err
}

// parseDiscovery reads an info/refs answer: v2 capabilities, or a v0 advertisement.
func parseDiscovery(raw []byte) (map[string]string, *packp.AdvRefs, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	kind, line, err := readPkt(br)
	if err == nil && kind == pktData && bytes.HasPrefix(line, []byte("# service=")) {
		if kind, _, err = readPkt(br); err == nil && kind == pktFlush {
			kind, line, err = readPkt(br)
		}
	}
	if err == nil && kind == pktData && strings.TrimSpace(string(line)) == "version 2" {
		caps := map[string]string{}
		for {
			kind, line, err := readPkt(br)
			if err != nil {
				return nil, nil, fmt.Errorf("reading capabilities: %w", err)
			}
			if kind == pktFlush {
				return caps, nil, nil
			}
			k, v, _ := strings.Cut(strings.TrimSuffix(string(line), "\n"), "=")
			caps[k] = v
		}
	}
	var rf *refusedError
	if errors.As(err, &rf) {
		return nil, nil, err
	}
	adv := packp.NewAdvRefs()
	if err := adv.Decode(bytes.NewReader(raw)); err != nil {
		if errors.Is(err, packp.ErrEmptyAdvRefs) {
			return nil, nil, errors.New("repository is empty")
		}
		return nil, nil, fmt.Errorf("not a git smart-HTTP server: %w", err)
	}
	return nil, adv, nil
}

// errNotV2 is an optimistic v2 request that the server did not understand.
var errNotV2 = errors.New("server does not speak protocol v2")

func (w *httpWire) refs(ctx context.Context, prefixes []string) (map[string]string, error) {
	if !w.found && w.proto != 1 {
		// Ask ls-refs straight away: a v2 server answers without the capability round trip, so a
		// command whose objects are all cached costs one small request. Anything else means v0.
		m, err := w.lsRefs(ctx, prefixes, true)
		if err == nil {
			w.proto = 2
			return m, nil
		}
		if !errors.Is(err, errNotV2) {
			return nil, err
		}
	}
	if err := w.discover(ctx); err != nil {
		return nil, err
	}
	if w.proto == 2 {
		return w.lsRefs(ctx, prefixes, false)
	}
	return refsFromAdv(w.adv, prefixes), nil
}

// refsFromAdv picks from a v0 advertisement the refs under prefixes, annotated tags peeled.
func refsFromAdv(adv *packp.AdvRefs, prefixes []string) map[string]string {
	out := map[string]string{}
	add := func(name string, h plumbing.Hash) {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				out[name] = h.String()
				return
			}
		}
	}
	for name, h := range adv.References {
		add(name, h)
	}
	for name, h := range adv.Peeled {
		add(name, h)
	}
	if adv.Head != nil {
		add("HEAD", *adv.Head)
	}
	return out
}

// lsRefs runs the v2 ls-refs command. A probe turns an answer that is not v2 into errNotV2.
func (w *httpWire) lsRefs(ctx context.Context, prefixes []string, probe bool) (map[string]string, error) {
	args := []string{"peel", "symrefs"}
	for _, p := range prefixes {
		args = append(args, "ref-prefix "+p)
	}
	body := v2Request("ls-refs", args)
	var out map[string]string
	do := func(ctx context.Context) error {
		rc, err := w.do(ctx, http.MethodPost, w.base+"/git-upload-pack", body, "application/x-git-upload-pack-request", true, maxRefList)
		if err != nil {
			var se *statusError
			if probe && errors.As(err, &se) && se.code != http.StatusUnauthorized && se.code != http.StatusForbidden && se.code != http.StatusNotFound && se.code < 500 {
				return errNotV2
			}
			return err
		}
		defer rc.Close()
		m, err := parseLsRefs(bufio.NewReader(rc))
		if err != nil {
			var le *LimitError
			if probe && !errors.As(err, &le) && !errors.Is(err, errStalled) {
				return errNotV2
			}
			return err
		}
		out = m
		return nil
	}
	if probe {
		if err := do(ctx); err != nil {
			if errors.Is(err, errNotV2) {
				return nil, err
			}
			if !transient(err) {
				return nil, w.wrap(err)
			}
		} else {
			return out, nil
		}
	}
	if err := w.retry(ctx, "list refs", do); err != nil {
		return nil, err
	}
	return out, nil
}

// wrap adds the URL to an error the way retry does.
func (w *httpWire) wrap(err error) error {
	var le *LimitError
	var ae *AuthError
	if errors.As(err, &le) || errors.Is(err, errRefused) || errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, errStalled) {
		err = fmt.Errorf("%w for %v", errStalled, w.timeout)
	}
	return &RemoteError{URL: w.base, Err: err}
}

// parseLsRefs reads "OID NAME [symref-target:T] [peeled:OID]" lines up to a flush. Names map to the
// commit they peel to.
func parseLsRefs(br *bufio.Reader) (map[string]string, error) {
	out := map[string]string{}
	for {
		kind, line, err := readPkt(br)
		if err != nil {
			return nil, err
		}
		switch kind {
		case pktFlush:
			return out, nil
		case pktData:
		default:
			return nil, errors.New("unexpected packet in ls-refs answer")
		}
		f := strings.Fields(string(line))
		if len(f) < 2 || !plumbing.IsHash(f[0]) {
			return nil, fmt.Errorf("unexpected ls-refs line %q", truncate(string(line), 60))
		}
		h := f[0]
		for _, attr := range f[2:] {
			if p, ok := strings.CutPrefix(attr, "peeled:"); ok && plumbing.IsHash(p) {
				h = p
			}
		}
		out[f[1]] = strings.ToLower(h)
	}
}

func (w *httpWire) filter(ctx context.Context) (bool, error) {
	if err := w.discover(ctx); err != nil {
		return false, err
	}
	if w.proto == 2 {
		for _, f := range strings.Fields(w.caps["fetch"]) {
			if f == "filter" {
				return true, nil
			}
		}
		return false, nil
	}
	return w.adv.Capabilities.Supports(capability.Filter), nil
}

// reachable reports whether objects other than branch and tag tips may be wanted: always under v2 (git
// lets any object be wanted there), under v0 only when the server says so.
func (w *httpWire) reachable(ctx context.Context) (bool, error) {
	if err := w.discover(ctx); err != nil {
		return false, err
	}
	if w.proto == 2 {
		return true, nil
	}
	c := w.adv.Capabilities
	return c.Supports(capability.AllowReachableSHA1InWant), nil
}

// isTip reports whether h is advertised as a ref (v0 only; v2 does not need tips).
func (w *httpWire) isTip(h plumbing.Hash) bool {
	if w.adv == nil {
		return false
	}
	for _, r := range w.adv.References {
		if r == h {
			return true
		}
	}
	return false
}

// unprobed reports whether the session may fetch before reading the capability advertisement: protocol
// v2 over HTTP is stateless, so a fetch needs nothing the advertisement says, and a server of GitHub's
// shape (v2, filters, any reachable object wanted) answers it at once. The first fetch then stands in for
// the advertisement; a server of another shape is found out by its answer (errNotV2).
func (w *httpWire) unprobed() bool { return !w.found && w.proto != 1 && !w.filtered }

func (w *httpWire) fetch(ctx context.Context, fr fetchReq, put func(plumbing.Hash, object)) (packResult, error) {
	if w.unprobed() {
		res, err := w.guessFetch(ctx, fr, put)
		if !errors.Is(err, errNotV2) {
			return res, err
		}
		// Not GitHub's shape: read what the server offers, and let the session choose again.
		if err := w.discover(ctx); err != nil {
			return packResult{}, err
		}
		return packResult{}, errNotV2
	}
	if !w.filtered {
		if err := w.discover(ctx); err != nil {
			return packResult{}, err
		}
	}
	var body []byte
	var err error
	if w.proto == 2 {
		body = fetchV2Body(fr)
	} else if body, err = fetchV0Body(w.adv.Capabilities, fr); err != nil {
		return packResult{}, err
	}
	var res packResult
	err = w.retry(ctx, "fetch", func(ctx context.Context) error {
		rc, err := w.do(ctx, http.MethodPost, w.base+"/git-upload-pack", body, "application/x-git-upload-pack-request", w.proto == 2, fr.budget)
		if err != nil {
			return err
		}
		defer rc.Close()
		br := bufio.NewReader(rc)
		if w.proto == 1 {
			res, err = readV0Answer(br, w.adv.Capabilities, fr, put)
			return err
		}
		if err := readSectionsV2(br); err != nil {
			return asRefused(err)
		}
		res, err = readPackAnswer(sideband.NewDemuxer(sideband.Sideband64k, br), fr, put)
		return err
	})
	return res, err
}

// guessFetch sends fr as a v2 fetch to a server whose capabilities were not read. An answer that is not
// a v2 packfile, or a refusal other than "not our ref", is errNotV2: the caller
// reads the advertisement and asks again. A filtered fetch that succeeds proves v2 and filters, so later
// fetches go straight to the server too.
func (w *httpWire) guessFetch(ctx context.Context, fr fetchReq, put func(plumbing.Hash, object)) (packResult, error) {
	body := fetchV2Body(fr)
	var res packResult
	err := w.retry(ctx, "fetch", func(ctx context.Context) error {
		rc, err := w.do(ctx, http.MethodPost, w.base+"/git-upload-pack", body, "application/x-git-upload-pack-request", true, fr.budget)
		if err != nil {
			var se *statusError
			if errors.As(err, &se) {
				// A server that speaks only v0 may answer a v2 request with any status, 500 included; the
				// advertisement, asked next with retries, tells that apart from a server that is down
				// or a repository that is not there. Refused credentials are an AuthError, returned as is.
				return errNotV2
			}
			return err
		}
		defer rc.Close()
		br := bufio.NewReader(rc)
		if err := readSectionsV2(br); err != nil {
			var le *LimitError
			if errors.As(err, &le) || errors.Is(err, errStalled) {
				return err
			}
			// "not our ref" answers a want, which a v0 server never reaches in a v2 request: it is a v2
			// server declining an object, and the session judges which.
			var rf *refusedError
			if err := asRefused(err); errors.As(err, &rf) {
				if _, ok := notOurRef(rf.msg); ok {
					w.proto = 2
					return err
				}
			}
			return errNotV2
		}
		res, err = readPackAnswer(sideband.NewDemuxer(sideband.Sideband64k, br), fr, put)
		return err
	})
	if err == nil {
		w.proto = 2
		w.filtered = w.filtered || fr.filter != ""
	}
	return res, err
}

// fetchV2Body is a v2 fetch: every want at once, no haves, "done" so the server sends the pack at once.
func fetchV2Body(fr fetchReq) []byte {
	args := []string{"ofs-delta", "no-progress"}
	if fr.depth > 0 {
		args = append(args, "deepen "+strconv.Itoa(fr.depth))
	}
	if fr.filter != "" {
		args = append(args, "filter "+string(fr.filter))
	}
	for _, h := range fr.wants {
		args = append(args, "want "+h.String())
	}
	args = append(args, "done")
	return v2Request("fetch", args)
}

// readSectionsV2 consumes a v2 fetch answer up to its packfile section: shallow-info (when a depth was
// asked), wanted-refs and acknowledgments are read past.
func readSectionsV2(br *bufio.Reader) error {
	for {
		kind, line, err := readPkt(br)
		if err != nil {
			return err
		}
		if kind != pktData {
			return errors.New("fetch answer without a packfile")
		}
		switch strings.TrimSuffix(string(line), "\n") {
		case "packfile":
			return nil
		case "shallow-info", "wanted-refs", "acknowledgments":
			for {
				kind, _, err := readPkt(br)
				if err != nil {
					return err
				}
				if kind == pktDelim {
					break
				}
				if kind != pktData {
					return errors.New("fetch answer ended inside a section")
				}
			}
		default:
			return fmt.Errorf("unexpected fetch section %q", truncate(string(line), 60))
		}
	}
}
