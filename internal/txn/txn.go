// Package txn makes one change to one target folder so that an interruption at any point (Ctrl-C, kill
// -9, a full disk) can be undone or finished: the skills' folders, their placements in other agents'
// folders and the lock, committed by the lock's rename; and Recover, which the next command runs first.
// What the change is (which folders, which placements, which lock) is decided by install; how it reaches
// the disk safely is decided here, behind the one path check.
package txn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/skillctl/skillctl/internal/atomicfile"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// A change to a target is made in four steps, so that an interruption at any point (Ctrl-C, kill -9, a
// full disk) can be undone:
//
//  1. every new folder is written under TARGET/.skillctl-stage-*/new and re-read to check its hash;
//  2. a journal naming the folders and the hash of the new lock is synced into the stage;
//  3. each replaced or removed folder is renamed into stage/old, each new one renamed into place;
//  4. the new lock is written by rename: this is the commit point.
//
// Recover, run under the same file lock before any command reads the target, rolls a stage back when the
// lock on disk does not hold the journal's new entries for the target, and otherwise rolls it forward.

const stagePrefix = ".skillctl-stage-"

type journal struct {
	Write  []string `json:"write"`
	Remove []string `json:"remove"`
	// Entries is the hash of the new lock's entries for this target (entriesHash): the commit point is
	// the lock holding them. Only this target's entries count, because other targets may share the lock
	// file and change it before an interrupted change here is recovered.
	Entries string `json:"entries"`
	// Place are the placements in other agents' folders to create or delete, after the folders above;
	// whatever was at op i's path is kept in stage/pold/i and a copy is staged in stage/pnew/i.
	Place []PlaceOp `json:"place,omitempty"`
}

// Target is the folder a change writes into and the lock it commits to.
type Target struct {
	Dir  string // absolute folder that holds one folder per skill
	Rel  string // Dir as the lock records it: this target's entries are the lock's In(Rel)
	Lock string // absolute path of the lock file; its folder is the project root for the path check
}

// CheckFolder is the one path check before a change writes into or deletes from dir, t's own folder or an
// agent's folder it places skills in (localfs.CheckWrite, the project root being the lock's folder):
// inside the project, no folder from the project root down to dir may be a symbolic link, so a cloned
// repository's link (.claude -> ~/elsewhere, .cursor -> /shared) can never send a write or a delete
// outside; outside it, dir itself must be a real folder. Every writer and deleter asks it: planning,
// Apply, roll-back, roll-forward, and the placements of every mode. Folders above the project root
// belong to the user and may be links.
func (t Target) CheckFolder(dir string) error {
	return localfs.CheckWrite(filepath.Dir(t.Lock), dir)
}

// Change is what one command does to one target: the folders to write and to remove (by skill name), the
// placements to make or delete, and the lock to commit.
type Change struct {
	Write  map[string]*snapshot.Folder
	Remove []string
	Place  []PlaceOp
	Lock   *lockfile.Lock
	Notes  io.Writer // where a fallback from links to junctions or copies is said; nil for none
}

// afterStep is called after each step of Apply: tests (and the crash-hook build, crashhook.go) stop a
// change there, as a crash would.
var afterStep = func(step string) {}

