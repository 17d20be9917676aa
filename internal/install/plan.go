package install

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/semver"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
)

// The plan step of each command: from what was resolved, the lock and the disk, the folders to write and
// remove and the lock as it will be, with the rows the command reports. Planning writes nothing; it is
// repeated under the file lock before applying (see pipeline).

// planInstall plans writing the resolved skills into t, refusing to overwrite what skillctl did not put
// there or what was edited since (unless forced). The report's rows are appended to rep.
func planInstall(t Target, res *resolution, lock *lockfile.Lock, opts Options, rep *Report) (*change, error) {
	c := &change{write: map[string]*snapshot.Folder{}, force: opts.Force, notes: opts.IO.NoteWriter()}
	before := lock.Marshal()
	for _, name := range res.order {
		n := res.Skills[name]
		entry := lockEntry(t, n)
		prev := lock.Find(t.Rel, name)
		action, err := decide(t, name, entry, prev, opts.Force)
		if err != nil {
			return nil, err
		}
		if prev != nil && prev.Requested {
			entry.Requested = true // a skill once asked for stays asked for
		}
		entry.Placements = mergePlacements(t, prev)
		rep.Installed = append(rep.Installed, installedEntry(entry, action, n.Folder))
		if action != "unchanged" {
			c.write[name] = n.Folder
		}
		lock.Put(entry)
	}
	if opts.Frozen && string(before) != string(lock.Marshal()) {
		return nil, frozenError(t, rep.Installed)
	}
	return c, nil
}

// planRemove plans deleting the named skills and their lock entries (with Prune, the orphans too: see
// orphans, whose kept ones are appended to rep). A skill another one needs, or a named one with local
// edits (unless forced), is refused.
func planRemove(t Target, lock *lockfile.Lock, opts RemoveOptions, rep *Removed) (*change, error) {
	gone := map[string]bool{}
	for _, n := range opts.Names {
		e := lock.Find(t.Rel, n)
		if e == nil {
			for _, p := range lock.PlacedIn(t.Rel) {
				if p.Name == n {
					return nil, clierr.WithHint(fmt.Errorf("%s: stored in %s and only placed in %s", n, p.Dir, t.Rel),
						"pass the --agent list you installed it with, to remove it from every agent's folder",
						"or name no --agent: skillctl remove "+n+" removes it wherever the lock stores it")
				}
			}
			if exists(filepath.Join(t.Dir, n)) {
				return nil, foreignFolder(t, n, "remove")
			}
			return nil, notInstalled(t, lock, n, "remove")
		}
		gone[n] = true
	}
	for _, e := range lock.In(t.Rel) {
		if gone[e.Name] {
			continue
		}
		for _, d := range e.Dependencies {
			if gone[d] {
				return nil, clierr.WithHint(fmt.Errorf("%s: needed by %s", d, e.Name), "remove both: skillctl remove "+d+" "+e.Name)
			}
		}
	}
	if opts.Prune {
		prune, kept := orphans(t, lock, gone, opts.Force)
		for _, n := range prune {
			gone[n] = true
		}
		rep.Kept = append(rep.Kept, kept...)
	}
	for _, e := range lock.In(t.Rel) {
		if !gone[e.Name] {
			continue
		}
		if st, _ := stateOf(t, e); st == StateModified && !opts.Force {
			return nil, clierr.WithHint(fmt.Errorf("%s: has local edits; not deleting them", e.Name), "skillctl verify  # to see which files changed", "or remove it anyway with --force")
		}
		rep.Removed = append(rep.Removed, e.Name)
		lock.Remove(t.Rel, e.Name)
	}
	return &change{remove: rep.Removed, force: opts.Force}, nil
}

