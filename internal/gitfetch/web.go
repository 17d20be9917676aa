package gitfetch

import (
	"context"
	"errors"
	"fmt"
	"github.com/skillctl/skillctl/internal/textsafe"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/skillctl/skillctl/internal/clierr"
)

// Get fetches one file over http(s) that is not a git repository: a site's skill index
// (/.well-known/agent-skills/index.json) or an artifact it lists (an archive, a SKILL.md). It shares the
// run's network deadline, the idle timeout and the mirrors (a mirror's FROM is a URL prefix); it carries no
// credential (an index and its artifacts are public, and their digests, not the connection, vouch for
// them). A body over max bytes is cut off and refused, never read whole; a redirect may not leave https.
// A server that stalls is bounded by the dialer's and header timeouts, one that trickles by the deadline.
func (c *Client) Get(ctx context.Context, rawURL string, max int64) ([]byte, error) {
	data, _, err := c.GetServed(ctx, rawURL, max)
	return data, err
}

// GetServed is Get that also reports served, the URL the body came from after redirects (rawURL when
// there were none), which a site's index resolves its relative URLs against (wellknown.ParseServed).
// served is always in the site's own terms: when a mirror moved the request, a final URL under the
// mirror's TO is turned back into the same place under its FROM, and one that left TO (the mirror
// redirected elsewhere) is not reported (served is rawURL), so neither the lock nor a later request
// ever holds a mirror's URL, and every later request goes through the mirror again.
func (c *Client) GetServed(ctx context.Context, rawURL string, max int64) (data []byte, served string, err error) {
	c.mu.Lock()
	merr := c.mirrorErr
	m, mirrored := mirrorFor(c.mirrors, rawURL)
	c.mu.Unlock()
	if merr != nil {
		return nil, "", merr
	}
	to := rawURL
	if mirrored {
		to = m.to + strings.TrimPrefix(rawURL, m.from)
	}
	u, err := url.Parse(to)
	if err != nil || u.User != nil || u.Scheme != "https" && u.Scheme != "http" {
		return nil, "", fmt.Errorf("%s: not an http(s) URL skillctl fetches", textsafe.RedactURL(rawURL))
	}
	t := c.base.Timeout
	if t <= 0 {
		t = envTimeout()
	}
	client := &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: t, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   t,
			ResponseHeaderTimeout: t,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if u.Scheme == "https" && req.URL.Scheme != "https" {
				return &downgradeError{to: textsafe.RedactURL(req.URL.String())}
			}
			return nil
		},
	}
	defer client.CloseIdleConnections()
	var body []byte
	final := u
	err = c.bud.run(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		final = resp.Request.URL // the last request's, after every redirect
		if resp.StatusCode != http.StatusOK {
			return &WebError{URL: textsafe.RedactURL(rawURL), Status: resp.StatusCode}
		}
		if resp.ContentLength > max {
			return fmt.Errorf("%s: %d bytes, over the limit of %d", textsafe.RedactURL(rawURL), resp.ContentLength, max)
		}
		body, err = io.ReadAll(io.LimitReader(resp.Body, max+1))
		if err != nil {
			return err
		}
		if int64(len(body)) > max {
			return fmt.Errorf("%s: over the limit of %d bytes", textsafe.RedactURL(rawURL), max)
		}
		return nil
	})
	if err != nil {
		var we *WebError
		if errors.As(err, &we) {
			return nil, "", err
		}
		var de *downgradeError
		if errors.As(err, &de) {
			return nil, "", clierr.WithHint(fmt.Errorf("%s: %v", textsafe.RedactURL(rawURL), de), "the site must serve it over https; skillctl does not follow it to plain http")
		}
		return nil, "", fmt.Errorf("fetch %s: %w", textsafe.RedactURL(rawURL), err)
	}
	served = final.String()
	if mirrored {
		served = rawURL
		if rest, ok := strings.CutPrefix(final.String(), m.to); ok {
			served = m.from + rest
		}
	}
	return body, served, nil
}

// downgradeError is a redirect from https to another scheme, which Get refuses.
type downgradeError struct{ to string }

func (e *downgradeError) Error() string {
	return "redirected to " + e.to + ": a redirect from https to " + strings.SplitN(e.to, ":", 2)[0] + " is not followed"
}

// WebError is an answer other than 200 to Get.
type WebError struct {
	URL    string
	Status int
}

func (e *WebError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
}
