package gitfetch

import (
	"strings"
	"testing"
)

func TestMirror(t *testing.T) {
	t.Setenv(MirrorVar, "https://github.com/=http://127.0.0.1:9/gh/, https://github.com/big/=https://big.example/,file:///srv/=file:///mnt/srv/")
	ms, err := mirrorsFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"https://github.com/o/r":         "http://127.0.0.1:9/gh/o/r",
		"https://github.com/big/r":       "https://big.example/r", // the longest FROM wins
		"https://github.company.com/o/r": "https://github.company.com/o/r",
		"https://gitlab.com/o/r":         "https://gitlab.com/o/r",
		"file:///srv/r.git":              "file:///mnt/srv/r.git",
		"ssh://git@github.com/o/r":       "ssh://git@github.com/o/r",
	} {
		if got := rewrite(ms, in); got != want {
			t.Errorf("rewrite(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"https://github.com", "https://github.com/=", "https://github.com/=http://h", "x=y/",
		"https://github.com/=https://user:pw@h/", "https://github.com/=ftp://h/"} {
		t.Setenv(MirrorVar, bad)
		if _, err := mirrorsFromEnv(); err == nil || !strings.Contains(err.Error(), MirrorVar) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
	// A malformed variable fails every fetch rather than going to the repository's own host.
	t.Setenv(MirrorVar, "nonsense")
	t.Setenv("SKILLCTL_CACHE_DIR", t.TempDir())
	if _, err := NewClient(nil, Limits{}).session("https://github.com/o/r"); err == nil {
		t.Error("a malformed mirror was ignored")
	}
}

// TestMirrorCredential: the credential is the mirror's host's, never the repository's host's.
func TestMirrorCredential(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "ghp_for_github_only")
	t.Setenv("NETRC", "/nonexistent")
	t.Setenv(MirrorVar, "https://github.com/=https://mirror.example/gh/")
	t.Setenv("SKILLCTL_CACHE_DIR", t.TempDir())
	s, err := NewClient(nil, Limits{}).session("https://github.com/o/r")
	if err != nil {
		t.Fatal(err)
	}
	if s.URL() != "https://mirror.example/gh/o/r" || s.r.Password != "" {
		t.Errorf("URL %q, password sent: %v", s.URL(), s.r.Password != "")
	}
}
