package install

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
)

// withTarget runs edit with the target's lock held and the lock file loaded: it first finishes or undoes
// any interrupted change, then applies the change edit returns (unless dryRun or the change is empty).
// edit may change the lock it is given; that lock is what gets written.
func withTarget(ctx context.Context, t Target, dryRun bool, edit func(*lockfile.Lock) (*change, error)) error {
	return underLock(ctx, t, dryRun, true, edit)
}

// readTarget is withTarget that never applies anything: the pipeline's plan step, and list and verify.
// With dryRun the lock file is read without taking the file lock or recovering, so a dry run changes
// nothing at all.
func readTarget(ctx context.Context, t Target, dryRun bool, read func(*lockfile.Lock) error) error {
	return underLock(ctx, t, dryRun, false, func(l *lockfile.Lock) (*change, error) { return nil, read(l) })
}

func underLock(ctx context.Context, t Target, dryRun, write bool, edit func(*lockfile.Lock) (*change, error)) error {
	if dryRun {
		lock, err := readLock(t)
		if err != nil {
			return err
		}
		_, err = edit(lock)
		return err
	}
	if err := checkTargetDir(t.Dir); err != nil {
		return err
	}
	if err := checkTargetPath(t); err != nil {
		return err
	}
	unlock, err := lockTarget(t)
	if err != nil {
		return err
	}
	defer unlock()
	if err := recoverStages(t); err != nil {
		return err
	}
	lock, err := readLock(t)
	if err != nil {
		return err
	}
	before := lock.Marshal()
	c, err := edit(lock)
	if err != nil || c == nil || !write {
		return err
	}
	c.lock = lock
	prev, err := lockfile.Parse(t.Lock, before)
	if err != nil {
		return err
	}
	if c.place, err = placementOps(t, prev, lock, c.write, c.force); err != nil {
		return err
	}
	if len(c.write) == 0 && len(c.remove) == 0 && len(c.place) == 0 && string(before) == string(lock.Marshal()) && exists(t.Lock) {
		return nil
	}
	return apply(ctx, t, *c)
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

// readLock loads the lock, refusing a symlinked target folder as well: writing through it would put
// files outside the place the user named.
func readLock(t Target) (*lockfile.Lock, error) {
	if fi, err := os.Lstat(t.Dir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, clierr.WithHint(fmt.Errorf("%s: the target folder is a symbolic link; skillctl installs only into a real folder", t.Dir),
			"replace the link with a folder, or pass the real path with --dir")
	}
	l, err := lockfile.Read(t.Lock)
	if err != nil {
		return nil, clierr.WithHint(err, "fix or restore "+filepath.Base(t.Lock)+" (it is never overwritten while it cannot be read)")
	}
	return l, nil
}

// checkTargetDir refuses a target that is a symlink or not a folder. A missing target is fine: it is
// created only when there is something to write, so a failed command leaves no empty folder behind.
func checkTargetDir(d string) error {
	if fi, err := os.Lstat(d); err == nil {
		if fi.Mode()&os.ModeSymlink != 0 {
			return clierr.WithHint(fmt.Errorf("%s: the target folder is a symbolic link; skillctl installs only into a real folder", d),
				"replace the link with a folder, or pass the real path with --dir")
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s: not a folder", d)
		}
	}
	return nil
}

// checkTargetPath refuses a target inside the project that is reached through a symbolic link: a cloned
// repository can hold one (.claude -> ~/elsewhere) that would send an install outside the project.
// Folders above the project root belong to the user and may be links (/tmp is one on macOS).
func checkTargetPath(t Target) error {
	root := filepath.Dir(t.Lock)
	rel, err := filepath.Rel(root, t.Dir)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil
	}
	p := root
	for _, el := range strings.Split(rel, string(filepath.Separator)) {
		p = filepath.Join(p, el)
		fi, err := os.Lstat(p)
		if err != nil {
			return nil // missing from here on: created as real folders when there is something to write
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return clierr.WithHint(fmt.Errorf("%s: a symbolic link on the way to the target %s; skillctl writes only through real folders of the project", p, t.Dir),
				"replace the link with a folder, or pass the real path with --dir")
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s: not a folder", p)
		}
	}
	return nil
}
