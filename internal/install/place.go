package install

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/txn"
)

// A skill installed for several agents is stored once, in the target folder, and placed in each other
// agent's folder as a link to it (or a copy, with --copy or where links cannot be made). The lock records
// every placement; withTarget derives the placements a change must create or delete by comparing the lock
// before and after the change with the disk, so install, update, remove, prune and restore all keep them
// right without code of their own; txn makes them, inside the same crash-safe transaction as the skills'
// folders.

// storeOf is the target a skill placed in t is stored in (its Dir, with t's lock).
func (t Target) storeOf(e lockfile.Entry) Target {
	return Target{Dir: t.absolute(e.Dir), Rel: e.Dir, Lock: t.Lock, Base: t.Base}
}

// pointsTo reports whether p is a link (or junction) that resolves to want.
func pointsTo(p, want string) bool {
	dest, err := os.Readlink(p)
	if err != nil {
		return false
	}
	if !filepath.IsAbs(dest) {
		dest = filepath.Join(filepath.Dir(p), dest)
	}
	return filepath.Clean(dest) == filepath.Clean(want)
}

// Placement states, as list and verify report them.
const (
	PlaceOK       = "ok"
	PlaceMissing  = "missing"
	PlaceBroken   = "broken"   // a link that points elsewhere, or something else where the link belongs
	PlaceModified = "modified" // a copy whose files differ from the lock
)

// placementState compares one recorded placement with the disk.
func placementState(t Target, e lockfile.Entry, p lockfile.Placement) string {
	at := filepath.Join(t.absolute(p.Dir), e.Name)
	store := filepath.Join(t.Dir, e.Name)
	if _, err := os.Readlink(at); err == nil {
		if (p.Mode == lockfile.ModeLink || p.Mode == lockfile.ModeJunction) && pointsTo(at, store) {
			return PlaceOK
		}
		return PlaceBroken
	}
	fi, err := os.Lstat(at)
	switch {
	case err != nil:
		return PlaceMissing
	case p.Mode != lockfile.ModeCopy || !fi.IsDir():
		return PlaceBroken
	}
	if f, err := readInstalled(at); err != nil || f.Hash() != e.Hash {
		return PlaceModified
	}
	return PlaceOK
}

// holds reports whether the folder at path is a real folder whose files hash to hash.
func holds(path, hash string) bool {
	if hash == "" {
		return false
	}
	fi, err := os.Lstat(path)
	if err != nil || !fi.IsDir() {
		return false
	}
	f, err := readInstalled(path)
	return err == nil && f.Hash() == hash
}

// placementOps derives what a change must do to the placements of t's skills: create those the new lock
// records that are not right on disk (or whose copies are out of date), delete those it no longer
// records. Anything at a placement's path that skillctl did not put there is left alone unless force; a
// copy holding the version a merge replaced (replaceable, by dir and name) is no local edit.
func placementOps(t Target, before, after *lockfile.Lock, written map[string]*snapshot.Folder, force bool, replaceable map[string]string) ([]txn.PlaceOp, error) {
	var ops []txn.PlaceOp
	for _, e := range after.In(t.Rel) {
		prev := before.Find(t.Rel, e.Name)
		for _, p := range e.Placements {
			op := txn.PlaceOp{Dir: t.absolute(p.Dir), Name: e.Name, Mode: p.Mode, Store: filepath.Join(t.Dir, e.Name), Entry: p.Dir}
			if err := t.checkFolder(op.Dir); err != nil {
				return nil, err
			}
			st := placementState(t, e, p)
			recorded := prev != nil && hasPlacement(prev, p.Dir)
			if st == PlaceOK && !(p.Mode == lockfile.ModeCopy && written[e.Name] != nil) {
				continue
			}
			op.Existed = exists(op.Path())
			if op.Existed && !force {
				switch {
				case !recorded && !pointsTo(op.Path(), op.Store):
					return nil, clierr.WithHint(fmt.Errorf("%s: %s already exists and was not placed by skillctl", e.Name, op.Path()),
						"move it away, or replace it with --force")
				case recorded && placementState(t, *prev, lockfile.Placement{Dir: p.Dir, Mode: placementMode(prev, p.Dir)}) == PlaceModified &&
					!holds(op.Path(), replaceable[e.Dir+"\x00"+e.Name]):
					return nil, clierr.WithHint(fmt.Errorf("%s: the copy in %s has local edits; not overwriting them", e.Name, op.Dir),
						"or discard them with --force")
				}
			}
			if p.Mode == lockfile.ModeCopy {
				op.Folder = written[e.Name]
				if op.Folder == nil {
					f, err := readInstalled(op.Store)
					if err != nil || f.Hash() != e.Hash {
						return nil, clierr.WithHint(fmt.Errorf("%s: cannot copy it into %s: the stored copy in %s does not match the lock", e.Name, op.Dir, t.Dir),
							"skillctl install --force  # to restore it first")
					}
					op.Folder = f
				}
			}
			ops = append(ops, op)
		}
	}
	for _, e := range before.In(t.Rel) {
		next := after.Find(t.Rel, e.Name)
		for _, p := range e.Placements {
			if next != nil && hasPlacement(next, p.Dir) {
				continue
			}
			op := txn.PlaceOp{Dir: t.absolute(p.Dir), Name: e.Name, Store: filepath.Join(t.Dir, e.Name), Entry: p.Dir}
			// Deleting is writing: through a linked agent folder it would delete the skill out there.
			if err := t.checkFolder(op.Dir); err != nil {
				return nil, err
			}
			if !exists(op.Path()) {
				continue
			}
			switch st := placementState(t, e, p); {
			case st == PlaceModified && !force:
				return nil, clierr.WithHint(fmt.Errorf("%s: the copy in %s has local edits; not deleting them", e.Name, op.Dir),
					"or remove it anyway with --force")
			case st == PlaceBroken && !force:
				// Not ours any more: someone replaced the link. Leave it.
				continue
			}
			op.Existed = true
			ops = append(ops, op)
		}
	}
	return ops, nil
}

func placementMode(e *lockfile.Entry, dir string) string {
	for _, p := range e.Placements {
		if p.Dir == dir {
			return p.Mode
		}
	}
	return ""
}

func hasPlacement(e *lockfile.Entry, dir string) bool {
	for _, p := range e.Placements {
		if p.Dir == dir {
			return true
		}
	}
	return false
}

// mergePlacements is what an install records for a skill: the placements it had (keeping their modes, so
// an update or a reinstall never turns a copy into a link) and one for every chosen folder it lacked.
func mergePlacements(t Target, prev *lockfile.Entry) []lockfile.Placement {
	var out []lockfile.Placement
	if prev != nil {
		out = append(out, prev.Placements...)
	}
	mode := lockfile.ModeLink
	if t.Copy {
		mode = lockfile.ModeCopy
	}
	for _, l := range t.Links {
		if l.Rel == t.Rel || (prev != nil && hasPlacement(prev, l.Rel)) {
			continue
		}
		out = append(out, lockfile.Placement{Dir: l.Rel, Mode: mode})
	}
	return out
}

// PlacedIn describes where a report's skills are placed besides the target: "DIR (link), DIR (copy)".
func PlacedIn(ins []Installed) string {
	seen := map[string]bool{}
	var out []string
	for _, in := range ins {
		for _, p := range in.Placements {
			s := p.Dir + " (" + p.Mode + ")"
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
