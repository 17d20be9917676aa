package gitfetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/skillctl/skillctl/internal/gittest"
)

// clearCredentialEnv isolates a test from the credentials of the machine running it.
func clearCredentialEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "SKILLCTL_TOKEN_") {
			t.Setenv(k, "")
		}
	}
	for _, v := range []string{"GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GH_HOST", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"} {
		t.Setenv(v, "")
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("NETRC", "")
}

// The form every credential is matched in: hostile spellings get no form (so no credential) or one
// that is plainly another host.
func TestAuthorityOf(t *testing.T) {
	tests := []struct {
		url, host, port string
		ascii           bool
		err             string // part of the refusal; "" when the URL has an authority
	}{
		{"https://github.com/o/r", "github.com", "", true, ""},
		{"https://GitHub.COM/o/r", "github.com", "", true, ""},
		{"HTTPS://github.com/o/r", "github.com", "", true, ""},
		{"https://gıthub.com/o/r", "xn--gthub-n4a.com", "", false, ""}, // dotless i: another host
		{"https://xn--gthub-n4a.com/o/r", "xn--gthub-n4a.com", "", true, ""},
		{"https://ſkills.example/o/r", "skills.example", "", false, ""}, // long s maps to s, but is not ASCII
		{"https://ｇｉｔｈｕｂ.com/o/r", "github.com", "", false, ""},         // full-width letters
		{"https://gi%C2%ADthub.com/o/r", "github.com", "", false, ""},   // a soft hyphen, percent-encoded
		{"https://bücher.example/o/r", "xn--bcher-kva.example", "", false, ""},
		{"https://git.example.com:8443/o/r", "git.example.com", "8443", true, ""},
		{"https://git.example.com:08443/o/r", "git.example.com", "8443", true, ""},
		{"https://git.example.com:443/o/r", "git.example.com", "443", true, ""},
		{"http://127.0.0.1:8080/o/r", "127.0.0.1", "8080", true, ""},
		{"http://[::1]:8080/o/r", "::1", "8080", true, ""},
		{"https://[0:0::1]/o/r", "::1", "", true, ""},
		{"https://github.com./o/r", "", "", true, "not a valid name"}, // a trailing dot
		{"https://git..example.com/o/r", "", "", true, "not a valid name"},
		{"https://git_hub.com/o/r", "", "", true, "not a valid name"},
		{"https://-git.example/o/r", "", "", true, "not a valid name"},
		{"https://xn--zzzz.com/o/r", "", "", true, "not a valid name"}, // broken punycode
		{"https://1.2.3/o/r", "", "", true, "ends in a number"},
		{"https://2130706433/o/r", "", "", true, "ends in a number"},
		{"https://0x7f.1/o/r", "", "", true, "ends in a number"},
		{"https://[fe80::1%25eth0]/o/r", "", "", true, "plain form"},
		{"https://git.example.com:0/o/r", "", "", true, "port"},
		{"https://git.example.com:99999/o/r", "", "", true, "port"},
		{"https:///o/r", "", "", true, "no host"},
		{"ssh://git@github.com/o/r", "", "", true, "only http(s)"},
		{"file:///srv/r.git", "", "", true, "only http(s)"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		a, err := authorityOf(u)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: got %+v, %v; want an error with %q", tt.url, a, err, tt.err)
			}
			continue
		}
		if err != nil || a.host != tt.host || a.port != tt.port || a.ascii != tt.ascii {
			t.Errorf("%s: got %+v, %v; want host %q port %q ascii %v", tt.url, a, err, tt.host, tt.port, tt.ascii)
		}
	}
}

