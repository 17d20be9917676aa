package install

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
)

func folder(content string) *snapshot.Folder {
	return &snapshot.Folder{Files: []snapshot.File{{Path: "SKILL.md", Mode: snapshot.Regular, Data: []byte(content)}}}
}

func entry(name string, f *snapshot.Folder) lockfile.Entry {
	return lockfile.Entry{Name: name, Dir: "sk", Source: name, Registry: "builtin", Path: name, Hash: f.Hash()}
}

// errCrash stands for the process dying at a step: apply returns at once, leaving what a crash leaves.
var errCrash = errors.New("crash")

// TestApplyInterruptedAtEveryStep stops a transaction at each of its steps in turn, as a kill would, and
// checks that recovery leaves either the old state or the new one, never a mix, and no stage behind.
func TestApplyInterruptedAtEveryStep(t *testing.T) {
	oldA, newA, newB := folder("a v1"), folder("a v2"), folder("b v1")
	for stop := 1; ; stop++ {
		dir := t.TempDir()
		tg := Target{Dir: filepath.Join(dir, "sk"), Rel: "sk", Lock: filepath.Join(dir, "skills.lock")}
		// Before: a v1 installed and locked.
		before := &lockfile.Lock{Skills: []lockfile.Entry{entry("a", oldA)}}
		if err := apply(context.Background(), tg, change{write: map[string]*snapshot.Folder{"a": oldA}, lock: before}); err != nil {
			t.Fatal(err)
		}
		after := &lockfile.Lock{Skills: []lockfile.Entry{entry("a", newA), entry("b", newB)}}
		steps := 0
		afterStep = func(string) {
			steps++
			if steps == stop {
				panic(errCrash)
			}
		}
		crashed := func() (crashed bool) {
			defer func() {
				if r := recover(); r != nil {
					if r != errCrash {
						panic(r)
					}
					crashed = true
				}
			}()
			if err := apply(context.Background(), tg, change{write: map[string]*snapshot.Folder{"a": newA, "b": newB}, lock: after}); err != nil {
				t.Fatalf("stop %d: %v", stop, err)
			}
			return false
		}()
		afterStep = func(string) {}
		if err := recoverStages(tg); err != nil {
			t.Fatalf("stop %d: recover: %v", stop, err)
		}
		l, err := lockfile.Read(tg.Lock)
		if err != nil {
			t.Fatalf("stop %d: lock: %v", stop, err)
		}
		// The disk matches whichever lock is there, skill by skill.
		for _, e := range l.Skills {
			got, err := readFolder(filepath.Join(tg.Dir, e.Name), Limits{})
			if err != nil || got.Hash() != e.Hash {
				t.Fatalf("stop %d: %s does not match the lock (%v)", stop, e.Name, err)
			}
		}
		ents, _ := os.ReadDir(tg.Dir)
		if len(ents) != len(l.Skills) {
			t.Fatalf("stop %d: target holds %d entries, lock %d", stop, len(ents), len(l.Skills))
		}
		if !crashed {
			if len(l.Skills) != 2 {
				t.Fatalf("completed run left %d skills", len(l.Skills))
			}
			if stop < 4 {
				t.Fatalf("only %d steps seen", stop)
			}
			return
		}
	}
}

