package gitfetch

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/skillctl/skillctl/internal/gittest"
	"github.com/skillctl/skillctl/internal/limits"
)

// bigFixture adds a folder holding one incompressible file of hugeSize bytes, one with many files of the
// same content (few objects) and one with many distinct files (many objects).
func bigFixture(t *testing.T) (*fixture, string) {
	fx := newFixture(t, "acme/skills")
	dir := t.TempDir()
	huge := make([]byte, hugeSize)
	rand.Read(huge)
	files := map[string]string{
		"huge/SKILL.md":     "---\nname: huge\n---\n",
		"huge/data.bin":     string(huge),
		"many/SKILL.md":     "---\nname: many\n---\n",
		"distinct/SKILL.md": "---\nname: distinct\n---\n",
	}
	for i := 0; i < 300; i++ {
		files[fmt.Sprintf("many/f/%03d.md", i)] = "same content"
		files[fmt.Sprintf("distinct/f/%03d.md", i)] = fmt.Sprintf("file %d", i)
	}
	if err := gittest.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	// Stored without zlib (the huge file does not compress) and sent streamed, header first, as git does
	// past core.bigFileThreshold: otherwise git spends seconds deflating it before the first byte of its
	// header, which on a loaded machine outlasts the client's idle timeout. The client reads the same.
	for _, kv := range [][2]string{{"core.compression", "0"}, {"core.bigFileThreshold", "1m"}} {
		if err := fx.srv.Configure("acme/skills", kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	c, err := fx.srv.Commit("acme/skills", "big", dir, "big")
	if err != nil {
		t.Fatal(err)
	}
	return fx, c
}

const hugeSize = 24 << 20

func TestLimits(t *testing.T) {
	fx, c := bigFixture(t)
	tests := []struct {
		name     string
		fault    gittest.Fault
		config   [2]string
		limits   Limits
		path     string
		want     string
		maxBytes int64
	}{
		{"file too large, filtered by server", gittest.FaultNone, [2]string{}, Limits{MaxFileSize: 1 << 20}, "huge", "huge/data.bin: file is larger than the 1 MiB limit", 64 << 10},
		{"file too large, stopped mid-stream", gittest.FaultNone, [2]string{"uploadpackfilter.blob:limit.allow", "false"}, Limits{MaxFileSize: 1 << 20}, "huge", "huge: a file is larger than the 1 MiB limit", hugeSize / 4},
		{"total too large", gittest.FaultNone, [2]string{}, Limits{MaxTotalSize: 1 << 20}, "huge", "huge/data.bin: file is larger than the 1 MiB limit", 64 << 10},
		{"total too large, many files", gittest.FaultNone, [2]string{}, Limits{MaxTotalSize: 2000}, "distinct", "distinct: files total more than", 64 << 10},
		{"too many files", gittest.FaultNone, [2]string{}, Limits{MaxFiles: 100}, "many", "many: more than 100 files", 64 << 10},
		{"too many objects offered", gittest.FaultNone, [2]string{}, Limits{MaxFiles: 100}, "distinct", "distinct: too many files", 64 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.config[0] != "" {
				fx.srv.Configure("acme/skills", tt.config[0], tt.config[1])
				defer fx.srv.Configure("acme/skills", tt.config[0], "true")
			}
			r := fx.remote("acme/skills")
			r.Limits = tt.limits
			fx.srv.ResetStats()
			_, err := Fetch(context.Background(), r, c, []string{tt.path})
			if !isType[*LimitError](err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %T %v, want LimitError %q\nlog: %s", err, err, tt.want, fx.log)
			}
			st := fx.srv.Stats()
			t.Logf("%s: %v; %d bytes served", tt.name, err, st.BytesOut)
			if st.BytesOut > tt.maxBytes {
				t.Errorf("served %d bytes, want under %d: the limit did not stop the pack early", st.BytesOut, tt.maxBytes)
			}
		})
	}
	// ReadFile honours the file limit too.
	r := fx.remote("acme/skills")
	r.Limits = Limits{MaxFileSize: 1 << 20}
	fx.srv.ResetStats()
	if _, err := ReadFile(context.Background(), r, c, "huge/data.bin"); !isType[*LimitError](err) {
		t.Errorf("ReadFile of a huge file: %T %v", err, err)
	}
	if st := fx.srv.Stats(); st.BytesOut > hugeSize/4 {
		t.Errorf("ReadFile served %d bytes", st.BytesOut)
	}
}

func TestFaults(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	tests := []struct {
		name    string
		fault   gittest.Fault
		count   int
		wantErr string // "" = succeeds after retries
		maxTime time.Duration
	}{
		{"transient 503 then ok", gittest.FaultUnavailable, 2, "", 5 * time.Second},
		{"503 forever", gittest.FaultUnavailable, 0, "HTTP 503", 5 * time.Second},
		{"unauthorized", gittest.FaultUnauthorized, 0, "HTTP 401: the server refused the credential", 2 * time.Second},
		{"drop mid-pack once", gittest.FaultDropMidPack, 1, "", 5 * time.Second},
		{"drop mid-pack always", gittest.FaultDropMidPack, 0, "unexpected EOF", 5 * time.Second},
		{"garbage", gittest.FaultGarbage, 0, "fetch http://", 5 * time.Second},
		{"stall", gittest.FaultStall, 0, "server stopped sending for 3s", 8 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fx.remote("acme/skills")
			// Short, so the stall case takes seconds; not shorter, or a loaded machine's git takes longer
			// than this to send its first bytes after a dropped connection and the retry case fails.
			r.Timeout = 3 * time.Second
			r.Password = "sekrit-token"
			r.Username = "x-access-token"
			fx.srv.SetFaultCount(tt.fault, tt.count)
			defer fx.srv.SetFault(gittest.FaultNone)
			t0 := time.Now()
			got, err := Fetch(context.Background(), r, fx.commit, []string{"skills/python/async"})
			d := time.Since(t0)
			if d > tt.maxTime {
				t.Errorf("took %v", d)
			}
			if tt.wantErr == "" {
				if err != nil || got["skills/python/async"].File("SKILL.md") == nil {
					t.Fatalf("fetch after transient fault: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), fx.srv.RepoURL("acme/skills")) {
				t.Errorf("error does not name the URL: %v", err)
			}
			if strings.Contains(err.Error(), "sekrit") || strings.Contains(fx.log.String(), "sekrit") {
				t.Errorf("credential leaked: %v / %s", err, fx.log)
			}
			t.Logf("%s: %v after %v", tt.name, err, d.Round(time.Millisecond))
		})
	}
}

func TestServerDown(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	fx.srv.Stop()
	t0 := time.Now()
	_, err := ListRefs(context.Background(), fx.remote("acme/skills"))
	if !isType[*RemoteError](err) || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), fx.srv.RepoURL("acme/skills")) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(fx.log.String(), "retrying") {
		t.Errorf("no retry logged: %q", fx.log)
	}
	if d := time.Since(t0); d > 20*time.Second { // bounded retries, not a speed test
		t.Errorf("took %v", d)
	}
}

