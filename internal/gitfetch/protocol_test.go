package gitfetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/gittest"
)

// On GitHub's shape (protocol v2, thousands of refs/pull/*, reachable wants) one session resolves a
// branch with one small ls-refs request and reuses what it learnt for every later fetch.
func TestSessionV2(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	fx.srv.ResetStats()
	s, err := Open(fx.remote("acme/skills"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	refs, err := s.Refs(ctx, "refs/heads/main", "refs/tags/main")
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 || refs["refs/heads/main"] != fx.commit {
		t.Fatalf("refs = %v", refs)
	}
	st := fx.srv.Stats()
	if st.Requests != 1 || st.BytesOut > 300 {
		t.Errorf("ls-refs by prefix: %d requests, %d bytes; want 1 request of a few hundred bytes beside %d pull refs", st.Requests, st.BytesOut, gittest.DefaultPullRefs)
	}
	// Asked again, the session answers from memory.
	if _, err := s.Refs(ctx, "refs/tags/main", "refs/heads/main"); err != nil || fx.srv.Stats().Requests != 1 {
		t.Errorf("second identical ref query went to the server (%v)", err)
	}
	if _, err := s.Fetch(ctx, fx.commit, []string{"skills/python/async"}); err != nil {
		t.Fatal(err)
	}
	st = fx.srv.Stats()
	// ls-refs, commit+root with skills/, python, the folder: no capability advertisement, since v2 over
	// HTTP is stateless and the first fetch stands in for it.
	if st.Requests != 4 || st.BytesOut > 20<<10 {
		t.Errorf("fetch: %d requests, %d bytes", st.Requests, st.BytesOut)
	}
	// A sibling needs only its folder: the trees on its path are in the session (there is no cache).
	fx.srv.ResetStats()
	got, err := s.Fetch(ctx, fx.commit, []string{"skills/python/typing"})
	if err != nil || got["skills/python/typing"].File("SKILL.md") == nil {
		t.Fatal(err)
	}
	if st := fx.srv.Stats(); st.Requests != 1 {
		t.Errorf("sibling fetch: %d requests, want 1", st.Requests)
	}
	if dirs, err := s.Skills(ctx, fx.commit); err != nil || len(dirs) != 4 {
		t.Errorf("Skills = %v, %v", dirs, err)
	}
	if fx.log.String() != "" {
		t.Errorf("fast path logged: %s", fx.log)
	}
}

// A server that speaks only v0 still works: the fallback is said once per session, and its whole ref
// advertisement is downloaded once, not once per operation.
func TestSessionV0Fallback(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	fx.srv.SetShape(gittest.Shape{V0Only: true})
	fx.srv.ResetStats()
	s, err := Open(fx.remote("acme/skills"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	refs, err := s.Refs(ctx, "refs/heads/main")
	if err != nil || len(refs) != 1 || refs["refs/heads/main"] != fx.commit {
		t.Fatalf("refs = %v, %v", refs, err)
	}
	all, err := s.Refs(ctx)
	if err != nil || all["HEAD"] != fx.commit || len(all) != 2 {
		t.Fatalf("all refs = %d %v", len(all), err)
	}
	if _, err := s.Fetch(ctx, fx.commit, []string{"skills/python/async", "skills/python/typing"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadFile(ctx, fx.commit, "README.md"); err != nil {
		t.Fatal(err)
	}
	st := fx.srv.Stats()
	// The optimistic ls-refs the server did not understand, one advertisement, then the fetches.
	if others := st.Requests - st.Fetches; others != 2 {
		t.Errorf("%d requests besides fetches, want 2: the ls-refs probe and one advertisement per session", others)
	}
	if n := strings.Count(fx.log.String(), "does not speak git protocol v2"); n != 1 {
		t.Errorf("v0 note said %d times:\n%s", n, fx.log)
	}
}

// A commit the repository does not have is reported as such after one refused request, with no
// fallback fetch; a server that serves only tips refuses an older commit with a different message.
func TestHonestCommitErrors(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	ctx := context.Background()
	absent := strings.Repeat("0123456789", 4)
	for _, shape := range []gittest.Shape{{}, {V0Only: true}} {
		fx.srv.SetShape(shape)
		fx.srv.ResetStats()
		_, err := Fetch(ctx, fx.remote("acme/skills"), absent, []string{"skills/python/async"})
		var mc *MissingCommitError
		if !errors.As(err, &mc) || !strings.Contains(err.Error(), "commit "+absent+" is not in the repository") {
			t.Fatalf("%+v: err = %T %v", shape, err, err)
		}
		// Nothing listed the refs first, so the fetch is sent as v2 straight away: a v0 server does not
		// understand it and is then asked in v0, once.
		want := 1
		if shape.V0Only {
			want = 2
		}
		if st := fx.srv.Stats(); st.Fetches != want {
			t.Errorf("%+v: %d fetch requests for an absent commit, want %d (no fallback)", shape, st.Fetches, want)
		}
	}

	fx.srv.SetPullRefs(0) // pull refs at the first commit would make it a tip
	dir := t.TempDir()
	if err := gittest.WriteFiles(dir, map[string]string{"s/SKILL.md": "---\nname: s\n---\n"}); err != nil {
		t.Fatal(err)
	}
	older, err := fx.srv.Commit("acme/other", "main", dir, "older")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.srv.Commit("acme/other", "main", t.TempDir(), "empty"); err != nil {
		t.Fatal(err)
	}
	fx.srv.SetShape(gittest.Shape{TipsOnly: true})
	fx.srv.ResetStats()
	_, err = Fetch(ctx, fx.remote("acme/other"), older, []string{"s"})
	var to *TipsOnlyError
	if !errors.As(err, &to) || !strings.Contains(err.Error(), "only serves branch and tag tips") {
		t.Fatalf("tips-only server, old commit: err = %T %v", err, err)
	}
	// One fetch: the v2 request a v0 server does not understand. Its advertisement then says the commit
	// is not a tip, so no want of it is sent.
	if st := fx.srv.Stats(); st.Fetches != 1 {
		t.Errorf("%d fetch requests, want 1: the advertisement already says the commit is not a tip", st.Fetches)
	}
	// Its tip is served, whole, with the reason said once.
	if _, err := Fetch(ctx, fx.remote("acme/skills"), fx.commit, []string{"skills/python/async"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fx.log.String(), "serves only branch and tag tips") {
		t.Errorf("log = %s", fx.log)
	}
}

// A server that trickles a byte at a time never trips the idle timeout; the overall deadline ends the
// command and names the host.
func TestDeadline(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	t.Setenv("SKILLCTL_DEADLINE", "1500ms")
	fx.srv.SetFault(gittest.FaultTrickle)
	defer fx.srv.SetFault(gittest.FaultNone)
	r := fx.remote("acme/skills")
	r.Timeout = time.Second
	t0 := time.Now()
	_, err := Fetch(context.Background(), r, fx.commit, []string{"skills/python/async"})
	d := time.Since(t0)
	var de *DeadlineError
	host := strings.TrimPrefix(fx.srv.URL(), "http://")
	if !errors.As(err, &de) || !strings.Contains(err.Error(), host+" is too slow") {
		t.Fatalf("err = %T %v", err, err)
	}
	if d < 1400*time.Millisecond || d > 4*time.Second {
		t.Errorf("gave up after %v, want about 1.5s", d)
	}
	// A cancelled context (SIGINT) ends the wait at once.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	t0 = time.Now()
	if _, err := Fetch(ctx, r, fx.commit, []string{"skills/python/async"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestParseDiscovery(t *testing.T) {
	v2 := "001e# service=git-upload-pack\n0000000eversion 2\n0013agent=git/2.39\n0027fetch=shallow wait-for-done filter\n0000"
	caps, adv, err := parseDiscovery([]byte(v2))
	if err != nil || adv != nil || caps["fetch"] != "shallow wait-for-done filter" {
		t.Fatalf("v2: %v %v %v", caps, adv, err)
	}
	v0 := "001e# service=git-upload-pack\n0000" + "00470123456789012345678901234567890123456789 refs/heads/main\x00multi_ack\n0000"
	caps, adv, err = parseDiscovery([]byte(v0))
	if err != nil || caps != nil || adv.References["refs/heads/main"].String() != "0123456789012345678901234567890123456789" {
		t.Fatalf("v0: %v %v %v", caps, adv, err)
	}
	m, err := parseLsRefs(bufio.NewReader(strings.NewReader("006a" + "0123456789012345678901234567890123456789 refs/tags/v1 peeled:abcdefabcdefabcdefabcdefabcdefabcdefabcd\n" + "0000")))
	if err != nil || m["refs/tags/v1"] != "abcdefabcdefabcdefabcdefabcdefabcdefabcd" {
		t.Fatalf("ls-refs: %v %v", m, err)
	}
	if err := readSectionsV2(bufio.NewReader(strings.NewReader("0011shallow-info\n0035shallow 0123456789012345678901234567890123456789\n0001000dpackfile\n"))); err != nil {
		t.Fatalf("sections: %v", err)
	}
	if err := readSectionsV2(bufio.NewReader(strings.NewReader("0025ERR upload-pack: not our ref abc\n"))); !errors.Is(err, errRefused) {
		t.Fatalf("ERR: %v", err)
	}
}

func FuzzProtocolV2(f *testing.F) {
	f.Add([]byte("000eversion 2\n0000"))
	f.Add([]byte("0011shallow-info\n0001000dpackfile\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseDiscovery(data)
		parseLsRefs(bufio.NewReader(bytes.NewReader(data)))
		readSectionsV2(bufio.NewReader(bytes.NewReader(data)))
	})
}

// Folders pinned at two commits of one repository come in the requests of one commit: the commits
// together, then each level of trees for both, then every folder. A path not in its commit is in missing
// under that commit, and a commit the repository lacks is named as such.
func TestFetchAtCommits(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	dir := t.TempDir()
	if err := gittest.WriteFiles(dir, map[string]string{
		"skills/python/async/SKILL.md": "---\nname: async\n---\nchanged\n",
		"skills/go/lint/SKILL.md":      "---\nname: lint\n---\n",
	}); err != nil {
		t.Fatal(err)
	}
	c2, err := fx.srv.Commit("acme/skills", "main", dir, "second")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := Open(fx.remote("acme/skills"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fx.srv.ResetStats()
	got, missing, err := s.FetchAt(ctx, map[string][]string{
		fx.commit: {"skills/python/async", "skills/python/typing", "skills/nothing"},
		c2:        {"skills/python/async", "skills/go/lint"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Commits (with their root trees and skills/ of both), python/ and go/, then the folders.
	if st := fx.srv.Stats(); st.Requests != 3 {
		t.Errorf("%d requests, want 3", st.Requests)
	}
	if f := got[fx.commit]["skills/python/async"].File("SKILL.md"); f == nil || strings.Contains(string(f.Data), "changed") {
		t.Errorf("first commit's async: %v", f)
	}
	if f := got[c2]["skills/python/async"].File("SKILL.md"); f == nil || !strings.Contains(string(f.Data), "changed") {
		t.Errorf("second commit's async: %v", f)
	}
	if got[c2]["skills/go/lint"] == nil || got[fx.commit]["skills/python/typing"] == nil {
		t.Errorf("got %v", got)
	}
	if len(missing[fx.commit]) != 1 || missing[fx.commit][0] != "skills/nothing" || len(missing[c2]) != 0 {
		t.Errorf("missing = %v", missing)
	}

	absent := strings.Repeat("0123456789", 4)
	_, _, err = s.FetchAt(ctx, map[string][]string{c2: {"skills/go/lint"}, absent: {"skills/x"}})
	var mc *MissingCommitError
	if !errors.As(err, &mc) || mc.Commit != absent {
		t.Fatalf("absent commit: err = %T %v", err, err)
	}
}
