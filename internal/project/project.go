// Package project finds where the user's project and their user-level state live, so every command
// works from any subfolder, as npm and cargo do: the project root is the nearest folder, walking up from
// the current one, that holds skills.lock or .skillctl/, or is the top of a git work tree (it holds .git,
// a folder or, in a linked worktree or submodule, a file). Nothing above that top is looked at, so a
// stray skills.lock in the home folder never captures a repository below it. git itself is not run.
//
// The root must be the user's, as git's safe.directory demands of a repository: a marker in a folder
// owned by another user, or owned by one itself, is passed over (Discovery.Ignored says so); the walk
// never looks at a sticky, world-writable folder (/tmp) or above it, where anyone can plant a marker, and
// never above the home folder.
package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// LockName is the project's lock file, at the project root.
const LockName = "skills.lock"

// markers are what make a folder a project root, in no order: the nearest folder holding any one wins.
var markers = []string{LockName, ".skillctl", ".git"}

// Discovery is the project root Discover chose, and why.
type Discovery struct {
	Start string // the folder the walk started from, absolute
	Root  string // the project root: the folder holding Marker, else Start
	// Marker is the marker that chose Root ("" when none was found).
	Marker string
	// Stop says where the walk ended without a marker: "home" (the home folder), "shared" (a sticky,
	// world-writable folder, named by StopAt), or "top" (the file system's root).
	Stop, StopAt string
	// Ignored are markers passed over because another user owns them or their folder.
	Ignored []Ignored
}

// Ignored is one marker that did not count.
type Ignored struct {
	Path string // the marker
	UID  int    // its owner, or its folder's, when that is not the user
}

// Found reports whether a marker chose the root.
func (d Discovery) Found() bool { return d.Marker != "" }

// Why says in words why Root is the project root, for list and --verbose.
func (d Discovery) Why() string {
	if d.Found() {
		if d.Root == d.Start {
			return "it holds " + d.Marker
		}
		return "the nearest folder up from " + d.Start + " that holds " + d.Marker
	}
	what := "no " + LockName + ", .skillctl or .git found up to "
	switch d.Stop {
	case "home":
		what += "the home folder"
	case "shared":
		what += "the shared folder " + d.StopAt + " (sticky and world-writable: not looked at)"
	default:
		what += "the file system's root"
	}
	return what + ", so the current folder is the project"
}

// Note is what to tell the user about a marker passed over.
func (i Ignored) Note() string {
	return fmt.Sprintf("%s: not taken as a project marker: owned by another user (uid %d), not by you (uid %d)", i.Path, i.UID, uid())
}

// uid is the user's id; a test replaces it to act as another user. Below 0 (Windows) no owner is checked.
var uid = os.Getuid

// Find returns the project root for dir (absolute or relative to the current folder): the nearest
// folder at or above dir that holds a marker the user owns. found is false when none does; root is then
// dir itself, made absolute, so a first install creates the project there.
func Find(dir string) (root string, found bool, err error) {
	d, err := Discover(dir)
	return d.Root, d.Found(), err
}

// Discover is Find with its reasons: see Discovery.
func Discover(dir string) (Discovery, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Discovery{}, err
	}
	res := Discovery{Start: dir, Root: dir, Stop: "top"}
	home := ""
	if h, err := Home(); err == nil && h != string(filepath.Separator) {
		home = h
	}
	for d := dir; ; {
		if fi, err := os.Lstat(d); err == nil && shared(fi) {
			res.Stop, res.StopAt = "shared", d
			return res, nil
		}
		for _, m := range markers {
			p := filepath.Join(d, m)
			fi, err := os.Lstat(p)
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.ENOTDIR) {
					return Discovery{}, err
				}
				continue
			}
			if o, ok := foreign(d, fi); ok {
				res.Ignored = append(res.Ignored, Ignored{Path: p, UID: o})
				continue
			}
			res.Root, res.Marker = d, m
			return res, nil
		}
		if d == home {
			res.Stop = "home"
			return res, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return res, nil
		}
		d = up
	}
}

// shared reports whether a folder is sticky and world-writable (/tmp, /var/tmp): anyone may create a
// marker there, so it is never a project root, and neither is anything above it.
func shared(fi fs.FileInfo) bool {
	return fi.IsDir() && fi.Mode()&fs.ModeSticky != 0 && fi.Mode().Perm()&0o002 != 0
}

// foreign reports whether marker (described by fi) or its folder dir belongs to another user, and whose.
func foreign(dir string, fi fs.FileInfo) (int, bool) {
	me := uid()
	if me < 0 {
		return 0, false
	}
	if o, ok := owner(fi); ok && o != me {
		return o, true
	}
	if dfi, err := os.Lstat(dir); err == nil {
		if o, ok := owner(dfi); ok && o != me {
			return o, true
		}
	}
	return 0, false
}

// Root is Find from the current folder.
func Root() (root string, found bool, err error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", false, err
	}
	return Find(wd)
}

// ConfigDir is the user's skillctl folder: $SKILLCTL_CONFIG_DIR, else skillctl in the user config folder
// (os.UserConfigDir: $XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Application Support on macOS).
func ConfigDir() (string, error) {
	if d := os.Getenv("SKILLCTL_CONFIG_DIR"); d != "" {
		return filepath.Abs(d)
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "skillctl"), nil
}

// GlobalLock is the lock of user-level (--global) installs: one per user, in ConfigDir, whatever folder
// the command runs in. The folders it records are relative to the home folder (see Home).
func GlobalLock() (string, error) {
	d, err := ConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "global", LockName), nil
}

// Home is the folder the global lock's paths are relative to, so the lock survives a moved home folder
// and never records an absolute path.
func Home() (string, error) {
	h, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Abs(h)
}