func TestCredentialsInURLRefused(t *testing.T) {
	_, err := ListRefs(context.Background(), Remote{URL: "https://user:sekrit@example.com/o/r.git"})
	if err == nil || strings.Contains(err.Error(), "sekrit") {
		t.Fatalf("err = %v", err)
	}
	for _, u := range []string{"file:///etc", "ssh://x/y", "not a url\x00"} {
		if _, err := ListRefs(context.Background(), Remote{URL: u}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestListRefs(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	c2, err := fx.srv.Commit("acme/skills", "feature/x", t.TempDir(), "empty")
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.srv.Tag("acme/skills", "v1.0.0", fx.commit); err != nil {
		t.Fatal(err)
	}
	refs, err := ListRefs(context.Background(), fx.remote("acme/skills"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"HEAD": fx.commit, "refs/heads/main": fx.commit, "refs/heads/feature/x": c2, "refs/tags/v1.0.0": fx.commit}
	for k, v := range want {
		if refs[k] != v {
			t.Errorf("refs[%s] = %q, want %q (all: %v)", k, refs[k], v, refs)
		}
	}
	if _, err := ListRefs(context.Background(), fx.remote("acme/missing")); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing repo: %v", err)
	}
}

func TestReadFile(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	fx.srv.ResetStats()
	data, err := ReadFile(context.Background(), fx.remote("acme/skills"), fx.commit, "skills/python/async/references/guide.md")
	if err != nil || string(data) != "guide\n" {
		t.Fatalf("ReadFile = %q, %v", data, err)
	}
	if st := fx.srv.Stats(); st.BytesOut > 8<<10 {
		t.Errorf("served %d bytes", st.BytesOut)
	}
	for _, p := range []string{"skills/nope.md", "skills/python", "skills/python/async/link.md", "../x"} {
		if _, err := ReadFile(context.Background(), fx.remote("acme/skills"), fx.commit, p); !isType[*NotFoundError](err) {
			t.Errorf("ReadFile(%q) = %T %v, want NotFoundError", p, err, err)
		}
	}
}

// TestLimitsPerFolder: the caps are per requested folder (one skill), never the batch's sum: folders each
// under a cap and together over it come in one fetch, and a folder over it fails with its own path
// beside folders that are not. The pack's bound on the wire grows with the folders asked for.
func TestLimitsPerFolder(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	dir := t.TempDir()
	files := map[string]string{}
	for _, s := range []string{"ann/a", "ann/d", "bob/b"} {
		files[s+"/SKILL.md"] = "---\nname: " + s[4:] + "\n---\n"
		files[s+"/data.bin"] = randomText(60000)
	}
	files["ann/c/SKILL.md"] = "---\nname: c\n---\n"
	files["ann/c/one.bin"] = randomText(60000)
	files["ann/c/two.bin"] = randomText(60000)
	for _, s := range []string{"x", "y", "z"} {
		files["big/"+s+"/SKILL.md"] = "---\nname: " + s + "\n---\n"
		files["big/"+s+"/data.bin"] = randomText(800 << 10)
	}
	if err := gittest.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	c, err := fx.srv.Commit("acme/skills", "caps", dir, "caps")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		limits Limits
		paths  []string
		want   string // "" for success
	}{
		{"two authors, each under the total, together over", Limits{MaxTotalSize: 100000}, []string{"ann/a", "bob/b"}, ""},
		{"one author, each under the total, together over", Limits{MaxTotalSize: 100000}, []string{"ann/a", "ann/d"}, ""},
		{"one over the total alone", Limits{MaxTotalSize: 100000}, []string{"ann/c"}, "ann/c: files total more than the 100000 bytes limit"},
		{"one over the total beside one under", Limits{MaxTotalSize: 100000}, []string{"bob/b", "ann/c"}, "ann/c: files total more than"},
		{"each at the file count, together over", Limits{MaxFiles: 2}, []string{"ann/a", "bob/b"}, ""},
		{"one over the file count beside one at it", Limits{MaxFiles: 2}, []string{"ann/a", "ann/c"}, "ann/c: more than 2 files"},
		{"three under the total, together past one folder's pack bound", Limits{MaxTotalSize: 1 << 20, MaxFiles: 10}, []string{"big/x", "big/y", "big/z"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fx.remote("acme/skills")
			r.Limits = tt.limits
			got, err := Fetch(context.Background(), r, c, tt.paths)
			if tt.want != "" {
				if !isType[*LimitError](err) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %T %v, want LimitError %q", err, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v\nlog: %s", err, fx.log)
			}
			for _, p := range tt.paths {
				if got[p] == nil || got[p].File("data.bin") == nil {
					t.Errorf("%s: no data.bin in %v", p, got[p])
				}
			}
		})
	}
}

// TestFolderRequestBound: a folder request's pack is bounded at the folders' caps together, never past
// batchCeiling (or one folder's caps, if larger): a restore of 700 folders must not let a server send
// 700 times the total cap, all held in memory until the pack ends.
func TestFolderRequestBound(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lim      Limits
		folders  int
		inflated int64 // want at most
		atLeast  int64 // and at least
	}{
		{"one folder, defaults", Limits{}, 1, 2 * limits.Default.MaxTotalSize, limits.Default.MaxTotalSize},
		{"700 folders, defaults", Limits{}, 700, batchCeiling + 2*limits.Default.MaxTotalSize, batchCeiling},
		{"700 small folders", Limits{MaxTotalSize: 100 << 10}, 700, batchCeiling, 700 * (100 << 10)},
		{"one folder over the ceiling", Limits{MaxTotalSize: 2 * batchCeiling}, 3, 3 * batchCeiling, 2 * batchCeiling},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fetcher{s: &Session{}, lim: tc.lim.WithDefaults()}
			fr := f.folderRequest([]plumbing.Hash{{1}}, tc.folders)
			if fr.pol.maxInflated > tc.inflated || fr.pol.maxInflated < tc.atLeast {
				t.Errorf("maxInflated %s, want %s to %s", humanBytes(fr.pol.maxInflated), humanBytes(tc.atLeast), humanBytes(tc.inflated))
			}
			if fr.budget > tc.inflated+tc.inflated/4 {
				t.Errorf("budget %s, over %s", humanBytes(fr.budget), humanBytes(tc.inflated+tc.inflated/4))
			}
			if fr.pol.maxObjects > batchObjects+2*f.lim.MaxFiles+64 {
				t.Errorf("maxObjects %d", fr.pol.maxObjects)
			}
		})
	}
}

