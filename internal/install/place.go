package install

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// A skill installed for several agents is stored once, in the target folder, and placed in each other
// agent's folder as a link to it (or a copy, with --copy or where links cannot be made). The lock records
// every placement; withTarget derives the placements a change must create or delete by comparing the lock
// before and after the change with the disk, so install, update, remove, prune and restore all keep them
// right without code of their own, inside the same crash-safe transaction as the skills' folders.

// storeOf is the target a skill placed in t is stored in (its Dir, with t's lock).
func (t Target) storeOf(e lockfile.Entry) Target {
	return Target{Dir: t.absolute(e.Dir), Rel: e.Dir, Lock: t.Lock, Base: t.Base}
}

// placeOp is one placement a change creates (Mode set) or deletes (Mode "").
type placeOp struct {
	Dir     string `json:"dir"`     // absolute folder the placement lives in
	Name    string `json:"name"`    // the skill
	Mode    string `json:"mode"`    // link, junction, copy; "" to delete
	Store   string `json:"store"`   // absolute folder of the stored skill (what a link points to)
	Existed bool   `json:"existed"` // something was at Dir/Name before the change
	Entry   string `json:"entry"`   // the placement's dir as the lock records it
	folder  *snapshot.Folder
}

func (op placeOp) path() string { return filepath.Join(op.Dir, op.Name) }

