// Package install turns sources into installed skills: it resolves depends-on through git, the bundled
// registry and local folders, checks every folder, stages it beside the target and renames it into place,
// and records the result in skills.lock. It also owns the lifecycle that reads that record back: list,
// reinstall from the lock, update, remove and verify.
package install

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/skillctl/skillctl/internal/agents"
)

// AgentNames lists the --agent values, for completion and help; the table lives in internal/agents.
func AgentNames() []string { return agents.Names() }

// TargetOptions choose where skills go and which lock records them.
type TargetOptions struct {
	Dir    string // explicit folder; wins over Agent
	Agent  string // preset name; default "claude"
	Global bool   // the agent's user-level folder instead of the project's
	Lock   string // lock file; default skills.lock in the current folder
}

// Target is a resolved install location.
type Target struct {
	Dir  string // absolute folder that holds one folder per skill
	Rel  string // Dir as recorded in the lock: relative to the lock's folder when inside it, else absolute
	Lock string // absolute path of the lock file
}

// ResolveTarget applies the flag rules: --dir, else --agent (with --global), else .claude/skills.
func ResolveTarget(o TargetOptions) (Target, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return Target{}, err
	}
	lock := o.Lock
	if lock == "" {
		lock = "skills.lock"
	}
	if !filepath.IsAbs(lock) {
		lock = filepath.Join(cwd, lock)
	}
	dir := o.Dir
	if dir == "" {
		name := o.Agent
		if name == "" {
			name = agents.Default
		}
		a, ok := agents.Lookup(name)
		if !ok {
			return Target{}, fmt.Errorf("--agent: %w", agents.UnknownError(name))
		}
		dir = a.ProjectDir()
		if o.Global {
			env, err := agents.FromOS()
			if err == nil {
				dir, err = a.GlobalDir(env)
			}
			if err != nil {
				return Target{}, fmt.Errorf("--global: %v", err)
			}
		}
	} else if o.Global {
		return Target{}, fmt.Errorf("--global chooses an agent's user folder; it cannot be combined with --dir")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cwd, dir)
	}
	dir = filepath.Clean(dir)
	t := Target{Dir: dir, Lock: lock}
	t.Rel = t.relative(dir)
	return t, nil
}

// relative is how the lock records a path: relative to the lock's folder when inside it, else absolute,
// so a project moved or cloned elsewhere keeps working.
func (t Target) relative(p string) string {
	if r, err := filepath.Rel(filepath.Dir(t.Lock), p); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

// absolute undoes relative.
func (t Target) absolute(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(filepath.Dir(t.Lock), filepath.FromSlash(p))
}
