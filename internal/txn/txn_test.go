package txn

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
)

func folder(content string) *snapshot.Folder {
	return &snapshot.Folder{Files: []snapshot.File{{Path: "SKILL.md", Mode: snapshot.Regular, Data: []byte(content)}}}
}

func entry(name string, f *snapshot.Folder) lockfile.Entry {
	return lockfile.Entry{Name: name, Dir: "sk", Source: name, Registry: "builtin", Path: name, Hash: f.Hash()}
}

// errCrash stands for the process dying at a step: Apply returns at once, leaving what a crash leaves.
var errCrash = errors.New("crash")

// applyStopped applies c to tg and stops it right after step stop, as a crash would (no deferred
// cleanup, no roll-back). It reports whether the change was stopped, and how many steps it ran.
func applyStopped(t *testing.T, tg Target, c Change, stop int) (crashed bool, steps int) {
	t.Helper()
	afterStep = func(string) {
		steps++
		if steps == stop {
			panic(errCrash)
		}
	}
	defer func() {
		afterStep = func(string) {}
		if r := recover(); r != nil {
			if r != errCrash {
				panic(r)
			}
			crashed = true
		}
	}()
	if err := Apply(context.Background(), tg, c); err != nil {
		t.Fatalf("stop %d: %v", stop, err)
	}
	return false, steps
}

// TestApplyInterruptedAtEveryStep stops a transaction at each of its steps in turn, as a kill would, and
// checks that recovery leaves either the old state or the new one, never a mix, and no stage behind.
func TestApplyInterruptedAtEveryStep(t *testing.T) {
	oldA, newA, newB := folder("a v1"), folder("a v2"), folder("b v1")
	for stop := 1; ; stop++ {
		dir := t.TempDir()
		tg := Target{Dir: filepath.Join(dir, "sk"), Rel: "sk", Lock: filepath.Join(dir, "skills.lock")}
		// Before: a v1 installed and locked.
		before := &lockfile.Lock{Skills: []lockfile.Entry{entry("a", oldA)}}
		if err := Apply(context.Background(), tg, Change{Write: map[string]*snapshot.Folder{"a": oldA}, Lock: before}); err != nil {
			t.Fatal(err)
		}
		after := &lockfile.Lock{Skills: []lockfile.Entry{entry("a", newA), entry("b", newB)}}
		crashed, _ := applyStopped(t, tg, Change{Write: map[string]*snapshot.Folder{"a": newA, "b": newB}, Lock: after}, stop)
		if err := Recover(tg); err != nil {
			t.Fatalf("stop %d: recover: %v", stop, err)
		}
		l, err := lockfile.Read(tg.Lock)
		if err != nil {
			t.Fatalf("stop %d: lock: %v", stop, err)
		}
		// The disk matches whichever lock is there, skill by skill.
		for _, e := range l.Skills {
			got, err := localfs.ReadInstalled(filepath.Join(tg.Dir, e.Name))
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
	if err := Apply(context.Background(), a, Change{Write: map[string]*snapshot.Folder{"x": v1}, Lock: l}); err != nil {
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
		Apply(context.Background(), a, Change{Write: map[string]*snapshot.Folder{"x": v2}, Lock: l2})
	}()
	afterStep = func(string) {}
	// B commits, rewriting the shared lock (keeping A's entries as they are now).
	l3, err := lockfile.Read(lock)
	if err != nil {
		t.Fatal(err)
	}
	l3.Put(entryIn("b", "y", other))
	if err := Apply(context.Background(), b, Change{Write: map[string]*snapshot.Folder{"y": other}, Lock: l3}); err != nil {
		t.Fatal(err)
	}
	if err := Recover(a); err != nil {
		t.Fatal(err)
	}
	got, err := localfs.ReadInstalled(filepath.Join(a.Dir, "x"))
	if err != nil || got.Hash() != v2.Hash() {
		t.Fatalf("A's x is not the version its lock entry pins (%v)", err)
	}
	if ents, _ := os.ReadDir(a.Dir); len(ents) != 1 {
		t.Fatalf("stage left behind in A: %v", ents)
	}
}

// TestApplyStagingFailsCleanly stages many folders at once, one of which cannot be written (an unsafe
// path): Apply returns that folder's error, and leaves no stage, no folder and no lock behind, however
// the workers were interleaved.
func TestApplyStagingFailsCleanly(t *testing.T) {
	for round := range 20 {
		dir := t.TempDir()
		tg := Target{Dir: filepath.Join(dir, "sk"), Rel: "sk", Lock: filepath.Join(dir, "skills.lock")}
		write := map[string]*snapshot.Folder{}
		l := &lockfile.Lock{}
		for i := range 40 {
			n := "s" + string(rune('a'+i/26)) + string(rune('a'+i%26))
			write[n] = folder(n)
			l.Skills = append(l.Skills, entry(n, write[n]))
		}
		bad := []string{"sab", "sbm", "sam"}[round%3]
		write[bad] = &snapshot.Folder{Files: []snapshot.File{{Path: "../escape", Mode: snapshot.Regular, Data: []byte("x")}}}
		err := Apply(context.Background(), tg, Change{Write: write, Lock: l})
		if err == nil || !strings.Contains(err.Error(), "writing "+bad) {
			t.Fatalf("round %d: Apply = %v, want the error of %s", round, err, bad)
		}
		if ents, _ := os.ReadDir(tg.Dir); len(ents) != 0 {
			t.Fatalf("round %d: %d entries left in the target", round, len(ents))
		}
		if _, err := os.Stat(tg.Lock); !os.IsNotExist(err) {
			t.Fatalf("round %d: a lock was written: %v", round, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "escape")); !os.IsNotExist(err) {
			t.Fatalf("round %d: a file escaped the stage", round)
		}
	}
}