// linkTarget is what a link at dir/name holds: relative to dir, so a project moved elsewhere keeps working.
func linkTarget(dir, store string) string {
	if r, err := filepath.Rel(dir, store); err == nil {
		return r
	}
	return store
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

// placementOps derives what a change must do to the placements of t's skills: create those the new lock
// records that are not right on disk (or whose copies are out of date), delete those it no longer
// records. Anything at a placement's path that skillctl did not put there is left alone unless force.
func placementOps(t Target, before, after *lockfile.Lock, written map[string]*snapshot.Folder, force bool) ([]placeOp, error) {
	var ops []placeOp
	for _, e := range after.In(t.Rel) {
		prev := before.Find(t.Rel, e.Name)
		for _, p := range e.Placements {
			op := placeOp{Dir: t.absolute(p.Dir), Name: e.Name, Mode: p.Mode, Store: filepath.Join(t.Dir, e.Name), Entry: p.Dir}
			if err := t.checkFolder(op.Dir); err != nil {
				return nil, err
			}
			st := placementState(t, e, p)
			recorded := prev != nil && hasPlacement(prev, p.Dir)
			if st == PlaceOK && !(p.Mode == lockfile.ModeCopy && written[e.Name] != nil) {
				continue
			}
			op.Existed = exists(op.path())
			if op.Existed && !force {
				switch {
				case !recorded && !pointsTo(op.path(), op.Store):
					return nil, clierr.WithHint(fmt.Errorf("%s: %s already exists and was not placed by skillctl", e.Name, op.path()),
						"move it away, or replace it with --force")
				case recorded && placementState(t, *prev, lockfile.Placement{Dir: p.Dir, Mode: placementMode(prev, p.Dir)}) == PlaceModified:
					return nil, clierr.WithHint(fmt.Errorf("%s: the copy in %s has local edits; not overwriting them", e.Name, op.Dir),
						"or discard them with --force")
				}
			}
			if p.Mode == lockfile.ModeCopy {
				op.folder = written[e.Name]
				if op.folder == nil {
					f, err := readInstalled(op.Store)
					if err != nil || f.Hash() != e.Hash {
						return nil, clierr.WithHint(fmt.Errorf("%s: cannot copy it into %s: the stored copy in %s does not match the lock", e.Name, op.Dir, t.Dir),
							"skillctl install --force  # to restore it first")
					}
					op.folder = f
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
			op := placeOp{Dir: t.absolute(p.Dir), Name: e.Name, Store: filepath.Join(t.Dir, e.Name), Entry: p.Dir}
			// Deleting is writing: through a linked agent folder it would delete the skill out there.
			if err := t.checkFolder(op.Dir); err != nil {
				return nil, err
			}
			if !exists(op.path()) {
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

// symlink is os.Symlink; tests replace it to act as Windows without the privilege does.
var symlink = os.Symlink

// linkMode finds out, once per change, how links can be made next to stage: a symbolic link, else a
// junction (Windows), else a copy. Every fallback is said on w: a skill that an agent cannot see must never
// look installed.
func linkMode(stage string, w io.Writer) string {
	probe := filepath.Join(stage, "probe")
	target := filepath.Join(stage, "new")
	err := symlink("new", probe)
	if err == nil {
		os.Remove(probe)
		return lockfile.ModeLink
	}
	if jerr := makeJunction(target, probe); jerr == nil {
		os.Remove(probe)
		fmt.Fprintf(w, "cannot make symbolic links here (%v); placing skills as junctions with absolute targets instead\n", err)
		return lockfile.ModeJunction
	}
	fmt.Fprintf(w, "cannot make symbolic links or junctions here (%v); placing real copies instead\n", err)
	return lockfile.ModeCopy
}

// setPlacementMode rewrites the mode the lock records for one placement (after linkMode fell back).
func setPlacementMode(l *lockfile.Lock, rel, name, dir, mode string) {
	e := l.Find(rel, name)
	if e == nil {
		return
	}
	for i := range e.Placements {
		if e.Placements[i].Dir == dir {
			e.Placements[i].Mode = mode
		}
	}
}

// place creates one placement; op.Mode is final (linkMode already ran). A copy comes from stagedCopy.
func place(op placeOp, stagedCopy string) error {
	if err := os.MkdirAll(op.Dir, 0o755); err != nil {
		return err
	}
	switch op.Mode {
	case lockfile.ModeLink:
		return symlink(linkTarget(op.Dir, op.Store), op.path())
	case lockfile.ModeJunction:
		return makeJunction(op.Store, op.path())
	case lockfile.ModeCopy:
		return os.Rename(stagedCopy, op.path())
	}
	return fmt.Errorf("%s: unknown placement mode %q", op.path(), op.Mode)
}

// unplace deletes what is at a placement's path: a link itself, never what it points to.
func unplace(p string) error {
	if _, err := os.Readlink(p); err == nil {
		return removeLink(p)
	}
	return os.RemoveAll(p)
}

// stagePlacements settles how links are made here (falling back to junctions or copies, and recording
// that in the lock before the journal names the lock's hash), then stages every copy in stage/pnew.
func stagePlacements(t Target, stage string, c *change) error {
	if len(c.place) == 0 {
		return nil
	}
	mode := ""
	for i := range c.place {
		op := &c.place[i]
		if op.Mode != lockfile.ModeLink {
			continue
		}
		if mode == "" {
			w := c.notes
			if w == nil {
				w = io.Discard
			}
			mode = linkMode(stage, w)
		}
		if mode == lockfile.ModeLink {
			continue
		}
		op.Mode = mode
		setPlacementMode(c.lock, t.Rel, op.Name, op.Entry, mode)
		if mode == lockfile.ModeCopy && op.folder == nil {
			op.folder = c.write[op.Name]
			if op.folder == nil {
				f, err := readInstalled(op.Store)
				if err != nil {
					return fmt.Errorf("%s: reading it to copy: %w", op.Name, err)
				}
				op.folder = f
			}
		}
	}
	for i, op := range c.place {
		if op.Mode != lockfile.ModeCopy {
			continue
		}
		dst := filepath.Join(stage, "pnew", fmt.Sprint(i))
		if err := localfs.Write(dst, op.folder); err != nil {
			return fmt.Errorf("%s: staging a copy for %s: %w", op.Name, op.Dir, err)
		}
		if back, err := readInstalled(dst); err != nil || back.Hash() != op.folder.Hash() {
			return fmt.Errorf("%s: the staged copy for %s does not match", op.Name, op.Dir)
		}
	}
	return nil
}

func stageSlot(stage, kind string, i int) string { return filepath.Join(stage, kind, fmt.Sprint(i)) }

// applyPlacement moves whatever is at the placement's path into stage/pold/i, then makes the placement.
func applyPlacement(t Target, stage string, i int, op placeOp) error {
	if err := t.checkFolder(op.Dir); err != nil {
		return err
	}
	if exists(op.path()) {
		if err := os.Rename(op.path(), stageSlot(stage, "pold", i)); err != nil {
			return err
		}
	}
	if op.Mode == "" {
		return nil
	}
	return place(op, stageSlot(stage, "pnew", i))
}

// rollbackPlacement undoes applyPlacement: what is at the path now is ours exactly when the old entry was
// moved aside, or when nothing was there before.
func rollbackPlacement(t Target, stage string, i int, op placeOp) error {
	if err := t.checkFolder(op.Dir); err != nil {
		return err
	}
	old := stageSlot(stage, "pold", i)
	switch {
	case exists(old):
		if exists(op.path()) {
			if err := unplace(op.path()); err != nil {
				return err
			}
		}
		return os.Rename(old, op.path())
	case !op.Existed && op.Mode != "" && exists(op.path()):
		return unplace(op.path())
	}
	return nil
}

// forwardPlacement finishes applyPlacement after the lock was written.
func forwardPlacement(t Target, stage string, i int, op placeOp) error {
	if err := t.checkFolder(op.Dir); err != nil {
		return err
	}
	old := stageSlot(stage, "pold", i)
	if op.Existed && !exists(old) && exists(op.path()) {
		if err := os.Rename(op.path(), old); err != nil {
			return err
		}
	}
	if op.Mode == "" || exists(op.path()) {
		return nil
	}
	return place(op, stageSlot(stage, "pnew", i))
}

// checkJournalPlacement vets a placement named by an untrusted journal (see readJournal): it must name a
// skill folder, point at that skill in the target, and, for a target inside the project, lie inside the
// project and be reached through its real folders, so a stage that came with a clone cannot make recovery
// move or delete anything else. It returns the problem, or "".
func checkJournalPlacement(t Target, op placeOp) string {
	root := filepath.Dir(t.Lock)
	switch {
	case !stageName(op.Name):
		return fmt.Sprintf("the journal names %q, not a skill", op.Name)
	case op.Mode != "" && op.Mode != lockfile.ModeLink && op.Mode != lockfile.ModeJunction && op.Mode != lockfile.ModeCopy:
		return fmt.Sprintf("the journal names the placement mode %q", op.Mode)
	case !filepath.IsAbs(op.Dir) || filepath.Clean(op.Store) != filepath.Join(t.Dir, op.Name):
		return fmt.Sprintf("the journal places %q from %q, not from the target", op.Dir, op.Store)
	case localfs.Inside(root, t.Dir) && (!localfs.Inside(root, op.Dir) || t.checkFolder(op.Dir) != nil):
		return fmt.Sprintf("the journal places into %q, outside the project's real folders", op.Dir)
	}
	return ""
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
