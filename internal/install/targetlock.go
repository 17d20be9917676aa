package install

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/txn"
)

// change is what one command does to one target, as its plan says: the folders to write and to remove,
// and the lock (the one the plan edited). withTarget adds the placements and hands it to txn.Apply.
type change struct {
	write  map[string]*snapshot.Folder
	remove []string
	lock   *lockfile.Lock
	force  bool // placements may replace what skillctl did not put there
	// replaceable: of a lock merged by install, the hash each skill had on our side where the merge
	// chose another version (merged.replaceable): a copy placement holding it is replaced, not an edit.
	replaceable map[string]string
	notes       io.Writer // where a fallback from links to junctions or copies is said; nil for none
}

// withTarget runs edit with the target's lock held and the lock file loaded: it first finishes or undoes
// any interrupted change, then applies the change edit returns (unless dryRun or the change is empty).
// edit may change the lock it is given; that lock is what gets written.
func withTarget(ctx context.Context, t Target, dryRun bool, edit func(*lockfile.Lock) (*change, error)) error {
	return underLock(ctx, t, dryRun, applyStep, edit)
}

// checkTarget is withTarget stopped before txn.Apply: the folder checked, the lock held, an interrupted
// change finished or undone, the plan made and its placements worked out, nothing applied. A command of
// several targets (remove across folders) checks every one first, so that what refuses one refuses it
// before any is applied; a dry run, which neither recovers nor checks placements, would let a refusal
// there (a forged stage) through.
func checkTarget(ctx context.Context, t Target, edit func(*lockfile.Lock) (*change, error)) error {
	return underLock(ctx, t, false, checkStep, edit)
}

// readTarget is withTarget that never applies anything: the pipeline's plan step, and list and verify.
// With dryRun the lock file is read without taking the file lock or recovering, so a dry run changes
// nothing at all.
func readTarget(ctx context.Context, t Target, dryRun bool, read func(*lockfile.Lock) error) error {
	return underLock(ctx, t, dryRun, planStep, func(l *lockfile.Lock) (*change, error) { return nil, read(l) })
}

// step is how far underLock goes with the change edit returns.
type step int

const (
	planStep  step = iota // the plan alone (readTarget)
	checkStep             // the plan and its placements, nothing applied (checkTarget)
	applyStep             // txn.Apply (withTarget)
)

func underLock(ctx context.Context, t Target, dryRun bool, upTo step, edit func(*lockfile.Lock) (*change, error)) error {
	if dryRun {
		lock, err := readLock(t)
		if err != nil {
			return err
		}
		_, err = edit(lock)
		return err
	}
	if err := t.checkFolder(t.Dir); err != nil {
		return err
	}
	unlock, err := lockTarget(t)
	if err != nil {
		return err
	}
	defer unlock()
	if err := txn.Recover(t.txn()); err != nil {
		return err
	}
	lock, err := readLock(t)
	if err != nil {
		return err
	}
	before := lock.Marshal()
	c, err := edit(lock)
	if err != nil || c == nil || upTo == planStep {
		return err
	}
	c.lock = lock
	prev, err := lockfile.Parse(t.Lock, before)
	if err != nil {
		return err
	}
	place, err := placementOps(t, prev, lock, c.write, c.force, c.replaceable)
	if err != nil || upTo == checkStep {
		return err
	}
	if len(c.write) == 0 && len(c.remove) == 0 && len(place) == 0 && string(before) == string(lock.Marshal()) && exists(t.Lock) {
		return nil
	}
	return txn.Apply(ctx, t.txn(), txn.Change{Write: c.write, Remove: c.remove, Place: place, Lock: lock, Notes: c.notes})
}

// lockTarget serialises skillctl processes on one project: it locks the lock file's folder and the
// target folder, in path order so two processes never wait on each other crosswise.
func lockTarget(t Target) (func(), error) {
	// The lock's folder is the project: it must exist to hold the lock, so it may be created here.
	if err := os.MkdirAll(filepath.Dir(t.Lock), 0o755); err != nil {
		return nil, err
	}
	dirs := []string{filepath.Dir(t.Lock)}
	if exists(t.Dir) && t.Dir != dirs[0] {
		dirs = append(dirs, t.Dir) // a target outside the project has no folder in common with its lock
	}
	sort.Strings(dirs)
	return lockDirs(dirs...)
}

// readLock loads the lock, refusing a target folder checkFolder refuses as well: writing through it would
// put files outside the place the user named.
func readLock(t Target) (*lockfile.Lock, error) {
	if err := t.checkFolder(t.Dir); err != nil {
		return nil, err
	}
	l, err := lockfile.Read(t.Lock)
	var ce *lockfile.ConflictError
	switch {
	case errors.As(err, &ce):
		return nil, err // its hint is the command that merges it
	case err != nil:
		return nil, clierr.WithHint(err, "fix or restore "+filepath.Base(t.Lock)+" (it is never overwritten while it cannot be read)")
	}
	return l, nil
}

// checkFolder is the one path check before a change writes into or deletes from dir (txn.Target.CheckFolder):
// planning asks it here, txn's Apply, roll-back and roll-forward ask it there.
func (t Target) checkFolder(dir string) error { return t.txn().CheckFolder(dir) }

// txn is what the transaction needs of t: its folder, that folder as the lock records it, and the lock.
func (t Target) txn() txn.Target { return txn.Target{Dir: t.Dir, Rel: t.Rel, Lock: t.Lock} }