// TestWholeCommitDeltaOnOversize: a server that cannot filter gets a whole-commit fetch, which drops the
// blobs over the file size limit. Two similar large files anywhere in the repository come as a blob and
// a delta on it: the delta is dropped with its base, so a small skill of that repository still installs,
// and a skill holding such a file gets the limit error with its hint.
func TestWholeCommitDeltaOnOversize(t *testing.T) {
	if !gittest.Available() {
		t.Skip("git not on PATH")
	}
	srv, err := gittest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	big := randomText(200 << 10)
	dir := t.TempDir()
	if err := gittest.WriteFiles(dir, map[string]string{
		"skills/a/SKILL.md": "---\nname: a\n---\n",
		"skills/b/SKILL.md": "---\nname: b\n---\n",
		"skills/b/big.txt":  big + "b\n",
		"data/one.txt":      big,
		"data/two.txt":      big + "changed\n",
	}); err != nil {
		t.Fatal(err)
	}
	c, err := srv.Commit("acme/r", "main", dir, "init")
	if err != nil {
		t.Fatal(err)
	}
	srv.SetShape(gittest.Shape{NoFilter: true})
	r := Remote{URL: srv.RepoURL("acme/r"), Limits: Limits{MaxFileSize: 64 << 10}}
	got, err := Fetch(context.Background(), r, c, []string{"skills/a"})
	if err != nil || got["skills/a"].File("SKILL.md") == nil {
		t.Fatalf("fetch of a small skill beside similar large files: %v", err)
	}
	_, err = Fetch(context.Background(), r, c, []string{"skills/b"})
	var le *LimitError
	if !errors.As(err, &le) || le.Flag != "--max-file-size" || !strings.Contains(err.Error(), "skills/b/big.txt") {
		t.Fatalf("fetch of a skill with a large file: %T %v, want a *LimitError naming skills/b/big.txt and --max-file-size", err, err)
	}
}

