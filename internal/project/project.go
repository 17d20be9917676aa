// Package project finds where the user's project and their user-level state live, so every command
// works from any subfolder, as npm and cargo do: the project root is the nearest folder, walking up from
// the current one, that holds skills.lock or .skillctl/, or is the top of a git work tree (it holds .git,
// a folder or, in a linked worktree or submodule, a file). Nothing above that top is looked at, so a
// stray skills.lock in the home folder never captures a repository below it. git itself is not run.
package project

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// LockName is the project's lock file, at the project root.
const LockName = "skills.lock"

// markers are what make a folder a project root, in no order: the nearest folder holding any one wins.
var markers = []string{LockName, ".skillctl", ".git"}

// Find returns the project root for dir (absolute or relative to the current folder): the nearest
// folder at or above dir that holds a marker. found is false when no folder up to the file system's root
// holds one; root is then dir itself, made absolute, so a first install creates the project there.
func Find(dir string) (root string, found bool, err error) {
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", false, err
	}
	for d := dir; ; {
		for _, m := range markers {
			if _, err := os.Lstat(filepath.Join(d, m)); err == nil {
				return d, true, nil
			} else if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.ENOTDIR) {
				return "", false, err
			}
		}
		up := filepath.Dir(d)
		if up == d {
			return dir, false, nil
		}
		d = up
	}
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
