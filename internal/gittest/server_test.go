package gittest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func start(t *testing.T) *Server {
	t.Helper()
	if !Available() {
		t.Skip("git not on PATH")
	}
	s, err := Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func makeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir
}

// gitCLI runs the real git client against the server, with no user config.
func gitCLI(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestCommitCloneRoundTrip(t *testing.T) {
	s := start(t)
	src := makeDir(t, map[string]string{
		"skills/a/SKILL.md":       "---\nname: a\n---\n",
		"skills/a/scripts/run.sh": "exec:#!/bin/sh\necho hi\n",
		"skills/a/link.md":        "link:SKILL.md",
		".gitignore":              "*.md\n", // must not hide anything from Commit
	})
	c1, err := s.Commit("acme/skills", "main", src, "first")
	if err != nil {
		t.Fatal(err)
	}
	// Same content, same parent, fixed dates: the hash is reproducible in a fresh server.
	s2 := start(t)
	c1b, err := s2.Commit("acme/skills", "main", src, "first")
	if err != nil || c1b != c1 {
		t.Fatalf("commit not deterministic: %s vs %s (%v)", c1, c1b, err)
	}
	c2, err := s.Commit("acme/skills", "feature/x", src, "second")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Tag("acme/skills", "v1.0.0", c1); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	if msg, err := gitCLI(t, out, "clone", "--quiet", s.RepoURL("acme/skills"), "c"); err != nil {
		t.Fatalf("clone: %v\n%s", err, msg)
	}
	clone := filepath.Join(out, "c")
	fi, err := os.Stat(filepath.Join(clone, "skills/a/scripts/run.sh"))
	if err != nil || fi.Mode()&0o100 == 0 {
		t.Fatalf("exec bit lost: %v %v", fi, err)
	}
	if target, err := os.Readlink(filepath.Join(clone, "skills/a/link.md")); err != nil || target != "SKILL.md" {
		t.Fatalf("symlink lost: %q %v", target, err)
	}
	if _, err := os.Stat(filepath.Join(clone, "skills/a/SKILL.md")); err != nil {
		t.Fatal("ignored file not committed:", err)
	}
	refs, err := gitCLI(t, clone, "ls-remote", s.RepoURL("acme/skills"))
	if err != nil {
		t.Fatal(refs)
	}
	for _, want := range []string{c1 + "\tHEAD", c1 + "\trefs/heads/main", c2 + "\trefs/heads/feature/x", c1 + "\trefs/tags/v1.0.0^{}"} {
		if !strings.Contains(refs, want) {
			t.Errorf("ls-remote lacks %q:\n%s", want, refs)
		}
	}
	st := s.Stats()
	if st.Requests < 3 || st.Fetches < 1 || st.BytesOut <= 0 {
		t.Errorf("stats not counted: %+v", st)
	}
	s.ResetStats()
	if st := s.Stats(); st != (Stats{}) {
		t.Errorf("ResetStats left %+v", st)
	}
}

func TestPartialCloneServerConfig(t *testing.T) {
	s := start(t)
	src := makeDir(t, map[string]string{"a/SKILL.md": "x", "big/blob": strings.Repeat("y", 1<<16)})
	if _, err := s.Commit("o/r", "main", src, "m"); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if msg, err := gitCLI(t, out, "clone", "--quiet", "--filter=blob:none", "--no-checkout", s.RepoURL("o/r"), "c"); err != nil {
		t.Fatalf("filtered clone: %v\n%s", err, msg)
	}
	if err := s.Configure("o/r", "uploadpack.allowFilter", "false"); err != nil {
		t.Fatal(err)
	}
	msg, _ := gitCLI(t, out, "clone", "--filter=blob:none", "--no-checkout", s.RepoURL("o/r"), "d")
	if !strings.Contains(msg, "filtering not recognized by server") {
		t.Errorf("server still filters after allowFilter=false:\n%s", msg)
	}
}

func TestSubmoduleAndRawEntries(t *testing.T) {
	s := start(t)
	sub := strings.Repeat("ab", 20)
	if _, err := s.Commit("o/r", "main", makeDir(t, map[string]string{"README": "r"}), "m"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSubmodule("o/r", "main", "skills/vendored", sub, "add submodule"); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if msg, err := gitCLI(t, out, "clone", "--quiet", "--bare", s.RepoURL("o/r"), "c"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	ls, err := gitCLI(t, filepath.Join(out, "c"), "ls-tree", "-r", "HEAD")
	if err != nil || !strings.Contains(ls, "160000 commit "+sub+"\tskills/vendored") || !strings.Contains(ls, "README") {
		t.Fatalf("gitlink missing: %v\n%s", err, ls)
	}

	c, err := s.CommitEntries("o/hostile", "main", []Entry{
		{Path: "s/.git/config", Mode: 0o100644, Data: []byte("x")},
		{Path: "s/..", Mode: 0o100644, Data: []byte("y")},
		{Path: "s/run", Mode: 0o100755, Data: []byte("#!/bin/sh\n")},
		{Path: "s/evil", Mode: 0o120000, Data: []byte("/etc/passwd")},
	}, "hostile")
	if err != nil {
		t.Fatal(err)
	}
	if msg, err := gitCLI(t, out, "clone", "--quiet", "--bare", s.RepoURL("o/hostile"), "h"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	ls, err = gitCLI(t, filepath.Join(out, "h"), "ls-tree", "-r", c)
	if err != nil {
		t.Fatal(ls)
	}
	for _, want := range []string{"100644 blob", "\ts/.git/config", "\ts/..", "100755 blob", "120000 blob"} {
		if !strings.Contains(ls, want) {
			t.Errorf("raw tree lacks %q:\n%s", want, ls)
		}
	}
}

func TestFaults(t *testing.T) {
	s := start(t)
	src := makeDir(t, map[string]string{"big": strings.Repeat("incompressible? no, but long enough ", 1<<14)})
	if _, err := s.Commit("o/r", "main", src, "m"); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	clone := func(name string) error {
		_, err := gitCLI(t, out, "clone", "--quiet", "--bare", s.RepoURL("o/r"), name)
		return err
	}
	tests := []struct {
		fault Fault
		name  string
	}{
		{FaultDropMidPack, "drop"},
		{FaultGarbage, "garbage"},
		{FaultUnavailable, "unavailable"},
		{FaultUnauthorized, "unauthorized"},
	}
	for _, tt := range tests {
		f, err := ParseFault(tt.name)
		if err != nil || f != tt.fault {
			t.Fatalf("ParseFault(%q) = %v, %v", tt.name, f, err)
		}
		s.SetFault(tt.fault)
		s.ResetStats()
		if err := clone(tt.name); err == nil {
			t.Errorf("%s: clone succeeded", tt.name)
		}
		if tt.fault == FaultDropMidPack {
			if st := s.Stats(); st.BytesOut > 2*DefaultDropAfter+4096 {
				t.Errorf("drop sent %d bytes", st.BytesOut)
			}
		}
	}
	if _, err := ParseFault("nope"); err == nil {
		t.Error("ParseFault accepted nope")
	}

	// A counted fault clears itself: two 503s, then service.
	s.SetFaultCount(FaultUnavailable, 2)
	for i, want := range []int{503, 503, 200} {
		resp, err := http.Get(s.RepoURL("o/r") + "/info/refs?service=git-upload-pack")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("request %d: status %d, want %d", i, resp.StatusCode, want)
		}
	}

	// A stall holds the request until the client gives up.
	s.SetFault(FaultStall)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.RepoURL("o/r")+"/git-upload-pack", bytes.NewReader([]byte("0000")))
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t.Fatal("stalled request returned")
	}
	if d := time.Since(t0); d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("stall lasted %v", d)
	}
	s.SetFault(FaultNone)
	if err := clone("ok"); err != nil {
		t.Errorf("clone after clearing faults: %v", err)
	}
}

