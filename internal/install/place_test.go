package install

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/txn"
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
func runChange(t *testing.T, tg Target, before, after *lockfile.Lock, write map[string]*snapshot.Folder) error {
	t.Helper()
	ops, err := placementOps(tg, before, after, write, false, nil)
	if err != nil {
		return err
	}
	return txn.Apply(context.Background(), tg.txn(), txn.Change{Write: write, Lock: after, Place: ops})
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
	if _, err := placementOps(tg, &lockfile.Lock{}, after, map[string]*snapshot.Folder{"a": a}, false, nil); err == nil || !strings.Contains(err.Error(), "was not placed by skillctl") {
		t.Fatalf("foreign folder: %v", err)
	}
	if err := runChange(t, tg, &lockfile.Lock{}, &lockfile.Lock{Skills: []lockfile.Entry{entry("a", a)}}, map[string]*snapshot.Folder{"a": a}); err != nil {
		t.Fatal(err)
	}
	ops, err := placementOps(tg, &lockfile.Lock{}, after, nil, true, nil)
	if err != nil || len(ops) != 1 || !ops[0].Existed {
		t.Fatalf("forced: %v %+v", err, ops)
	}
	if err := txn.Apply(context.Background(), tg.txn(), txn.Change{Lock: after, Place: ops}); err != nil {
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
	if err := runChange(t, tg, after, after, nil); err != nil {
		t.Fatal(err)
	}
	checkPlacements(t, tg, after, []string{"ln"}, "repaired")
}
