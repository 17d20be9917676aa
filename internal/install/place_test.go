package install

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

// runChange does what withTarget does: derive the placements from the two locks and the disk, then apply.
func runChange(t *testing.T, tg Target, before, after *lockfile.Lock, write map[string]*snapshot.Folder, notes *bytes.Buffer) error {
	t.Helper()
	ops, err := placementOps(tg, before, after, write, false)
	if err != nil {
		return err
	}
	c := change{write: write, lock: after, place: ops}
	if notes != nil {
		c.notes = notes
	}
	return apply(context.Background(), tg, c)
}

// checkPlacements asserts that the disk holds exactly the lock's placements, each right.
func checkPlacements(t *testing.T, tg Target, l *lockfile.Lock, dirs []string, what string) {
	t.Helper()
	want := map[string]bool{}
	for _, e := range l.In(tg.Rel) {
		for _, p := range e.Placements {
			if st := placementState(tg, e, p); st != PlaceOK {
				t.Fatalf("%s: placement %s of %s is %s", what, p.Dir, e.Name, st)
			}
			want[filepath.Join(tg.absolute(p.Dir), e.Name)] = true
		}
	}
	for _, d := range dirs {
		ents, _ := os.ReadDir(filepath.Join(filepath.Dir(tg.Lock), d))
		for _, e := range ents {
			if p := filepath.Join(filepath.Dir(tg.Lock), d, e.Name()); !want[p] {
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
		if err := runChange(t, tg, &lockfile.Lock{}, before, map[string]*snapshot.Folder{"a": oldA}, nil); err != nil {
			t.Fatal(err)
		}
		checkPlacements(t, tg, before, []string{"old", "ln", "cp"}, "setup")
		after := &lockfile.Lock{Skills: []lockfile.Entry{
			placed(entry("a", newA), link("ln"), copyIn("cp")),
			placed(entry("b", newB), link("ln")),
		}}
		ops, err := placementOps(tg, before, after, map[string]*snapshot.Folder{"a": newA, "b": newB}, false)
		if err != nil {
			t.Fatal(err)
		}
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
			c := change{write: map[string]*snapshot.Folder{"a": newA, "b": newB}, lock: after, place: ops}
			if err := apply(context.Background(), tg, c); err != nil {
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
		checkPlacements(t, tg, l, []string{"old", "ln", "cp"}, fmt.Sprint("stop ", stop))
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
// no junction) can be made, the skill is copied, the lock says so, and stderr says why.
func TestLinkFallback(t *testing.T) {
	symlink = func(string, string) error { return errors.New("A required privilege is not held by the client.") }
	defer func() { symlink = os.Symlink }()
	dir := t.TempDir()
	tg := Target{Dir: filepath.Join(dir, "sk"), Rel: "sk", Lock: filepath.Join(dir, "skills.lock")}
	a := folder("a v1")
	after := &lockfile.Lock{Skills: []lockfile.Entry{placed(entry("a", a), link("other agent"))}}
	var notes bytes.Buffer
	if err := runChange(t, tg, &lockfile.Lock{}, after, map[string]*snapshot.Folder{"a": a}, &notes); err != nil {
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
	checkPlacements(t, tg, l, []string{"other agent"}, "fallback")
}

// TestPlacementConflicts: what skillctl did not place is kept unless forced; a recorded link someone
// pointed elsewhere is put right.
func TestPlacementConflicts(t *testing.T) {
	dir := t.TempDir()
	tg := Target{Dir: filepath.Join(dir, "sk"), Rel: "sk", Lock: filepath.Join(dir, "skills.lock")}
	a := folder("a v1")
	if err := os.MkdirAll(filepath.Join(dir, "ln", "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	after := &lockfile.Lock{Skills: []lockfile.Entry{placed(entry("a", a), link("ln"))}}
	if _, err := placementOps(tg, &lockfile.Lock{}, after, map[string]*snapshot.Folder{"a": a}, false); err == nil || !strings.Contains(err.Error(), "was not placed by skillctl") {
		t.Fatalf("foreign folder: %v", err)
	}
	if err := runChange(t, tg, &lockfile.Lock{}, &lockfile.Lock{Skills: []lockfile.Entry{entry("a", a)}}, map[string]*snapshot.Folder{"a": a}, nil); err != nil {
		t.Fatal(err)
	}
	ops, err := placementOps(tg, &lockfile.Lock{}, after, nil, true)
	if err != nil || len(ops) != 1 || !ops[0].Existed {
		t.Fatalf("forced: %v %+v", err, ops)
	}
	if err := apply(context.Background(), tg, change{lock: after, place: ops}); err != nil {
		t.Fatal(err)
	}
	checkPlacements(t, tg, after, []string{"ln"}, "forced")
	// A recorded link pointed elsewhere is broken; the next change puts it back.
	p := filepath.Join(dir, "ln", "a")
	os.Remove(p)
	if err := os.Symlink(dir, p); err != nil {
		t.Fatal(err)
	}
	if st := placementState(tg, after.Skills[0], after.Skills[0].Placements[0]); st != PlaceBroken {
		t.Fatalf("state %s, want broken", st)
	}
	if err := runChange(t, tg, after, after, nil, nil); err != nil {
		t.Fatal(err)
	}
	checkPlacements(t, tg, after, []string{"ln"}, "repaired")
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
		op   placeOp
		want string
	}{
		{placeOp{Dir: outside, Name: "keep", Store: filepath.Join(tg.Dir, "keep")}, "outside the project"},
		{placeOp{Dir: filepath.Join(dir, "ln"), Name: "../x", Store: filepath.Join(tg.Dir, "../x")}, "not a skill"},
		{placeOp{Dir: filepath.Join(dir, "ln"), Name: "a", Store: outside}, "not from the target"},
		{placeOp{Dir: filepath.Join(dir, "ln"), Name: "a", Mode: "hardlink", Store: filepath.Join(tg.Dir, "a")}, "mode"},
		{placeOp{Dir: "ln", Name: "a", Store: filepath.Join(tg.Dir, "a")}, "not from the target"},
		{placeOp{Dir: filepath.Join(dir, "ln"), Name: "a", Store: filepath.Join(tg.Dir, "a")}, ""},
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
	if err := recoverStages(tg); err == nil || !strings.Contains(err.Error(), "not a stage skillctl left") {
		t.Fatalf("recover: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "keep")); err != nil {
		t.Fatalf("the outside file moved: %v", err)
	}
}