// entriesHash identifies what a lock records for one target folder.
func entriesHash(l *lockfile.Lock, rel string) string {
	b, _ := json.Marshal(l.In(rel))
	return sha(b)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Apply performs c on t. The caller holds t's file lock and has run Recover under it.
func Apply(ctx context.Context, t Target, c Change) error {
	if err := t.CheckFolder(t.Dir); err != nil {
		return err
	}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return fmt.Errorf("%s: %w", t.Dir, err)
	}
	stage, err := os.MkdirTemp(t.Dir, stagePrefix)
	if err != nil {
		return fmt.Errorf("%s: cannot stage: %w", t.Dir, err)
	}
	cleanup := true
	defer func() {
		if cleanup {
			os.RemoveAll(stage)
		}
	}()
	for _, sub := range []string{"new", "old", "pnew", "pold"} {
		if err := os.Mkdir(filepath.Join(stage, sub), 0o755); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(c.Write))
	for n := range c.Write {
		names = append(names, n)
	}
	sort.Strings(names)
	if err := stageFolders(ctx, t, stage, names, c.Write); err != nil {
		return err
	}
	if err := stagePlacements(t, stage, &c); err != nil {
		return err
	}
	// Everything staged is made durable at once, before the journal names it.
	if err := localfs.Sync(stage); err != nil {
		return fmt.Errorf("%s: syncing the stage: %w", t.Dir, err)
	}
	lockBytes := c.Lock.Marshal()
	j := journal{Write: names, Remove: append([]string(nil), c.Remove...), Entries: entriesHash(c.Lock, t.Rel), Place: c.Place}
	jb, _ := json.Marshal(j)
	if err := atomicfile.Write(filepath.Join(stage, "journal"), jb, 0o644); err != nil {
		return fmt.Errorf("%s: %w", t.Dir, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// From here on the stage must survive a failure: recovery needs it.
	cleanup = false
	afterStep("journal")
	for _, n := range j.Remove {
		if err := moveAside(t.Dir, stage, n); err != nil {
			return rollbackAfter(t, stage, err)
		}
		afterStep("moved")
	}
	for _, n := range names {
		if err := moveAside(t.Dir, stage, n); err != nil {
			return rollbackAfter(t, stage, err)
		}
		afterStep("moved")
		if err := os.Rename(filepath.Join(stage, "new", n), filepath.Join(t.Dir, n)); err != nil {
			return rollbackAfter(t, stage, err)
		}
		afterStep("moved")
	}
	for i, op := range j.Place {
		if err := applyPlacement(t, stage, i, op); err != nil {
			return rollbackAfter(t, stage, fmt.Errorf("%s: %w", op.Path(), err))
		}
		afterStep("placed")
	}
	if err := WriteLock(t.Lock, lockBytes); err != nil {
		return rollbackAfter(t, stage, err)
	}
	afterStep("locked")
	os.RemoveAll(stage)
	return nil
}

// stageWorkers is how many folders are staged at once: creating files is system time the kernel spreads
// over the cores and partly spends waiting, so twice the cores (four at least) beat one per core: a
// 700-skill install took 2.4 s with one, 2.1 s with two and 1.9 s with four on this 2-core machine.
var stageWorkers = max(4, 2*runtime.GOMAXPROCS(0))

// stageFolders writes each folder of names into stage/new and checks its listing against what was fetched
// (localfs.Matches: a disk that folds case or normalizes names fails it), several folders at a time.
// Each staged folder is a step (afterStep), taken on the caller's goroutine; the first failure is
// returned, and no worker is still writing when stageFolders returns, even by a panic.
func stageFolders(ctx context.Context, t Target, stage string, names []string, write map[string]*snapshot.Folder) error {
	results := make(chan error, len(names)) // workers never wait on the caller
	stop := make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(stageWorkers, len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				select {
				case <-stop:
					return
				default:
				}
				results <- stageFolder(t, filepath.Join(stage, "new", names[i]), names[i], write[names[i]])
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for range names {
		if err := <-results; err != nil {
			return err
		}
		afterStep("staged")
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func stageFolder(t Target, dst, name string, f *snapshot.Folder) error {
	if err := localfs.Write(dst, f); err != nil {
		return fmt.Errorf("%s: writing %s: %w", t.Dir, name, err)
	}
	if err := localfs.Matches(dst, f); err != nil {
		return fmt.Errorf("%s: %s: written files do not match what was fetched: %w", t.Dir, name, err)
	}
	return nil
}

// WriteLock replaces the lock file at path with data, atomically, refusing a path the project check
// refuses: the commit point of a change, and what a resolved merge of the lock writes (install).
func WriteLock(path string, data []byte) error {
	if err := localfs.CheckProjectPath(filepath.Dir(path), path); err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o644)
}

func moveAside(dir, stage, name string) error {
	cur := filepath.Join(dir, name)
	if !exists(cur) {
		return nil
	}
	return os.Rename(cur, filepath.Join(stage, "old", name))
}

func rollbackAfter(t Target, stage string, cause error) error {
	if err := rollback(t, stage); err != nil {
		return fmt.Errorf("%w; and undoing the change failed: %v (run any skillctl command on %s to retry)", cause, err, t.Dir)
	}
	return cause
}

// maxJournal bounds a journal: two lists of skill names and a hash.
const maxJournal = 1 << 20

// readJournal reads and checks a stage's journal. A stage found in a target may have come with a cloned
// project rather than from an interrupted run, so it is untrusted: the journal is read under the project
// file rule (a regular file, never a FIFO or device, capped), every name in it must be one folder of the
// target (no separator, no "..", not hidden), and the stage's new and old folders must be real folders,
// or recovery would rename files between the project and any place a name or a link points to.
// A missing journal is fs.ErrNotExist: the run never got past staging.
func readJournal(t Target, stage string) (journal, error) {
	var j journal
	pf, err := localfs.ReadProjectFile(t.Dir, filepath.Join(stage, "journal"), maxJournal)
	if errors.Is(err, fs.ErrNotExist) {
		return j, err
	}
	bad := func(problem string) error {
		return clierr.WithHint(fmt.Errorf("%s: not a stage skillctl left: %s", textsafe.Escape(stage), problem),
			"a cloned project may carry one; look at it, then delete it: rm -r "+textsafe.ShellWord(stage))
	}
	switch {
	case err != nil:
		return j, bad(err.Error())
	case pf.Link != "":
		return j, bad("its journal is reached through a symbolic link")
	}
	if err := json.Unmarshal(pf.Data, &j); err != nil {
		return j, bad("unreadable journal: " + err.Error())
	}
	for _, n := range append(append([]string(nil), j.Write...), j.Remove...) {
		if !stageName(n) {
			return j, bad(fmt.Sprintf("the journal names %q, not a folder of the target", n))
		}
	}
	for _, op := range j.Place {
		if p := checkJournalPlacement(t, op); p != "" {
			return j, bad(p)
		}
	}
	for _, sub := range []string{"new", "old", "pnew", "pold"} {
		if fi, err := os.Lstat(filepath.Join(stage, sub)); err == nil && (!fi.IsDir() || fi.Mode()&fs.ModeSymlink != 0) {
			return j, bad(sub + " is not a real folder")
		}
	}
	return j, nil
}

// stageName reports whether n can name a skill folder directly inside a target.
func stageName(n string) bool {
	return n != "" && n != "." && n != ".." && !strings.HasPrefix(n, ".") && !strings.ContainsAny(n, "/\\\x00") && len(n) <= 255
}

// rollback puts every folder named in the stage's journal back as it was and deletes the stage.
func rollback(t Target, stage string) error {
	j, err := readJournal(t, stage)
	if errors.Is(err, fs.ErrNotExist) {
		return os.RemoveAll(stage) // never got past staging: nothing in the target was touched
	}
	if err != nil {
		return err
	}
	var errs []error
	for i := len(j.Place) - 1; i >= 0; i-- {
		if err := rollbackPlacement(t, stage, i, j.Place[i]); err != nil {
			errs = append(errs, err)
		}
	}
	for _, n := range j.Write {
		// A new folder no longer in the stage was moved into place: take it out again.
		if !exists(filepath.Join(stage, "new", n)) && exists(filepath.Join(t.Dir, n)) {
			if err := os.Rename(filepath.Join(t.Dir, n), filepath.Join(stage, "new", n)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, n := range append(append([]string(nil), j.Remove...), j.Write...) {
		old := filepath.Join(stage, "old", n)
		if exists(old) && !exists(filepath.Join(t.Dir, n)) {
			if err := os.Rename(old, filepath.Join(t.Dir, n)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return os.RemoveAll(stage)
}

// rollForward completes the renames of a journaled change whose lock was written, then deletes the stage.
// The journal is written only after every new folder was staged and checked, so stage/new is complete.
func rollForward(t Target, stage string, j journal) error {
	for _, n := range j.Remove {
		if err := moveAside(t.Dir, stage, n); err != nil && !exists(filepath.Join(stage, "old", n)) {
			return err
		}
	}
	for _, n := range j.Write {
		staged := filepath.Join(stage, "new", n)
		if !exists(staged) {
			continue // already in place
		}
		if exists(filepath.Join(t.Dir, n)) {
			if exists(filepath.Join(stage, "old", n)) {
				return fmt.Errorf("%s: both an old and a current copy of %s exist", stage, n)
			}
			if err := moveAside(t.Dir, stage, n); err != nil {
				return err
			}
		}
		if err := os.Rename(staged, filepath.Join(t.Dir, n)); err != nil {
			return err
		}
	}
	for i, op := range j.Place {
		if err := forwardPlacement(t, stage, i, op); err != nil {
			return fmt.Errorf("%s: %w", op.Path(), err)
		}
	}
	return os.RemoveAll(stage)
}

// Recover finishes or undoes what an interrupted run left in t. The caller holds the file lock.
func Recover(t Target) error {
	if err := t.CheckFolder(t.Dir); err != nil {
		return err
	}
	ents, err := os.ReadDir(t.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	// The lock as it is now; an unreadable one can match no journal, so every stage rolls back.
	var current string
	if l, err := lockfile.Read(t.Lock); err == nil {
		current = entriesHash(l, t.Rel)
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagePrefix) {
			continue
		}
		stage := filepath.Join(t.Dir, e.Name())
		j, err := readJournal(t, stage)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err == nil && current != "" && j.Entries == current {
			// The lock on disk is the new one: finish the change. (When a change leaves the lock's bytes
			// as they were, as --force over a local edit does, finishing is right too: the lock is the
			// same either way, and the staged folders are the ones it describes.)
			if err := rollForward(t, stage, j); err != nil {
				return fmt.Errorf("%s: finishing an interrupted change: %w", t.Dir, err)
			}
			continue
		}
		if err := rollback(t, stage); err != nil {
			return fmt.Errorf("%s: recovering an interrupted change: %w", t.Dir, err)
		}
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, os.ErrNotExist)
}