func TestTokenVar(t *testing.T) {
	tests := []struct{ host, port, want string }{
		{"git.example.com", "", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM"},
		{"git-example.com", "", "SKILLCTL_TOKEN_GIT__EXAMPLE_COM"},
		{"git.example.com", "8443", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM___8443"},
		{"git.example.com.8443", "", ""}, // no canonical host ends in a number; tokenVar alone would say _8443
		{"127.0.0.1", "8080", "SKILLCTL_TOKEN_127_0_0_1___8080"},
		{"my-host.example", "", "SKILLCTL_TOKEN_MY__HOST_EXAMPLE"},
		{"xn--gthub-n4a.com", "", "SKILLCTL_TOKEN_XN____GTHUB__N4A_COM"},
		{"::1", "", ""},
	}
	for _, tt := range tests {
		got := ""
		if h, _, err := canonicalHost(tt.host); err == nil {
			got = tokenVar(h, tt.port)
		}
		if got != tt.want {
			t.Errorf("tokenVar(%q, %q) = %q, want %q", tt.host, tt.port, got, tt.want)
		}
	}
}

// decodeTokenVar inverts tokenVar, so the tests can show that no two authorities share a variable.
func decodeTokenVar(v string) (host, port string, ok bool) {
	rest, ok := strings.CutPrefix(v, "SKILLCTL_TOKEN_")
	if !ok {
		return "", "", false
	}
	var b strings.Builder
	for i := 0; i < len(rest); {
		c := rest[i]
		if c != '_' {
			switch {
			case c >= 'A' && c <= 'Z':
				b.WriteByte(c - 'A' + 'a')
			case c >= '0' && c <= '9':
				b.WriteByte(c)
			default:
				return "", "", false
			}
			i++
			continue
		}
		n := 0
		for i < len(rest) && rest[i] == '_' {
			n++
			i++
		}
		switch {
		case n == 1:
			b.WriteByte('.')
		case n == 3:
			return b.String(), rest[i:], true
		case n%2 == 0:
			b.WriteString(strings.Repeat("-", n/2))
		default:
			return "", "", false
		}
	}
	return b.String(), "", true
}

func TestTokenVarOneToOne(t *testing.T) {
	hosts := []string{"git.example.com", "git-example.com", "git--example.com", "git.example-com", "git-.example.com",
		"gitexample.com", "git.example.com.8443", "git.example.com8443", "a-b.c", "a.b-c", "ab.c", "a.bc", "a--b.c",
		"127.0.0.1", "127.0.0.18", "xn--gthub-n4a.com", "github.com", "gıthub.com", "GITHUB.COM", "ſkills.example"}
	seen := map[string]string{}
	for _, h := range hosts {
		c, _, err := canonicalHost(h)
		if err != nil {
			continue
		}
		for _, port := range []string{"", "8443", "18443"} {
			v := tokenVar(c, port)
			if v == "" {
				continue
			}
			if gh, gp, ok := decodeTokenVar(v); !ok || gh != c || gp != port {
				t.Errorf("%s (%s:%s) decodes to %q:%q", v, c, port, gh, gp)
			}
			if prev, dup := seen[v]; dup && prev != c+":"+port {
				t.Errorf("%s names both %s and %s:%s", v, prev, c, port)
			}
			seen[v] = c + ":" + port
		}
	}
}

// FuzzTokenVar: whatever the host, its variable (if any) spells that host and port and no other.
func FuzzTokenVar(f *testing.F) {
	for _, h := range []string{"git.example.com", "git-example.com", "xn--gthub-n4a.com", "a--b.c-d", "127.0.0.1", "gıthub.com"} {
		f.Add(h, uint16(8443))
	}
	f.Fuzz(func(t *testing.T, host string, port uint16) {
		c, _, err := canonicalHost(host)
		if err != nil {
			return
		}
		p := ""
		if port != 0 {
			p = strconv.Itoa(int(port))
		}
		v := tokenVar(c, p)
		if v == "" {
			return
		}
		if gh, gp, ok := decodeTokenVar(v); !ok || gh != c || gp != p {
			t.Fatalf("%s (%s:%s) decodes to %q:%q", v, c, p, gh, gp)
		}
	})
}

// Which credential each URL is sent, from one environment holding a token for several hosts: a
// credential goes to the host its name spells, exactly, and to no look-alike.
func TestCredentialMatch(t *testing.T) {
	clearCredentialEnv(t)
	netrc := filepath.Join(t.TempDir(), "netrc")
	os.WriteFile(netrc, []byte("machine GIT.example.org login nora password netrc-org\n"+
		"machine xn--gthub-n4a.com login idn password netrc-idn\n"+
		"default login anon password from-default\n"), 0o600)
	t.Setenv("NETRC", netrc)
	t.Setenv("SKILLCTL_TOKEN_GITHUB_COM", "gh-var")
	t.Setenv("SKILLCTL_TOKEN_GIT_EXAMPLE_COM", "ge")
	t.Setenv("SKILLCTL_TOKEN_GIT_EXAMPLE_COM___8443", "ge-port")
	t.Setenv("SKILLCTL_TOKEN_SKILLS_EXAMPLE", "sk")
	t.Setenv("SKILLCTL_TOKEN_LOCALHOST", "lh")
	t.Setenv("GITLAB_TOKEN", "gl")
	t.Setenv("GH_HOST", "GHE.example.com")
	t.Setenv("GH_ENTERPRISE_TOKEN", "ghe")
	tests := []struct{ url, pass, from string }{
		{"https://github.com/o/r", "gh-var", "SKILLCTL_TOKEN_GITHUB_COM"},
		{"https://GITHUB.com/o/r", "gh-var", "SKILLCTL_TOKEN_GITHUB_COM"},
		{"https://github.com:443/o/r", "gh-var", "SKILLCTL_TOKEN_GITHUB_COM"},
		{"https://gıthub.com/o/r", "netrc-idn", "$NETRC"}, // its own netrc entry, never GITHUB_COM's token
		{"https://xn--gthub-n4a.com/o/r", "netrc-idn", "$NETRC"},
		{"https://ｇｉｔｈｕｂ.com/o/r", "", ""},
		{"https://gi%C2%ADthub.com/o/r", "", ""},
		{"https://github.com./o/r", "", ""},
		{"https://github.com.evil.example/o/r", "", ""},
		{"https://evil-github.com/o/r", "", ""},
		{"https://skills.example/o/r", "sk", "SKILLCTL_TOKEN_SKILLS_EXAMPLE"},
		{"https://ſkills.example/o/r", "", ""},
		{"https://git.example.com/o/r", "ge", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM"},
		{"https://Git.Example.Com/o/r", "ge", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM"},
		{"https://git-example.com/o/r", "", ""},
		{"https://git.example-com/o/r", "", ""},
		{"https://git.example.com:8443/o/r", "ge-port", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM___8443"},
		{"https://git.example.com:08443/o/r", "ge-port", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM___8443"},
		{"https://git.example.com:9000/o/r", "ge", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM"},
		{"https://git.example.com.8443/o/r", "", ""},
		{"http://git.example.com/o/r", "", ""}, // never in clear text to another machine
		{"http://localhost:1234/o/r", "lh", "SKILLCTL_TOKEN_LOCALHOST"},
		{"http://localhoſt:1234/o/r", "", ""},
		{"https://gitlab.com/o/r", "gl", "GITLAB_TOKEN"},
		{"https://gitlab.com.evil.example/o/r", "", ""},
		{"https://ghe.example.com/o/r", "ghe", "GH_ENTERPRISE_TOKEN"},
		{"https://ghe.example.com.evil.example/o/r", "", ""},
		{"https://git.example.org/o/r", "netrc-org", "$NETRC"},
		{"https://other.example/o/r", "", ""}, // the netrc default entry is never used
		{"http://[::1]:8080/o/r", "", ""},
		{"ssh://git@github.com/o/r", "", ""},
		{"file:///srv/github.com/r.git", "", ""},
	}
	for _, tt := range tests {
		c := credentialFor(tt.url)
		if c.pass != tt.pass || c.from != tt.from {
			t.Errorf("%s: got %q from %q, want %q from %q (tried %v)", tt.url, c.pass, c.from, tt.pass, tt.from, c.tried)
		}
	}
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
	t.Setenv("SKILLCTL_TOKEN_GIT_EXAMPLE_COM___8443", "port-specific")
	tests := []struct{ url, user, pass, from string }{
		{"https://github.com/o/r.git", "x-access-token", "gh", "GITHUB_TOKEN"},
		{"https://gitlab.com/o/r.git", "oauth2", "gl", "GITLAB_TOKEN"},
		{"https://ghe.example.com/o/r.git", "x-access-token", "ghe", "GH_ENTERPRISE_TOKEN"},
		{"https://git.example.com/o/r.git", "nora", "from-netrc", "$NETRC"},
		{"https://git.example.com:8443/o/r.git", "x-access-token", "port-specific", "SKILLCTL_TOKEN_GIT_EXAMPLE_COM___8443"},
		{"https://other.example.org/o/r.git", "", "", ""},
		{"http://git.example.com/o/r.git", "", "", ""}, // plain http to a remote host: nothing
		{"ssh://git@github.com/o/r.git", "", "", ""},
	}
	for _, tt := range tests {
		c := credentialFor(tt.url)
		if c.user != tt.user || c.pass != tt.pass || c.from != tt.from {
			t.Errorf("%s: got %q/%q from %q, want %q/%q from %q (tried %v)", tt.url, c.user, c.pass, c.from, tt.user, tt.pass, tt.from, c.tried)
		}
	}
	// An explicit per-host token wins over everything for its host.
	t.Setenv("SKILLCTL_TOKEN_GITHUB_COM", "explicit")
	if c := credentialFor("https://github.com/o/r"); c.pass != "explicit" || c.from != "SKILLCTL_TOKEN_GITHUB_COM" {
		t.Errorf("explicit token: %+v", c)
	}
}

func TestSameOrigin(t *testing.T) {
	from := "https://git.example.com/o/r.git"
	tests := []struct {
		to   string
		same bool
	}{
		{"https://git.example.com/moved/r.git", true},
		{"https://GIT.example.com:443/o/r.git", true},
		{"http://git.example.com/o/r.git", false},
		{"https://git.example.com:8443/o/r.git", false},
		{"https://git-example.com/o/r.git", false},
		{"https://git.example.com./o/r.git", false},
		{"https://gıt.example.com/o/r.git", false},
		{"https://git.example.com.evil.example/o/r.git", false},
		{"ssh://git.example.com/o/r.git", false},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.to)
		b, _ := url.Parse(from)
		if got := sameOrigin(a, b); got != tt.same {
			t.Errorf("sameOrigin(%s) = %v, want %v", tt.to, got, tt.same)
		}
	}
	a, _ := url.Parse("https://ſkills.example/x")
	b, _ := url.Parse("https://skills.example/x")
	if !sameOrigin(a, b) {
		t.Errorf("ſkills.example is dialled as skills.example: the same origin")
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
	data := []byte("machine a.example login u1 password p1\nmachine B.Example\n  login u2\n  password p2\naccount x\n" +
		"machine bücher.example login u3 password p3\ndefault login anyone password everywhere\n")
	tests := []struct{ host, user, pass string }{
		{"a.example", "u1", "p1"},
		{"b.example", "u2", "p2"},
		{"xn--bcher-kva.example", "u3", "p3"},
		{"c.example", "", ""}, // the default entry is never used
		{"a.example.", "", ""},
	}
	for _, tt := range tests {
		if u, p := netrcLookup(data, tt.host); u != tt.user || p != tt.pass {
			t.Errorf("%s: %q %q, want %q %q", tt.host, u, p, tt.user, tt.pass)
		}
	}
}

func FuzzNetrc(f *testing.F) {
	f.Add([]byte("machine h login u password p\ndefault password d\nmacdef x\nbody\n\n"), "h")
	f.Fuzz(func(t *testing.T, data []byte, host string) {
		netrcLookup(data, host)
	})
}

// git credential fill reads only the user's global and system config: a project's repository, a bare
// repository committed in a work tree, and git's variables from a hook or `git -c` never reach it.
func TestGitCredentialHermetic(t *testing.T) {
	if !gittest.Available() {
		t.Skip("needs git")
	}
	clearCredentialEnv(t)
	home := os.Getenv("HOME")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	proj := t.TempDir()
	helper := func(mark string) string {
		return "[credential]\n\thelper = \"!f() { touch \\\"" + filepath.Join(home, mark) + "\\\"; }; f\"\n"
	}
	write := func(path, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{".git", "docs"} {
		write(filepath.Join(proj, d, "HEAD"), "ref: refs/heads/main\n")
		os.MkdirAll(filepath.Join(proj, d, "objects"), 0o755)
		os.MkdirAll(filepath.Join(proj, d, "refs"), 0o755)
	}
	write(filepath.Join(proj, ".git", "config"), "[core]\n\tbare = false\n"+helper("pwned-repo"))
	write(filepath.Join(proj, "docs", "config"), "[core]\n\tbare = true\n"+helper("pwned-bare"))
	write(filepath.Join(proj, "sub", "x"), "")
	// The parent of the temporary folder is a repository too: discovery must stop before it.
	write(filepath.Join(tmp, ".git", "HEAD"), "ref: refs/heads/main\n")
	os.MkdirAll(filepath.Join(tmp, ".git", "objects"), 0o755)
	os.MkdirAll(filepath.Join(tmp, ".git", "refs"), 0o755)
	write(filepath.Join(tmp, ".git", "config"), helper("pwned-tmp"))

	global := "[credential]\n\thelper = \"!f() { cat > \\\"" + filepath.Join(home, "input") + "\\\"; echo username=alice; echo password=from-global; }; f\"\n"
	u, _ := url.Parse("https://git.example.com:8443/o/r.git")
	layouts := []struct {
		name string
		dir  string
		env  map[string]string
	}{
		{"work tree", proj, nil},
		{"subfolder", filepath.Join(proj, "sub"), nil},
		{"bare repository in the work tree", filepath.Join(proj, "docs"), nil},
		{"GIT_DIR from a hook", home, map[string]string{"GIT_DIR": filepath.Join(proj, ".git"), "GIT_WORK_TREE": proj, "GIT_INDEX_FILE": filepath.Join(proj, ".git", "index")}},
		{"GIT_DIR to the bare one", home, map[string]string{"GIT_DIR": filepath.Join(proj, "docs")}},
		{"GIT_CONFIG_COUNT", home, map[string]string{"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "credential.helper", "GIT_CONFIG_VALUE_0": "!touch " + filepath.Join(home, "pwned-count")}},
		{"GIT_CONFIG_PARAMETERS", home, map[string]string{"GIT_CONFIG_PARAMETERS": "'credential.helper'='!touch " + filepath.Join(home, "pwned-parameters") + "'"}},
		{"git -c include", home, map[string]string{"GIT_CONFIG_PARAMETERS": "'include.path'='" + filepath.Join(proj, ".git", "config") + "'"}},
	}
	marks := []string{"pwned-repo", "pwned-bare", "pwned-tmp", "pwned-count", "pwned-parameters"}
	for _, withGlobal := range []bool{false, true} {
		os.Remove(filepath.Join(home, ".gitconfig"))
		if withGlobal {
			write(filepath.Join(home, ".gitconfig"), global)
		}
		for _, l := range layouts {
			t.Run(l.name, func(t *testing.T) {
				t.Chdir(l.dir)
				for k, v := range l.env {
					t.Setenv(k, v)
				}
				for _, m := range append(marks, "input") {
					os.Remove(filepath.Join(home, m))
				}
				user, pass, ok := gitCredential(context.Background(), u)
				for _, m := range marks {
					if _, err := os.Stat(filepath.Join(home, m)); err == nil {
						t.Fatalf("a project's helper ran (%s)", m)
					}
				}
				if withGlobal != ok || (ok && (user != "alice" || pass != "from-global")) {
					t.Fatalf("global helper %v: got %q/%q %v", withGlobal, user, pass, ok)
				}
				if withGlobal {
					in, _ := os.ReadFile(filepath.Join(home, "input"))
					// git passes the path on only with credential.useHttpPath
					if !strings.HasPrefix(string(in), "protocol=https\nhost=git.example.com:8443\n") {
						t.Errorf("helper input %q", in)
					}
				}
				left, _ := os.ReadDir(tmp)
				if len(left) != 1 {
					t.Errorf("temporary folders left: %v", left)
				}
			})
		}
	}
	// No process at all for what may not carry a credential.
	for _, raw := range []string{"http://git.example.com/o/r.git", "ssh://git.example.com/o/r.git", "file:///srv/r.git",
		"https://git.example.com./o/r.git", "https://git.example.com/o/r%0Ahost=evil.example.git"} {
		os.Remove(filepath.Join(home, "input"))
		u, _ := url.Parse(raw)
		if _, _, ok := gitCredential(context.Background(), u); ok {
			t.Errorf("%s: got a credential", raw)
		}
		if _, err := os.Stat(filepath.Join(home, "input")); err == nil {
			t.Errorf("%s: git credential fill ran", raw)
		}
	}
}

func TestCredentialEnv(t *testing.T) {
	env := credentialEnv([]string{"PATH=/bin", "HOME=/h", "GIT_DIR=/p/.git", "git_work_tree=/p", "GIT_CONFIG_PARAMETERS=x",
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=k", "GIT_CONFIG_VALUE_0=v", "GIT_CONFIG=/p/c", "GIT_EXEC_PATH=/p", "GIT_ASKPASS=/p/a",
		"GIT_CONFIG_GLOBAL=/h/g", "GIT_CONFIG_NOSYSTEM=1", "SSH_ASKPASS=/p/s", "XDG_CONFIG_HOME=/h/.config"}, "/tmp")
	want := "PATH=/bin HOME=/h GIT_CONFIG_GLOBAL=/h/g GIT_CONFIG_NOSYSTEM=1 XDG_CONFIG_HOME=/h/.config GIT_CEILING_DIRECTORIES=/tmp " +
		"GIT_TERMINAL_PROMPT=0 GIT_ASKPASS= SSH_ASKPASS= GCM_INTERACTIVE=never"
	if got := strings.Join(env, " "); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