func TestCheckFolder(t *testing.T) {
	reg := func(p string) snapshot.File { return snapshot.File{Path: p, Mode: snapshot.Regular, Data: []byte("x")} }
	link := func(p, to string) snapshot.File {
		return snapshot.File{Path: p, Mode: snapshot.Symlink, Data: []byte(to)}
	}
	tests := []struct {
		name  string
		files []snapshot.File
		lim   Limits
		want  string // "" = accepted
	}{
		{"plain", []snapshot.File{reg("SKILL.md"), reg("references/a.md")}, Limits{}, ""},
		{"link inside", []snapshot.File{reg("SKILL.md"), link("b.md", "references/a.md"), reg("references/a.md")}, Limits{}, ""},
		{"link chain inside", []snapshot.File{reg("SKILL.md"), link("a", "b"), link("b", "SKILL.md")}, Limits{}, ""},
		{"absolute link", []snapshot.File{reg("SKILL.md"), link("p", "/etc/passwd")}, Limits{}, "points outside the skill"},
		{"climbing link", []snapshot.File{reg("SKILL.md"), link("r/p", "../../x")}, Limits{}, "points outside the skill"},
		{"chain out", []snapshot.File{reg("SKILL.md"), link("a", "b"), link("b", "../x")}, Limits{}, "points outside the skill"},
		{"loop", []snapshot.File{reg("SKILL.md"), link("a", "b"), link("b", "a")}, Limits{}, "symlink loop"},
		{"link to folder", []snapshot.File{reg("SKILL.md"), link("d", "references"), reg("references/a.md")}, Limits{}, "links to folders are not kept"},
		{"dot dot", []snapshot.File{reg("SKILL.md"), reg("../x")}, Limits{}, "unsafe file name"},
		{"git", []snapshot.File{reg("SKILL.md"), reg(".git/config")}, Limits{}, "unsafe file name"},
		{"control", []snapshot.File{reg("SKILL.md"), reg("a\x01b")}, Limits{}, "unsafe file name"},
		{"case", []snapshot.File{reg("A.md"), reg("SKILL.md"), reg("a.md")}, Limits{}, "only in case"},
		{"too many", []snapshot.File{reg("SKILL.md"), reg("b")}, Limits{MaxFiles: 1}, "over the limit of 1"},
		{"too big", []snapshot.File{reg("SKILL.md")}, Limits{MaxFileSize: 0, MaxTotalSize: 0, MaxFiles: 0}, ""},
		{"total", []snapshot.File{reg("SKILL.md"), reg("b")}, Limits{MaxTotalSize: 1}, "in all, over the limit"},
		{"file and folder", []snapshot.File{reg("SKILL.md"), reg("x"), reg("x/y")}, Limits{}, "both a file and a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &snapshot.Folder{Files: tt.files}
			f.Sort()
			err := checkFolder("s", f, tt.lim)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRecoverAfterAnotherTargetChangedTheLock: a change to target A is interrupted after its lock was
// written; before A is recovered, target B (sharing the lock file) commits a change of its own. A must
// still be rolled forward: its entries in the lock are the new ones.
func TestRecoverAfterAnotherTargetChangedTheLock(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "skills.lock")
	a := Target{Dir: filepath.Join(dir, "a"), Rel: "a", Lock: lock}
	b := Target{Dir: filepath.Join(dir, "b"), Rel: "b", Lock: lock}
	v1, v2, other := folder("x v1"), folder("x v2"), folder("y")
	entryIn := func(rel, name string, f *snapshot.Folder) lockfile.Entry {
		e := entry(name, f)
		e.Dir = rel
		return e
	}
	l := &lockfile.Lock{Skills: []lockfile.Entry{entryIn("a", "x", v1)}}
	if err := apply(context.Background(), a, change{write: map[string]*snapshot.Folder{"x": v1}, lock: l}); err != nil {
		t.Fatal(err)
	}
	// A: x v1 -> v2, stopped right after the lock is written (the stage is left behind).
	afterStep = func(step string) {
		if step == "locked" {
			panic(errCrash)
		}
	}
	func() {
		defer func() { recover() }()
		l2 := &lockfile.Lock{Skills: []lockfile.Entry{entryIn("a", "x", v2)}}
		apply(context.Background(), a, change{write: map[string]*snapshot.Folder{"x": v2}, lock: l2})
	}()
	afterStep = func(string) {}
	// B commits, rewriting the shared lock (keeping A's entries as they are now).
	l3, err := lockfile.Read(lock)
	if err != nil {
		t.Fatal(err)
	}
	l3.Put(entryIn("b", "y", other))
	if err := apply(context.Background(), b, change{write: map[string]*snapshot.Folder{"y": other}, lock: l3}); err != nil {
		t.Fatal(err)
	}
	if err := recoverStages(a); err != nil {
		t.Fatal(err)
	}
	got, err := readInstalled(filepath.Join(a.Dir, "x"))
	if err != nil || got.Hash() != v2.Hash() {
		t.Fatalf("A's x is not the version its lock entry pins (%v)", err)
	}
	if ents, _ := os.ReadDir(a.Dir); len(ents) != 1 {
		t.Fatalf("stage left behind in A: %v", ents)
	}
}
