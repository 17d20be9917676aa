package gitfetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestGet: a body is capped (declared or streamed), a non-200 answer is a WebError, a mirror moves the
// request, and no credential is sent even where one is configured.
func TestGet(t *testing.T) {
	t.Setenv("SKILLCTL_CACHE_DIR", t.TempDir())
	t.Setenv("SKILLCTL_TOKEN_127_0_0_1", "secret")
	var sawAuth bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawAuth = sawAuth || r.Header.Get("Authorization") != ""
		switch r.URL.Path {
		case "/small":
			w.Write([]byte("hello"))
		case "/big":
			w.Write([]byte(strings.Repeat("x", 100)))
		case "/stream":
			w.(http.Flusher).Flush() // no Content-Length: the cap holds while reading
			w.Write([]byte(strings.Repeat("x", 100)))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	t.Setenv(MirrorVar, "https://site.example/="+srv.URL+"/")
	c := NewClient(nil, Limits{})
	ctx := context.Background()
	if b, err := c.Get(ctx, "https://site.example/small", 10); err != nil || string(b) != "hello" {
		t.Fatalf("mirrored small: %q %v", b, err)
	}
	for _, p := range []string{"/big", "/stream"} {
		if _, err := c.Get(ctx, srv.URL+p, 10); err == nil || !strings.Contains(err.Error(), "limit") {
			t.Errorf("%s: err = %v", p, err)
		}
	}
	var we *WebError
	if _, err := c.Get(ctx, srv.URL+"/nope", 10); !errors.As(err, &we) || we.Status != 404 {
		t.Errorf("404: %v", err)
	}
	if _, err := c.Get(ctx, "ftp://x/y", 10); err == nil {
		t.Error("ftp accepted")
	}
	if sawAuth {
		t.Error("a credential was sent")
	}
}

// TestGetServed: the served URL is the one after redirects, in the site's own terms: a redirect inside a
// mirror's TO comes back under its FROM, one that leaves TO is not reported (the URL asked is), and the
// redirect limits still hold.
func TestGetServed(t *testing.T) {
	t.Setenv("SKILLCTL_CACHE_DIR", t.TempDir())
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("other")) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/idx", "/m/idx":
			http.Redirect(w, r, "sub/index.json", http.StatusFound)
		case "/m/out":
			http.Redirect(w, r, "/elsewhere/index.json", http.StatusMovedPermanently)
		case "/m/away", "/away":
			http.Redirect(w, r, other.URL+"/x/index.json", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	t.Setenv(MirrorVar, "https://site.example/="+srv.URL+"/m/")
	c := NewClient(nil, Limits{})
	for _, tt := range []struct{ asked, served string }{
		{srv.URL + "/plain", srv.URL + "/plain"},
		{srv.URL + "/idx", srv.URL + "/sub/index.json"},
		{srv.URL + "/away", other.URL + "/x/index.json"},
		{"https://site.example/plain", "https://site.example/plain"},
		{"https://site.example/idx", "https://site.example/sub/index.json"}, // inside the mirror: the site's terms
		{"https://site.example/out", "https://site.example/out"},            // left the mirror's TO: not reported
		{"https://site.example/away", "https://site.example/away"},          // another host: not reported
	} {
		_, served, err := c.GetServed(context.Background(), tt.asked, 10)
		if err != nil || served != tt.served {
			t.Errorf("%s: served %q, %v; want %q", tt.asked, served, err, tt.served)
		}
	}
	if _, _, err := c.GetServed(context.Background(), srv.URL+"/loop", 10); err == nil || !strings.Contains(err.Error(), "10 redirects") {
		t.Errorf("loop: %v", err)
	}
}
