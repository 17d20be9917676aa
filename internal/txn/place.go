package txn

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// A skill installed for several agents is stored once, in the target folder, and placed in each other
// agent's folder as a link to it (or a copy, with --copy or where links cannot be made). install decides
// which placements a change makes or deletes (PlaceOp); this file makes them, inside the same
// transaction as the skills' folders, and undoes or finishes them on recovery.

// PlaceOp is one placement a change creates (Mode set) or deletes (Mode ""). It is written into the
// journal, so recovery can finish or undo it; Folder is what a copy holds (not journaled: the copy is
// staged before the journal is written).
type PlaceOp struct {
	Dir     string           `json:"dir"`     // absolute folder the placement lives in
	Name    string           `json:"name"`    // the skill
	Mode    string           `json:"mode"`    // link, junction, copy; "" to delete
	Store   string           `json:"store"`   // absolute folder of the stored skill (what a link points to)
	Existed bool             `json:"existed"` // something was at Dir/Name before the change
	Entry   string           `json:"entry"`   // the placement's dir as the lock records it
	Folder  *snapshot.Folder `json:"-"`
}

// Path is where the placement is: Dir/Name.
func (op PlaceOp) Path() string { return filepath.Join(op.Dir, op.Name) }

// linkTarget is what a link at dir/name holds: relative to dir, so a project moved elsewhere keeps working.
func linkTarget(dir, store string) string {
	if r, err := filepath.Rel(dir, store); err == nil {
		return r
	}
	return store
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
func place(op PlaceOp, stagedCopy string) error {
	if err := os.MkdirAll(op.Dir, 0o755); err != nil {
		return err
	}
	switch op.Mode {
	case lockfile.ModeLink:
		return symlink(linkTarget(op.Dir, op.Store), op.Path())
	case lockfile.ModeJunction:
		return makeJunction(op.Store, op.Path())
	case lockfile.ModeCopy:
		return os.Rename(stagedCopy, op.Path())
	}
	return fmt.Errorf("%s: unknown placement mode %q", op.Path(), op.Mode)
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
func stagePlacements(t Target, stage string, c *Change) error {
	if len(c.Place) == 0 {
		return nil
	}
	mode := ""
	for i := range c.Place {
		op := &c.Place[i]
		if op.Mode != lockfile.ModeLink {
			continue
		}
		if mode == "" {
			w := c.Notes
			if w == nil {
				w = io.Discard
			}
			mode = linkMode(stage, w)
		}
		if mode == lockfile.ModeLink {
			continue
		}
		op.Mode = mode
		setPlacementMode(c.Lock, t.Rel, op.Name, op.Entry, mode)
		if mode == lockfile.ModeCopy && op.Folder == nil {
			op.Folder = c.Write[op.Name]
			if op.Folder == nil {
				f, err := localfs.ReadInstalled(op.Store)
				if err != nil {
					return fmt.Errorf("%s: reading it to copy: %w", op.Name, err)
				}
				op.Folder = f
			}
		}
	}
	for i, op := range c.Place {
		if op.Mode != lockfile.ModeCopy {
			continue
		}
		dst := filepath.Join(stage, "pnew", fmt.Sprint(i))
		if err := localfs.Write(dst, op.Folder); err != nil {
			return fmt.Errorf("%s: staging a copy for %s: %w", op.Name, op.Dir, err)
		}
		if err := localfs.Matches(dst, op.Folder); err != nil {
			return fmt.Errorf("%s: the staged copy for %s does not match", op.Name, op.Dir)
		}
	}
	return nil
}

func stageSlot(stage, kind string, i int) string { return filepath.Join(stage, kind, fmt.Sprint(i)) }

// applyPlacement moves whatever is at the placement's path into stage/pold/i, then makes the placement.
func applyPlacement(t Target, stage string, i int, op PlaceOp) error {
	if err := t.CheckFolder(op.Dir); err != nil {
		return err
	}
	if exists(op.Path()) {
		if err := os.Rename(op.Path(), stageSlot(stage, "pold", i)); err != nil {
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
func rollbackPlacement(t Target, stage string, i int, op PlaceOp) error {
	if err := t.CheckFolder(op.Dir); err != nil {
		return err
	}
	old := stageSlot(stage, "pold", i)
	switch {
	case exists(old):
		if exists(op.Path()) {
			if err := unplace(op.Path()); err != nil {
				return err
			}
		}
		return os.Rename(old, op.Path())
	case !op.Existed && op.Mode != "" && exists(op.Path()):
		return unplace(op.Path())
	}
	return nil
}

// forwardPlacement finishes applyPlacement after the lock was written.
func forwardPlacement(t Target, stage string, i int, op PlaceOp) error {
	if err := t.CheckFolder(op.Dir); err != nil {
		return err
	}
	old := stageSlot(stage, "pold", i)
	if op.Existed && !exists(old) && exists(op.Path()) {
		if err := os.Rename(op.Path(), old); err != nil {
			return err
		}
	}
	if op.Mode == "" || exists(op.Path()) {
		return nil
	}
	return place(op, stageSlot(stage, "pnew", i))
}

// checkJournalPlacement vets a placement named by an untrusted journal (see readJournal): it must name a
// skill folder, point at that skill in the target, and, for a target inside the project, lie inside the
// project and be reached through its real folders, so a stage that came with a clone cannot make recovery
// move or delete anything else. It returns the problem, or "".
func checkJournalPlacement(t Target, op PlaceOp) string {
	root := filepath.Dir(t.Lock)
	switch {
	case !stageName(op.Name):
		return fmt.Sprintf("the journal names %q, not a skill", op.Name)
	case op.Mode != "" && op.Mode != lockfile.ModeLink && op.Mode != lockfile.ModeJunction && op.Mode != lockfile.ModeCopy:
		return fmt.Sprintf("the journal names the placement mode %q", op.Mode)
	case !filepath.IsAbs(op.Dir) || filepath.Clean(op.Store) != filepath.Join(t.Dir, op.Name):
		return fmt.Sprintf("the journal places %q from %q, not from the target", op.Dir, op.Store)
	case localfs.Inside(root, t.Dir) && (!localfs.Inside(root, op.Dir) || t.CheckFolder(op.Dir) != nil):
		return fmt.Sprintf("the journal places into %q, outside the project's real folders", op.Dir)
	}
	return ""
}