func TestStopRestartSamePort(t *testing.T) {
	s := start(t)
	if _, err := s.Commit("o/r", "main", makeDir(t, map[string]string{"f": "x"}), "m"); err != nil {
		t.Fatal(err)
	}
	url := s.URL()
	s.Stop()
	if _, err := http.Get(url + "/o/r.git/info/refs?service=git-upload-pack"); err == nil {
		t.Fatal("server answered while stopped")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.URL() != url {
		t.Fatalf("URL changed: %s -> %s", url, s.URL())
	}
	resp, err := http.Get(url + "/o/r.git/info/refs?service=git-upload-pack")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d after restart", resp.StatusCode)
	}
}

func TestRepoNameChecked(t *testing.T) {
	s := start(t)
	for _, bad := range []string{"", "x", "a/b/c", "../x", "a/.git"} {
		if _, err := s.Commit(bad, "main", t.TempDir(), "m"); err == nil {
			t.Errorf("Commit accepted repo %q", bad)
		}
	}
}

func TestTipsOnly(t *testing.T) {
	s := start(t)
	s.SetPullRefs(0) // pull refs would make the old commit a tip
	old, err := s.Commit("o/r", "main", makeDir(t, map[string]string{"f": "1"}), "one")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit("o/r", "main", makeDir(t, map[string]string{"f": "2"}), "two"); err != nil {
		t.Fatal(err)
	}
	s.SetFault(FaultTipsOnly)
	out := t.TempDir()
	if msg, err := gitCLI(t, out, "clone", "--quiet", "--bare", s.RepoURL("o/r"), "c"); err != nil {
		t.Fatalf("tips-only refused a tip: %v\n%s", err, msg)
	}
	if msg, err := gitCLI(t, out, "init", "--quiet", "--bare", "e"); err != nil {
		t.Fatal(msg)
	}
	msg, err := gitCLI(t, filepath.Join(out, "e"), "fetch", "--quiet", s.RepoURL("o/r"), old)
	if err == nil || !strings.Contains(msg, "not our ref") {
		t.Fatalf("fetch of an old commit by hash: %v\n%s", err, msg)
	}
	s.SetFault(FaultNone)
	if msg, err := gitCLI(t, filepath.Join(out, "e"), "fetch", "--quiet", s.RepoURL("o/r"), old); err != nil {
		t.Fatalf("fetch by hash without the fault: %v\n%s", err, msg)
	}
}

// TestDelay: every request waits the delay before its answer and is counted once.
func TestDelay(t *testing.T) {
	s := start(t)
	if _, err := s.Commit("acme/d", "main", makeDir(t, map[string]string{"a.txt": "a\n"}), "one"); err != nil {
		t.Fatal(err)
	}
	s.SetDelay(150 * time.Millisecond)
	s.ResetStats()
	t0 := time.Now()
	for i := 0; i < 2; i++ {
		resp, err := http.Get(s.RepoURL("acme/d") + "/info/refs?service=git-upload-pack")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if d := time.Since(t0); d < 300*time.Millisecond {
		t.Errorf("two requests took %v, want at least two delays of 150ms", d)
	}
	if st := s.Stats(); st.Requests != 2 || st.BytesOut == 0 {
		t.Errorf("stats %+v, want 2 requests with bytes", st)
	}
	s.SetDelay(0)
}
