package gitfetch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/gittest"
)

// Each server configuration refuses the faster strategies; the fetch must still return the same folder,
// say on the log which way it went, and bring no more than that way needs.
func TestFallbacks(t *testing.T) {
	tests := []struct {
		name     string
		config   [][2]string
		fault    gittest.Fault
		log      string // "" = fast path, nothing logged
		maxBytes int64
	}{
		{"fast path", nil, gittest.FaultNone, "", 20 << 10},
		{"tree filter refused", [][2]string{{"uploadpackfilter.tree.allow", "false"}}, gittest.FaultNone, "refused the tree filter", 40 << 10},
		{"no filter at all", [][2]string{{"uploadpack.allowFilter", "false"}}, gittest.FaultNone, "no filter capability", 3 * decoySize},
		{"no wants by hash", nil, gittest.FaultTipsOnly, "refused a partial fetch", 3 * decoySize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, "acme/skills")
			for _, kv := range tt.config {
				if err := fx.srv.Configure("acme/skills", kv[0], kv[1]); err != nil {
					t.Fatal(err)
				}
			}
			fx.srv.SetFault(tt.fault)
			fx.srv.ResetStats()
			got, err := Fetch(context.Background(), fx.remote("acme/skills"), fx.commit, []string{"skills/python/async", "skills/python/typing"})
			if err != nil {
				t.Fatalf("%v\nlog:\n%s", err, fx.log)
			}
			if f := got["skills/python/async"]; f == nil || len(f.Files) != 4 || f.File("scripts/run.sh").Mode != 0o100755 {
				t.Fatalf("async folder = %v", f)
			}
			if got["skills/python/typing"].File("SKILL.md") == nil {
				t.Fatal("typing folder incomplete")
			}
			log := fx.log.String()
			if tt.log == "" && log != "" || !strings.Contains(log, tt.log) {
				t.Errorf("log = %q, want %q", log, tt.log)
			}
			st := fx.srv.Stats()
			if st.BytesOut > tt.maxBytes {
				t.Errorf("served %d bytes, want at most %d", st.BytesOut, tt.maxBytes)
			}
			t.Logf("%s: %d fetches, %d bytes; log: %s", tt.name, st.Fetches, st.BytesOut, strings.TrimSpace(log))

			// ReadFile and Skills take the same way down.
			data, err := ReadFile(context.Background(), fx.remote("acme/skills"), fx.commit, "skills/python/typing/SKILL.md")
			if err != nil || !strings.Contains(string(data), "name: typing") {
				t.Errorf("ReadFile = %q, %v", data, err)
			}
			dirs, err := Skills(context.Background(), fx.remote("acme/skills"), fx.commit)
			if err != nil || strings.Join(dirs, ",") != "plugins/other/skills/deep/nested,skills/decoy,skills/python/async,skills/python/typing" {
				t.Errorf("Skills = %v, %v", dirs, err)
			}
		})
	}
}

func TestCache(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	cache, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := fx.remote("acme/skills")
	r.Cache = cache
	paths := []string{"skills/python/async", "plugins/other/skills/deep/nested"}
	first, err := Fetch(context.Background(), r, fx.commit, paths)
	if err != nil {
		t.Fatal(err)
	}

	// Same commit again: nothing asked of the server.
	fx.srv.ResetStats()
	again, err := Fetch(context.Background(), r, fx.commit, paths)
	if err != nil {
		t.Fatal(err)
	}
	if st := fx.srv.Stats(); st.Requests != 0 {
		t.Errorf("cached fetch made %d requests", st.Requests)
	}
	for _, p := range paths {
		if again[p].Hash() != first[p].Hash() || again[p].Tree != first[p].Tree {
			t.Errorf("%s: cached folder differs", p)
		}
	}

	// Server down: the cache alone serves a fetch by commit.
	fx.srv.Stop()
	offline, err := Fetch(context.Background(), r, fx.commit, paths[:1])
	if err != nil {
		t.Fatalf("offline fetch: %v", err)
	}
	if offline[paths[0]].Hash() != first[paths[0]].Hash() {
		t.Error("offline folder differs")
	}
	// Something not cached fails cleanly, naming the URL.
	_, err = Fetch(context.Background(), r, fx.commit, []string{"skills/python/typing"})
	if !isType[*RemoteError](err) || !strings.Contains(err.Error(), fx.srv.RepoURL("acme/skills")) {
		t.Errorf("uncached offline fetch: %T %v", err, err)
	}
	if err := fx.srv.Restart(); err != nil {
		t.Fatal(err)
	}

	// A damaged entry is noticed, dropped and fetched again.
	var victim string
	filepath.Walk(filepath.Join(cache.Dir(), "objects"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && victim == "" {
			victim = p
		}
		return nil
	})
	if err := os.WriteFile(victim, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	fx.srv.ResetStats()
	if _, err := Fetch(context.Background(), r, fx.commit, paths); err != nil {
		t.Fatal(err)
	}
	if st := fx.srv.Stats(); st.Fetches == 0 {
		t.Error("damaged cache entry was used without refetching")
	}
	if _, err := Fetch(context.Background(), r, fx.commit, paths); err != nil {
		t.Fatal(err)
	}

	// Skills: trees only, then from the cache.
	fx.srv.ResetStats()
	dirs, err := Skills(context.Background(), r, fx.commit)
	if err != nil || len(dirs) != 4 {
		t.Fatalf("Skills = %v, %v", dirs, err)
	}
	if st := fx.srv.Stats(); st.BytesOut > decoySize/4 {
		t.Errorf("Skills served %d bytes: blobs crossed", st.BytesOut)
	}
	fx.srv.Stop()
	if again, err := Skills(context.Background(), r, fx.commit); err != nil || len(again) != 4 {
		t.Errorf("cached Skills = %v, %v", again, err)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("SKILLCTL_CACHE_DIR", "/x/y")
	if d := DefaultCacheDir(); d != "/x/y" {
		t.Errorf("DefaultCacheDir = %q", d)
	}
	t.Setenv("SKILLCTL_CACHE_DIR", "")
	if d := DefaultCacheDir(); filepath.Base(d) != "skillctl" {
		t.Errorf("DefaultCacheDir = %q", d)
	}
}
