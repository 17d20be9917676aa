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