// Kept is an orphan that pruning leaves in place, and why.
type Kept struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// orphans is the one prune rule, for remove --prune, prune and update --prune: the skills of t that no
// requested skill needs any more (none reaches them through dependencies), once the names in gone are
// gone. An orphan with local edits is kept and reported, not deleted, unless force: it may hold the only
// copy of someone's work, and one such orphan does not block pruning the rest. What a kept orphan depends
// on is kept with it, so the lock never records a dependency it does not list.
func orphans(t Target, lock *lockfile.Lock, gone map[string]bool, force bool) (prune []string, kept []Kept) {
	ents := lock.In(t.Rel)
	byName := map[string]lockfile.Entry{}
	for _, e := range ents {
		byName[e.Name] = e
	}
	live := map[string]bool{}   // reached from a requested skill that stays
	keep := map[string]string{} // an orphan kept, and why
	var walk func(name string, mark func(string) bool)
	walk = func(name string, mark func(string) bool) {
		e, ok := byName[name]
		if !ok || gone[name] || !mark(name) {
			return
		}
		for _, d := range e.Dependencies {
			walk(d, mark)
		}
	}
	for _, e := range ents {
		if e.Requested {
			walk(e.Name, func(n string) bool {
				if live[n] {
					return false
				}
				live[n] = true
				return true
			})
		}
	}
	for _, e := range ents {
		if force || live[e.Name] || gone[e.Name] || keep[e.Name] != "" {
			continue
		}
		if st, _ := stateOf(t, e); st != StateModified {
			continue
		}
		keep[e.Name] = "has local edits"
		for _, d := range e.Dependencies {
			walk(d, func(n string) bool {
				if live[n] || keep[n] != "" {
					return false
				}
				keep[n] = "needed by " + e.Name + ", which is kept"
				return true
			})
		}
	}
	for _, e := range ents {
		switch {
		case live[e.Name] || gone[e.Name]:
		case keep[e.Name] != "":
			kept = append(kept, Kept{Name: e.Name, Reason: keep[e.Name]})
		default:
			prune = append(prune, e.Name)
		}
	}
	return prune, kept
}

