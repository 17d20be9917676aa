package gitfetch

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/skillctl/skillctl/internal/gittest"
)

func TestReadFiles(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	asked := []string{
		"skills/python/async/SKILL.md",
		"skills/python/typing/SKILL.md",
		"plugins/other/skills/deep/nested/SKILL.md",
		"skills/decoy/SKILL.md",
		"skills/python/async/link.md",   // a symlink: left out
		"skills/python/typing/skill.md", // absent: left out
		"skills/python/async",           // a folder: left out
		"../escape/SKILL.md",            // unsafe: left out
	}
	for _, fault := range []gittest.Fault{gittest.FaultNone, gittest.FaultTipsOnly} {
		fx.srv.SetFault(fault)
		fx.srv.ResetStats()
		got, err := ReadFiles(context.Background(), fx.remote("acme/skills"), fx.commit, asked, 64<<10, 0)
		if err != nil {
			t.Fatalf("fault %d: %v", fault, err)
		}
		want := map[string]string{
			"skills/python/async/SKILL.md":              "---\nname: async\n---\nbody\n",
			"skills/python/typing/SKILL.md":             "---\nname: typing\n---\n",
			"plugins/other/skills/deep/nested/SKILL.md": "---\nname: nested\n---\n",
			"skills/decoy/SKILL.md":                     "---\nname: decoy\n---\n",
		}
		if len(got) != len(want) {
			t.Errorf("fault %d: got %d files, want %d: %v", fault, len(got), len(want), keys(got))
		}
		for p, w := range want {
			if string(got[p]) != w {
				t.Errorf("fault %d: %s = %q, want %q", fault, p, got[p], w)
			}
		}
		st := fx.srv.Stats()
		t.Logf("fault %d: %d requests, %d fetches, %d bytes", fault, st.Requests, st.Fetches, st.BytesOut)
		if fault == gittest.FaultNone {
			if st.BytesOut > 20<<10 {
				t.Errorf("served %d bytes for four small files next to a %d-byte decoy", st.BytesOut, decoySize)
			}
			// commit+root, then skills/ and plugins/ levels (five of them deepest), then the blobs.
			if st.Fetches > 8 {
				t.Errorf("fetch requests = %d, want at most 8", st.Fetches)
			}
		}
	}
}

// A file over maxFile is left out. Named by hash it is not filtered by the server, so it costs its
// bytes on the wire (bounded by MaxTotalSize), but it never reaches the answer.
func TestReadFilesOversize(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	got, err := ReadFiles(context.Background(), fx.remote("acme/skills"), fx.commit, []string{"skills/decoy/blob.txt", "skills/decoy/SKILL.md"}, 64<<10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["skills/decoy/blob.txt"]; ok || string(got["skills/decoy/SKILL.md"]) != "---\nname: decoy\n---\n" {
		t.Errorf("got %v", keys(got))
	}
}

func TestReadFilesBudget(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	_, err := ReadFiles(context.Background(), fx.remote("acme/skills"), fx.commit, []string{
		"skills/python/async/SKILL.md", "skills/python/typing/SKILL.md", "skills/decoy/SKILL.md",
	}, 1<<10, 40) // 40 bytes: less than the three files together
	var le *LimitError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a *LimitError", err)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// SkillFiles lists the skills and reads every SKILL.md with the trees fetched once: one request for
// all trees, one for the blobs. Over the budget, the listing still comes back.
func TestSkillFiles(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	fx.srv.ResetStats()
	dirs, files, err := SkillFiles(context.Background(), fx.remote("acme/skills"), fx.commit, 64<<10, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantDirs := []string{"plugins/other/skills/deep/nested", "skills/decoy", "skills/python/async", "skills/python/typing"}
	if !reflect.DeepEqual(dirs, wantDirs) {
		t.Errorf("dirs = %v, want %v", dirs, wantDirs)
	}
	if len(files) != 4 || string(files["skills/python/typing/SKILL.md"]) != "---\nname: typing\n---\n" {
		t.Errorf("files = %v", keys(files))
	}
	st := fx.srv.Stats()
	t.Logf("%d requests, %d fetches, %d bytes", st.Requests, st.Fetches, st.BytesOut)
	if st.Fetches != 2 {
		t.Errorf("fetches = %d, want 2 (all trees, then the blobs)", st.Fetches)
	}
	if st.BytesOut > 20<<10 {
		t.Errorf("served %d bytes next to a %d-byte decoy", st.BytesOut, decoySize)
	}

	dirs, files, err = SkillFiles(context.Background(), fx.remote("acme/skills"), fx.commit, 1<<10, 40)
	var le *LimitError
	if !errors.As(err, &le) || len(dirs) != 4 || files != nil {
		t.Errorf("over budget: dirs %v, files %v, err %v; want the listing, no files and a *LimitError", dirs, keys(files), err)
	}
}