// TestFolderRequestFailedOnce: a server that fails one folder request, on its error side band, for a
// reason that is not the request's (git's pack-objects killed under load): the request is asked again,
// as it was, and the fetch succeeds without changing how the session asks.
func TestFolderRequestFailedOnce(t *testing.T) {
	srv, c := besideRepo(t, map[string]string{"skills/ann/t/SKILL.md": "---\nname: t\n---\n", "skills/ann/t/refs/r.md": "r\n"})
	target, _ := url.Parse(srv.URL())
	rp := httputil.NewSingleHostReverseProxy(target)
	var failed atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte("filter blob:limit")) && failed.Add(1) == 1 {
				pkt := func(s string) string { return fmt.Sprintf("%04x%s", len(s)+4, s) }
				w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
				io.WriteString(w, pkt("packfile\n")+pkt("\x03fatal: git upload-pack: git-pack-objects died of signal 9\n")+"0000")
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	defer front.Close()
	log := &syncBuf{}
	s, _ := Open(Remote{URL: front.URL + "/acme/r.git", Log: log})
	defer s.Close()
	folders, err := s.Fetch(context.Background(), c, []string{"skills/ann/t"})
	if failed.Load() < 2 {
		t.Fatalf("%d folder requests, want the failed one and one more", failed.Load())
	}
	if err != nil || folders["skills/ann/t"].File("refs/r.md") == nil {
		t.Fatalf("one failed folder request: %v (log %q)", err, log.String())
	}
	if s.strat != stratTreeWalk || s.noBlobLimit {
		t.Errorf("the session changed how it asks: strategy %v, noBlobLimit %v (log %q)", s.strat, s.noBlobLimit, log.String())
	}
}
