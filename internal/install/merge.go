package install

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/skillctl/skillctl/internal/textsafe"
	"github.com/skillctl/skillctl/internal/txn"
)

// A lock two git branches both changed is merged here, the same way in both places it happens: `skillctl
// install` on a lock git left with conflict markers (mergeConflicted), and the git merge driver
// `skillctl lock merge %O %A %B` (MergeFiles). lockfile.Merge decides what it can from the two sides
// alone; decideVersions decides the rest from the world: of one skill at two commits, the newer commit.

// merged is a conflicted lock resolved into one: the lock written, and the hash each skill had on our
// side where the merge chose another version, so the restore replaces that folder instead of taking it
// for a local edit.
type merged struct {
	lock        *lockfile.Lock
	replaceable map[string]string // dir + "\x00" + name → our side's hash
}

// mergeConflicted resolves a lock git left mid-merge (nil when the lock is not): both sides merged by
// lockfile.Merge, versions decided by decideVersions, every skill that did not come from our side fetched
// at its commit and checked against its hash, and then the one lock written in place of the conflicted
// file, under the target lock, if that file is still what was merged. What was decided is said.
func mergeConflicted(ctx context.Context, r *resolver.Resolver, opts Options) (*merged, error) {
	t, err := ResolveTarget(opts.Target)
	if err != nil {
		return nil, clierr.Usage(err)
	}
	_, err = lockfile.Read(t.Lock)
	var ce *lockfile.ConflictError
	if !errors.As(err, &ce) {
		return nil, nil // no conflict: the restore reads the lock and says what else may be wrong with it
	}
	name := filepath.Base(t.Lock)
	if opts.Frozen {
		return nil, clierr.WithHint(fmt.Errorf("%s: mid-merge: --frozen does not write the merged lock", name),
			"skillctl install   # without --frozen, merges both sides and writes one lock; then commit it")
	}
	opts.IO.StartProgress("merging both sides of " + name)
	defer opts.IO.StopProgress()
	lock, notes, err := lockfile.Merge(ce.Base, ce.Ours, ce.Theirs, decideVersions(ctx, r, t))
	for _, n := range notes {
		opts.IO.Note(name + ": " + n)
	}
	if err != nil {
		return nil, clierr.WithHint(fmt.Errorf("%s: mid-merge, and the two sides cannot be merged: %w", name, err),
			"git checkout --ours "+name+"   # or --theirs: keep one side, then install what the other added: skillctl install SOURCE")
	}
	m := &merged{lock: lock, replaceable: map[string]string{}}
	ours := map[string]string{}
	for _, e := range ce.Ours.Skills {
		ours[e.Dir+"\x00"+e.Name] = e.Hash
	}
	for _, e := range lock.Skills {
		k := e.Dir + "\x00" + e.Name
		h, had := ours[k]
		if had && h == e.Hash {
			continue // ours, as the project had it
		}
		if had {
			m.replaceable[k] = h
		}
		if err := checkEntry(ctx, r, t, e); err != nil {
			return nil, err
		}
	}
	side := func(l *lockfile.Lock) string {
		if len(l.Skills) == 1 {
			return "1 skill"
		}
		return fmt.Sprintf("%d skills", len(l.Skills))
	}
	how := "the union"
	if ce.Base != nil {
		how = "each side's changes to the common version"
	}
	if opts.DryRun {
		opts.IO.Note(fmt.Sprintf("%s: mid-merge: ours has %s, theirs %s; would write %s, %s (nothing written)", name, side(ce.Ours), side(ce.Theirs), side(lock), how))
		return m, nil
	}
	if err := replaceConflicted(t, ce, lock); err != nil {
		return nil, err
	}
	opts.IO.Note(fmt.Sprintf("%s: was mid-merge: merged ours (%s) and theirs (%s) into one lock of %s, %s; checked and written", name, side(ce.Ours), side(ce.Theirs), side(lock), how))
	return m, nil
}

// checkEntry fetches a merged entry's folder at its recorded commit (or reads its local folder or bundled
// skill) and checks it against the entry's hash before the merged lock is written.
func checkEntry(ctx context.Context, r *resolver.Resolver, t Target, e lockfile.Entry) error {
	o, err := entryOrigin(t, e)
	if err != nil {
		return err
	}
	f, err := r.Load(ctx, o)
	if err != nil {
		return fmt.Errorf("%s: %w", e.Name, err)
	}
	if f.Hash() != e.Hash {
		return clierr.WithHint(fmt.Errorf("%s: content hash mismatch: one side of the merge says %s, %s has %s", e.Name, e.Hash, o, f.Hash()),
			"that side's lock was edited or its source was rewritten; keep the other side (git checkout --ours or --theirs) and reinstall the skill from a source you trust")
	}
	return nil
}

// replaceConflicted writes lock in place of the conflicted lock file, under the target lock, if the file
// still holds the conflict that was merged.
func replaceConflicted(t Target, ce *lockfile.ConflictError, lock *lockfile.Lock) error {
	unlock, err := lockTarget(t)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = lockfile.Read(t.Lock)
	var now *lockfile.ConflictError
	if !errors.As(err, &now) || !bytes.Equal(now.Ours.Marshal(), ce.Ours.Marshal()) || !bytes.Equal(now.Theirs.Marshal(), ce.Theirs.Marshal()) {
		return clierr.WithHint(errMoved, "run the command again")
	}
	return txn.WriteLock(t.Lock, lock.Marshal())
}