// planFromLock plans restoring what the lock records for t: the same commits, checked against the same
// content hashes. Skills on disk that match are left alone; loaded remembers fetched folders between the
// two planning passes.
func planFromLock(ctx context.Context, r *resolver.Resolver, t Target, lock *lockfile.Lock, opts Options, rep *Report, loaded map[string]*snapshot.Folder, m *merged) (*change, error) {
	c := &change{write: map[string]*snapshot.Folder{}, force: opts.Force, notes: opts.IO.NoteWriter()}
	if m != nil {
		c.replaceable = m.replaceable
	}
	var errs []error
	// First what the disk already holds and what must be fetched; then every folder to fetch at once
	// (resolver.LoadAll: one fetch per repository and commit), then the checks, in the lock's order.
	type restore struct {
		e     lockfile.Entry
		st    string
		disk  *snapshot.Folder
		o     resolver.Origin
		fetch bool
	}
	var todo []restore
	var need []resolver.Origin
	for _, e := range lock.In(t.Rel) {
		for _, d := range e.Dependencies {
			if lock.Find(t.Rel, d) == nil {
				errs = append(errs, fmt.Errorf("%s: depends on %s, which the lock does not list", e.Name, d))
			}
		}
		st, disk := stateOf(t, e)
		if st == StateOK {
			todo = append(todo, restore{e: e, st: st, disk: disk})
			continue
		}
		otherSide := m != nil && disk != nil && disk.Hash() == m.replaceable[e.Dir+"\x00"+e.Name] // the version the merge replaced
		if st == StateModified && !opts.Force && !otherSide {
			errs = append(errs, clierr.WithHint(fmt.Errorf("%s: has local edits; not overwriting them", e.Name), "or discard them with --force"))
			continue
		}
		o, err := entryOrigin(t, e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		opts.IO.Note(fmt.Sprintf("%s: restoring from %s", e.Name, o))
		if p := sourceMismatch(e); p != "" {
			opts.IO.Warn(e.Name, p)
		}
		todo = append(todo, restore{e: e, st: st, disk: disk, o: o, fetch: true})
		if loaded[o.Key()+" "+e.Hash] == nil {
			need = append(need, o)
		}
	}
	got := r.LoadAll(ctx, need)
	for _, x := range todo {
		e, o := x.e, x.o
		if !x.fetch {
			rep.Installed = append(rep.Installed, installedEntry(e, "unchanged", x.disk))
			continue
		}
		f := loaded[o.Key()+" "+e.Hash]
		if f == nil {
			l := got[o.Key()]
			if l.Err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", e.Name, l.Err))
				continue
			}
			f = l.Folder
			loaded[o.Key()+" "+e.Hash] = f
		}
		if f.Hash() != e.Hash {
			errs = append(errs, clierr.WithHint(fmt.Errorf("%s: content hash mismatch: the lock says %s, %s has %s", e.Name, e.Hash, o, f.Hash()),
				"the lock was edited or the source was rewritten; reinstall the skill from a source you trust"))
			continue
		}
		if err := checkContents(e.Name, f, opts.Limits); err != nil {
			errs = append(errs, err)
			continue
		}
		c.write[e.Name] = f
		action := "install"
		if x.st == StateModified {
			action = "replace"
		}
		rep.Installed = append(rep.Installed, installedEntry(e, action, f))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// movedMajor is the major query (v2) of release to when it is in another major than release from, else "".
func movedMajor(from, to string) string {
	f, ok1 := semver.Parse(from)
	t, ok2 := semver.Parse(to)
	if !ok1 || !ok2 || f.Major == t.Major {
		return ""
	}
	return t.MajorText()
}

// planUpdate plans moving t to what was resolved: changed folders written, new dependencies added, the
// ones no longer needed reported (or, with Prune, removed). Local edits are not overwritten unless forced.
func planUpdate(t Target, res *resolution, lock *lockfile.Lock, opts UpdateOptions, plan *[]Updated) (*change, error) {
	c := &change{write: map[string]*snapshot.Folder{}, force: opts.Force, notes: opts.IO.NoteWriter()}
	for _, name := range res.order {
		n := res.Skills[name]
		next := lockEntry(t, n)
		prev := lock.Find(t.Rel, name)
		u := Updated{Name: name, ToCommit: next.Commit, ToVersion: next.Version, ToHash: next.Hash}
		switch {
		case prev == nil:
			u.Action = "add"
			if exists(joinTarget(t, name)) && !opts.Force {
				return nil, foreignFolder(t, name, "dependency")
			}
			c.write[name] = n.Folder
		default:
			u.FromCommit, u.FromVersion, u.FromHash = prev.Commit, prev.Version, prev.Hash
			if !sameOrigin(prev, &next) && !opts.Force {
				return nil, clierr.WithHint(fmt.Errorf("%s: would now come from %s, not from %s as installed", name, describeEntry(&next), describeEntry(prev)),
					"skillctl remove "+name+"  # then install the one you want", "or accept the new source with --force")
			}
			// How it was asked for stays: the source text and, for a repository, the registry that named it.
			next.Requested = prev.Requested
			next.Source = prev.Source
			if q := movedMajor(prev.Version, next.Version); q != "" {
				// update --major: the text names the major it moved to, as install of that text would record.
				next.Source = source.WithVersion(prev.Source, q)
			}
			if next.From() == prev.From() && (next.From() == lockfile.FromRepo || next.From() == lockfile.FromWeb) && next.Registry == "" {
				next.Registry = prev.Registry
			}
			if prev.Hash == next.Hash {
				u.Action = "unchanged"
				switch st, _ := stateOf(t, *prev); st {
				case StateMissing:
					u.Action = "restore"
					c.write[name] = n.Folder
				case StateModified:
					u.Edited = true
				}
			} else {
				u.Action = "update"
				c.write[name] = n.Folder
				if st, _ := stateOf(t, *prev); st == StateModified && !opts.Force {
					if !opts.DryRun {
						return nil, clierr.WithHint(fmt.Errorf("%s: has local edits (its files differ from skills.lock); not overwriting them", name),
							"skillctl verify  # to see which files changed", "or discard the edits with --force")
					}
					// A dry run (and check) shows the plan: this update exists, and applying it needs --force.
					u.Edited = true
				}
			}
		}
		next.Placements = mergePlacements(t, prev)
		lock.Put(next)
		*plan = append(*plan, u)
	}
	// Dependencies nothing requested needs any more: reported, or with Prune removed (one with local edits
	// is kept and reported, as remove --prune does).
	prune, kept := orphans(t, lock, nil, opts.Force)
	for _, k := range kept {
		e := lock.Find(t.Rel, k.Name)
		*plan = append(*plan, Updated{Name: k.Name, Action: "stale", FromCommit: e.Commit, FromHash: e.Hash,
			Edited: k.Reason == "has local edits", Kept: k.Reason})
	}
	for _, n := range prune {
		e := lock.Find(t.Rel, n)
		u := Updated{Name: n, Action: "stale", FromCommit: e.Commit, FromHash: e.Hash}
		if opts.Prune {
			u.Action = "remove"
			lock.Remove(t.Rel, n)
			c.remove = append(c.remove, n)
		}
		*plan = append(*plan, u)
	}
	return c, nil
}
