package txn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
)

func placed(e lockfile.Entry, ps ...lockfile.Placement) lockfile.Entry {
	e.Placements = ps
	return e
}

func link(dir string) lockfile.Placement {
	return lockfile.Placement{Dir: dir, Mode: lockfile.ModeLink}
}
func copyIn(dir string) lockfile.Placement {
	return lockfile.Placement{Dir: dir, Mode: lockfile.ModeCopy}
}

// op is the placement of skill name in folder dir (relative to the project) that install would plan:
// made with mode ("" deletes it), over something that existed, copying f.
func op(tg Target, name, dir, mode string, existed bool, f *snapshot.Folder) PlaceOp {
	root := filepath.Dir(tg.Lock)
	return PlaceOp{Dir: filepath.Join(root, dir), Name: name, Mode: mode, Store: filepath.Join(tg.Dir, name), Existed: existed, Entry: dir, Folder: f}
}

// checkPlaced asserts that the folders dirs hold exactly the lock's placements: each link points at the
// stored skill, each copy holds its files.
func checkPlaced(t *testing.T, tg Target, l *lockfile.Lock, dirs []string, what string) {
	t.Helper()
	root := filepath.Dir(tg.Lock)
	want := map[string]bool{}
	for _, e := range l.In(tg.Rel) {
		for _, p := range e.Placements {
			at := filepath.Join(root, p.Dir, e.Name)
			want[at] = true
			switch dest, err := os.Readlink(at); {
			case p.Mode == lockfile.ModeLink && (err != nil || filepath.Join(filepath.Dir(at), dest) != filepath.Join(tg.Dir, e.Name)):
				t.Fatalf("%s: %s is not a link to the stored skill (%q, %v)", what, at, dest, err)
			case p.Mode == lockfile.ModeCopy:
				if f, err := localfs.ReadInstalled(at); err != nil || f.Hash() != e.Hash {
					t.Fatalf("%s: the copy %s does not match the lock (%v)", what, at, err)
				}
			}
		}
	}
	for _, d := range dirs {
		ents, _ := os.ReadDir(filepath.Join(root, d))
		for _, e := range ents {
			if p := filepath.Join(root, d, e.Name()); !want[p] {
				t.Fatalf("%s: %s is on disk but not in the lock", what, p)
			}
		}
	}
}

// TestPlacementsInterruptedAtEveryStep is TestApplyInterruptedAtEveryStep with links and copies in other
// folders: created, refreshed and deleted in one change, which a crash may stop anywhere.
func TestPlacementsInterruptedAtEveryStep(t *testing.T) {
	oldA, newA, newB := folder("a v1"), folder("a v2"), folder("b v1")
	for stop := 1; ; stop++ {
		dir := t.TempDir()
		tg := Target{Dir: filepath.Join(dir, "sk"), Rel: "sk", Lock: filepath.Join(dir, "skills.lock")}
		before := &lockfile.Lock{Skills: []lockfile.Entry{placed(entry("a", oldA), link("old"), copyIn("cp"))}}
		setup := Change{Write: map[string]*snapshot.Folder{"a": oldA}, Lock: before,
			Place: []PlaceOp{op(tg, "a", "old", lockfile.ModeLink, false, nil), op(tg, "a", "cp", lockfile.ModeCopy, false, oldA)}}
		if err := Apply(context.Background(), tg, setup); err != nil {
			t.Fatal(err)
		}
		checkPlaced(t, tg, before, []string{"old", "ln", "cp"}, "setup")
		after := &lockfile.Lock{Skills: []lockfile.Entry{
			placed(entry("a", newA), link("ln"), copyIn("cp")),
			placed(entry("b", newB), link("ln")),
		}}
		ops := []PlaceOp{ // what install plans for before -> after
			op(tg, "a", "ln", lockfile.ModeLink, false, nil),
			op(tg, "a", "cp", lockfile.ModeCopy, true, newA),
			op(tg, "b", "ln", lockfile.ModeLink, false, nil),
			op(tg, "a", "old", "", true, nil),
		}
		crashed, steps := applyStopped(t, tg, Change{Write: map[string]*snapshot.Folder{"a": newA, "b": newB}, Lock: after, Place: ops}, stop)
		if err := Recover(tg); err != nil {
			t.Fatalf("stop %d: recover: %v", stop, err)
		}
		l, err := lockfile.Read(tg.Lock)
		if err != nil {
			t.Fatalf("stop %d: lock: %v", stop, err)
		}
		checkPlaced(t, tg, l, []string{"old", "ln", "cp"}, fmt.Sprint("stop ", stop))
		if ents, _ := os.ReadDir(tg.Dir); len(ents) != len(l.Skills) {
			t.Fatalf("stop %d: target holds %d entries (a stage left behind?), lock %d", stop, len(ents), len(l.Skills))
		}
		if !crashed {
			if len(l.Skills) != 2 || steps < 8 {
				t.Fatalf("completed run: %d skills after %d steps", len(l.Skills), steps)
			}
			return
		}
	}
}

