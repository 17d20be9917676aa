package gitfetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// clearCredentialEnv isolates a test from the credentials of the machine running it.
func clearCredentialEnv(t *testing.T) {
	for _, v := range []string{"GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GH_HOST", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN",
		"SKILLCTL_TOKEN_GITHUB_COM", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM_8443", "SKILLCTL_TOKEN_127_0_0_1"} {
		t.Setenv(v, "")
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("NETRC", "")
}

func TestWithEnvToken(t *testing.T) {
	clearCredentialEnv(t)
	t.Setenv("GH_TOKEN", "gh-tok")
	tests := []struct {
		url, user, pass string
	}{
		{"https://github.com/o/r.git", "x-access-token", "gh-tok"},
		{"https://GitHub.com/o/r.git", "x-access-token", "gh-tok"},
		{"http://github.com/o/r.git", "", ""},               // never in clear text
		{"https://github.com.evil.example/o/r.git", "", ""}, // a lookalike host
		{"https://gitlab.com/o/r.git", "", ""},
		{"http://127.0.0.1:8080/o/r.git", "", ""},
	}
	for _, tt := range tests {
		r := Remote{URL: tt.url}.WithEnvToken()
		if r.Username != tt.user || r.Password != tt.pass {
			t.Errorf("%s: got %q/%q, want %q/%q", tt.url, r.Username, r.Password, tt.user, tt.pass)
		}
	}
	t.Setenv("GITHUB_TOKEN", "first")
	if r := (Remote{URL: "https://github.com/o/r"}).WithEnvToken(); r.Password != "first" {
		t.Errorf("GITHUB_TOKEN should win over GH_TOKEN, got %q", r.Password)
	}
}

// Each source in its place in the order, and each one only for its host.
func TestCredentialOrder(t *testing.T) {
	clearCredentialEnv(t)
	netrc := filepath.Join(t.TempDir(), "netrc")
	os.WriteFile(netrc, []byte("machine git.example.com login nora password from-netrc\n"+
		"macdef init\nmachine github.com password macro-body-not-an-entry\n\ndefault login anon password from-default\n"), 0o600)
	t.Setenv("NETRC", netrc)
	t.Setenv("GITHUB_TOKEN", "gh")
	t.Setenv("GITLAB_TOKEN", "gl")
	t.Setenv("GH_HOST", "ghe.example.com")
	t.Setenv("GH_ENTERPRISE_TOKEN", "ghe")
	t.Setenv("SKILLCTL_TOKEN_GIT_EXAMPLE_COM_8443", "port-specific")
	tests := []struct{ url, user, pass, from string }{
		{"https://github.com/o/r.git", "x-access-token", "gh", "GITHUB_TOKEN"},
		{"https://gitlab.com/o/r.git", "oauth2", "gl", "GITLAB_TOKEN"},
		{"https://ghe.example.com/o/r.git", "x-access-token", "ghe", "GH_ENTERPRISE_TOKEN"},
		{"https://git.example.com/o/r.git", "nora", "from-netrc", "$NETRC"},
		{"https://git.example.com:8443/o/r.git", "x-access-token", "port-specific", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM_8443"},
		{"https://other.example.org/o/r.git", "anon", "from-default", "$NETRC"},
		{"http://git.example.com/o/r.git", "", "", ""}, // plain http to a remote host: nothing
		{"ssh://git@github.com/o/r.git", "", "", ""},
	}
	for _, tt := range tests {
		c := credentialsFor(tt.url)
		if c.user != tt.user || c.pass != tt.pass || c.from != tt.from {
			t.Errorf("%s: got %q/%q from %q, want %q/%q from %q (tried %v)", tt.url, c.user, c.pass, c.from, tt.user, tt.pass, tt.from, c.tried)
		}
	}
	// An explicit per-host token wins over everything for its host.
	t.Setenv("SKILLCTL_TOKEN_GITHUB_COM", "explicit")
	if c := credentialsFor("https://github.com/o/r"); c.pass != "explicit" || c.from != "SKILLCTL_TOKEN_GITHUB_COM" {
		t.Errorf("explicit token: %+v", c)
	}
}

func TestTokenVar(t *testing.T) {
	for host, want := range map[string]string{
		"git.example.com": "SKILLCTL_TOKEN_GIT_EXAMPLE_COM", "127.0.0.1:8080": "SKILLCTL_TOKEN_127_0_0_1_8080",
		"my-host.example": "SKILLCTL_TOKEN_MY_HOST_EXAMPLE", "bücher.de": "SKILLCTL_TOKEN_B_CHER_DE",
	} {
		if got := TokenVar(host); got != want {
			t.Errorf("TokenVar(%q) = %q, want %q", host, got, want)
		}
	}
}

// A redirect to another host or port never carries the token; one to the same origin does.
func TestRedirectDropsToken(t *testing.T) {
	clearCredentialEnv(t)
	var mu sync.Mutex
	seen := map[string]string{}
	record := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name+" "+r.URL.Path] = r.Header.Get("Authorization")
			mu.Unlock()
			http.NotFound(w, r)
		}
	}
	other := httptest.NewServer(record("other"))
	defer other.Close()
	var origin *httptest.Server
	origin = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen["origin "+r.URL.Path] = r.Header.Get("Authorization")
		mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/same/") {
			http.Redirect(w, r, origin.URL+"/moved"+strings.TrimPrefix(r.URL.Path, "/same"), http.StatusTemporaryRedirect)
			return
		}
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer origin.Close()
	for _, repo := range []string{"/o/r.git", "/same/r.git"} {
		r := Remote{URL: origin.URL + repo, Username: "x-access-token", Password: "sekrit"}
		if _, err := ListRefs(context.Background(), r); err == nil {
			t.Fatal("expected the 404 to fail")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 4 {
		t.Fatalf("requests seen: %v", seen)
	}
	for k, auth := range seen {
		want := strings.HasPrefix(k, "origin ")
		if (auth != "") != want {
			t.Errorf("%s: Authorization %q", k, auth)
		}
	}
}

func TestNetrcLookup(t *testing.T) {
	data := []byte("machine a.example login u1 password p1\nmachine b.example\n  login u2\n  password p2\naccount x\n")
	if u, p := netrcLookup(data, "b.example"); u != "u2" || p != "p2" {
		t.Errorf("b: %q %q", u, p)
	}
	if u, p := netrcLookup(data, "c.example"); u != "" || p != "" {
		t.Errorf("c: %q %q", u, p)
	}
}

func FuzzNetrc(f *testing.F) {
	f.Add([]byte("machine h login u password p\ndefault password d\nmacdef x\nbody\n\n"), "h")
	f.Fuzz(func(t *testing.T, data []byte, host string) {
		netrcLookup(data, host)
	})
}