// decideVersions decides between two versions of one skill: of a repository folder at two commits, the
// newer commit, by the committer time in each commit object (fetched, or read from the cache); of a
// local folder or a bundled skill with two hashes, the one that matches the folder or the skill as it is
// now. Two commits made in the same second cannot be told apart: that is an error naming both.
func decideVersions(ctx context.Context, r *resolver.Resolver, t Target) lockfile.Decide {
	return func(ours, theirs lockfile.Entry) (lockfile.Entry, string, error) {
		if ours.From() != lockfile.FromRepo {
			o, err := entryOrigin(t, ours)
			if err != nil {
				return lockfile.Entry{}, "", err
			}
			f, err := r.Load(ctx, o)
			if err != nil {
				return lockfile.Entry{}, "", fmt.Errorf("%s: %w", ours.Name, err)
			}
			for _, e := range []lockfile.Entry{ours, theirs} {
				if f.Hash() == e.Hash {
					return e, fmt.Sprintf("%s: the two sides recorded two versions of %s; kept the one it holds now", e.Name, o), nil
				}
			}
			return lockfile.Entry{}, "", fmt.Errorf("%s: the two sides recorded two versions of %s, and it now holds neither", ours.Name, o)
		}
		// A side names a repository as a cloned lock does: one on this machine is read only inside the
		// project (lockfile.Entry.Reads), even for its commit time.
		for _, e := range []lockfile.Entry{ours, theirs} {
			if _, err := e.Reads(t.base()); err != nil {
				return lockfile.Entry{}, "", err
			}
		}
		to, err := r.CommitTime(ctx, ours.Repo, ours.Commit)
		if err != nil {
			return lockfile.Entry{}, "", fmt.Errorf("%s: cannot tell which of its two commits is newer: %w", ours.Name, err)
		}
		tt, err := r.CommitTime(ctx, theirs.Repo, theirs.Commit)
		if err != nil {
			return lockfile.Entry{}, "", fmt.Errorf("%s: cannot tell which of its two commits is newer: %w", theirs.Name, err)
		}
		when := func(c string, at time.Time) string {
			return resolver.Short(c) + " (committed " + at.Format(time.RFC3339) + ")"
		}
		switch {
		case to.Equal(tt):
			return lockfile.Entry{}, "", clierr.WithHint(fmt.Errorf("%s: ours is at %s and theirs at %s, committed in the same second; which is newer cannot be told",
				ours.Name, resolver.Short(ours.Commit), resolver.Short(theirs.Commit)),
				"keep one side (git checkout --ours or --theirs "+lockfile.Name+"), then: skillctl update "+ours.Name)
		case tt.After(to):
			return theirs, fmt.Sprintf("%s: ours is at %s, theirs at %s; kept theirs, the newer commit by its committer time", ours.Name, when(ours.Commit, to), when(theirs.Commit, tt)), nil
		}
		return ours, fmt.Sprintf("%s: ours is at %s, theirs at %s; kept ours, the newer commit by its committer time", ours.Name, when(ours.Commit, to), when(theirs.Commit, tt)), nil
	}
}

// MergeOptions are `skillctl lock merge`'s: the three versions git hands a merge driver.
type MergeOptions struct {
	Base, Ours, Theirs string // %O, %A (where the result goes), %B
	Target             TargetOptions
	Limits             Limits
	IO                 *streams.IO
}

// MergeFiles is the git merge driver: it merges the lock versions Base (the common ancestor; empty or
// missing when there is none), Ours and Theirs as install merges a conflicted lock, and writes the result
// over Ours. When they cannot be merged (two different skills under one name, a version it cannot decide,
// a side that is not a lock), it writes both versions between conflict markers over Ours, as git would,
// and returns the error: git then reports the conflict, and `skillctl install` or a person resolves it.
func MergeFiles(ctx context.Context, opts MergeOptions) ([]string, error) {
	read := func(path string, optional bool) ([]byte, *lockfile.Lock, error) {
		data, err := readProjectless(path)
		if optional && (errors.Is(err, os.ErrNotExist) || err == nil && len(bytes.TrimSpace(data)) == 0) {
			return nil, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		l, err := lockfile.Parse(path, data)
		return data, l, err
	}
	baseData, base, berr := read(opts.Base, true)
	if berr != nil {
		base = nil // a base that is not a lock only costs the three-way view: the union is taken
	}
	oursData, ours, oerr := read(opts.Ours, false)
	theirsData, theirs, terr := read(opts.Theirs, false)
	if err := errors.Join(oerr, terr); err != nil {
		if oursData != nil && theirsData != nil {
			_ = txn.WriteLock(opts.Ours, lockfile.Conflicted(baseData, oursData, theirsData))
		}
		return nil, err
	}
	t, err := ResolveTarget(opts.Target)
	if err != nil {
		return nil, clierr.Usage(err)
	}
	r := newResolver(opts.Target, opts.IO, opts.Limits)
	lock, notes, err := lockfile.Merge(base, ours, theirs, decideVersions(ctx, r, t))
	if err != nil {
		if werr := txn.WriteLock(opts.Ours, lockfile.Conflicted(baseData, oursData, theirsData)); werr != nil {
			return notes, errors.Join(err, werr)
		}
		return notes, clierr.WithHint(fmt.Errorf("%s: not merged: %w", textsafe.Escape(opts.Ours), err),
			"the conflict is left in the file: resolve it with skillctl install, which says what it decides")
	}
	return notes, txn.WriteLock(opts.Ours, lock.Marshal())
}

// readProjectless reads a version of the lock git wrote for its merge driver (a temporary file of the
// repository): a regular file, never a link, within the lock's size cap.
func readProjectless(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", textsafe.Escape(path))
	}
	pf, err := localfs.ReadProjectFile(filepath.Dir(path), path, lockfile.MaxSize)
	if err != nil {
		return nil, err
	}
	return pf.Data, nil
}