// TestLinkFallback acts as Windows without the symbolic-link privilege: where no link (and, off Windows,
// no junction) can be made, the skill is copied, the lock says so, and the notes say why.
func TestLinkFallback(t *testing.T) {
	symlink = func(string, string) error { return errors.New("A required privilege is not held by the client.") }
	defer func() { symlink = os.Symlink }()
	dir := t.TempDir()
	tg := Target{Dir: filepath.Join(dir, "sk"), Rel: "sk", Lock: filepath.Join(dir, "skills.lock")}
	a := folder("a v1")
	after := &lockfile.Lock{Skills: []lockfile.Entry{placed(entry("a", a), link("other agent"))}}
	var notes bytes.Buffer
	c := Change{Write: map[string]*snapshot.Folder{"a": a}, Lock: after, Place: []PlaceOp{op(tg, "a", "other agent", lockfile.ModeLink, false, nil)}, Notes: &notes}
	if err := Apply(context.Background(), tg, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notes.String(), "privilege is not held") || !strings.Contains(notes.String(), "placing real copies instead") {
		t.Fatalf("the fallback was not said: %q", notes.String())
	}
	l, _ := lockfile.Read(tg.Lock)
	e := l.Find("sk", "a")
	if e == nil || len(e.Placements) != 1 || e.Placements[0].Mode != lockfile.ModeCopy {
		t.Fatalf("lock does not record the copy: %+v", e)
	}
	fi, err := os.Lstat(filepath.Join(dir, "other agent", "a"))
	if err != nil || !fi.IsDir() {
		t.Fatalf("no real copy in a folder with a space in its name: %v", err)
	}
	checkPlaced(t, tg, l, []string{"other agent"}, "fallback")
}

// TestJournalPlacementsUntrusted: a stage that came with a cloned project cannot make recovery move or
// delete anything outside the project through its placements.
func TestJournalPlacementsUntrusted(t *testing.T) {
	dir := t.TempDir()
	tg := Target{Dir: filepath.Join(dir, "sk"), Rel: "sk", Lock: filepath.Join(dir, "skills.lock")}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		op   PlaceOp
		want string
	}{
		{PlaceOp{Dir: outside, Name: "keep", Store: filepath.Join(tg.Dir, "keep")}, "outside the project"},
		{PlaceOp{Dir: filepath.Join(dir, "ln"), Name: "../x", Store: filepath.Join(tg.Dir, "../x")}, "not a skill"},
		{PlaceOp{Dir: filepath.Join(dir, "ln"), Name: "a", Store: outside}, "not from the target"},
		{PlaceOp{Dir: filepath.Join(dir, "ln"), Name: "a", Mode: "hardlink", Store: filepath.Join(tg.Dir, "a")}, "mode"},
		{PlaceOp{Dir: "ln", Name: "a", Store: filepath.Join(tg.Dir, "a")}, "not from the target"},
		{PlaceOp{Dir: filepath.Join(dir, "ln"), Name: "a", Store: filepath.Join(tg.Dir, "a")}, ""},
	} {
		if got := checkJournalPlacement(tg, c.op); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.op, got, c.want)
		}
	}
	// End to end: a planted stage whose journal would move the outside file into the project is refused.
	stage := filepath.Join(tg.Dir, stagePrefix+"x")
	for _, sub := range []string{"new", "old", "pnew", "pold"} {
		os.MkdirAll(filepath.Join(stage, sub), 0o755)
	}
	j := `{"write":[],"remove":[],"entries":"x","place":[{"dir":"` + outside + `","name":"keep","mode":"","store":"` + filepath.Join(tg.Dir, "keep") + `","existed":true}]}`
	if err := os.WriteFile(filepath.Join(stage, "journal"), []byte(j), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Recover(tg); err == nil || !strings.Contains(err.Error(), "not a stage skillctl left") {
		t.Fatalf("recover: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "keep")); err != nil {
		t.Fatalf("the outside file moved: %v", err)
	}
}
