// Package install changes what is installed in a target folder, through one pipeline shared by install,
// install from the lock, update, remove and prune (pipeline.go): resolve (internal/resolver), plan
// (plan.go, from the lock's bookkeeping in lockbook.go and the checks in check.go), review (internal/review,
// with no file lock held), apply (txn.go: staged, renamed into place, recoverable after a crash) and the lock
// file written last. targetlock.go takes a target's file lock; target.go says where a target is. It returns
// reports; cmd/skillctl prints them.
package install

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/skillctl/skillctl/internal/agents"
	"github.com/skillctl/skillctl/internal/clierr"
)

// AgentNames lists the --agent values, for completion and help; the table lives in internal/agents.
func AgentNames() []string { return agents.Names() }

// TargetOptions choose where skills go and which lock records them.
type TargetOptions struct {
	Dir    string   // explicit folder; wins over Agents
	Agents []string // --agent values: names, comma-separated lists, or "detected"; default "claude"
	Global bool     // the agents' user-level folders instead of the project's
	Copy   bool     // place real copies in the other agents' folders instead of links
	Lock   string   // lock file; default skills.lock in the current folder
}

// Target is a resolved install location.
type Target struct {
	Dir   string // absolute folder that holds one folder per skill
	Rel   string // Dir as recorded in the lock: relative to the lock's folder when inside it, else absolute
	Lock  string // absolute path of the lock file
	Links []Link // the other chosen agents' folders, where each skill is linked (or copied)
	Copy  bool   // copies instead of links
}

// Link is one other folder a skill is placed in.
type Link struct {
	Dir string // absolute
	Rel string // as the lock records it
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
	var links []string
	if dir == "" {
		env, envErr := agents.FromOS()
		chosen, err := agents.Choose(o.Agents, env, agents.DirExists)
		if err != nil {
			return Target{}, fmt.Errorf("--agent: %w", err)
		}
		if o.Global && envErr != nil {
			return Target{}, fmt.Errorf("--global: %v", envErr)
		}
		plan, err := agents.Place(chosen, o.Global, env)
		if err != nil {
			return Target{}, fmt.Errorf("--global: %w", err)
		}
		dir = filepath.FromSlash(plan.Store)
		for _, l := range plan.Links {
			links = append(links, filepath.FromSlash(l))
		}
	} else if o.Global {
		return Target{}, fmt.Errorf("--global chooses an agent's user folder; it cannot be combined with --dir")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cwd, dir)
	}
	dir = filepath.Clean(dir)
	t := Target{Dir: dir, Lock: lock, Copy: o.Copy}
	t.Rel = t.relative(dir)
	for _, l := range links {
		if !filepath.IsAbs(l) {
			l = filepath.Join(cwd, l)
		}
		l = filepath.Clean(l)
		t.Links = append(t.Links, Link{Dir: l, Rel: t.relative(l)})
	}
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

// shared reports whether t lies outside its lock's project (a --global folder such as ~/.claude/skills):
// every project of the user installs there, each recording its own skills in its own lock, so a folder
// this lock does not record may belong to another project.
func (t Target) shared() bool { return filepath.IsAbs(filepath.FromSlash(t.Rel)) }

// foreignFolder is the refusal for a folder in t that t's lock does not record: in a shared folder it may
// be another project's skill, which this project must never be told to delete or take over.
func foreignFolder(t Target, name, what string) error {
	dir := filepath.Join(t.Dir, name)
	if t.shared() {
		return clierr.WithHint(fmt.Errorf("%s: not recorded in this project's %s; %s is shared by every project, and another one may have installed it",
			name, filepath.Base(t.Lock), t.Dir),
			"run the command in the project whose "+filepath.Base(t.Lock)+" records "+name+", or install into this project's own folder (without --global)")
	}
	switch what {
	case "remove":
		return clierr.WithHint(fmt.Errorf("%s: not installed by skillctl (no entry in %s)", name, filepath.Base(t.Lock)), "delete the folder yourself: rm -r "+dir)
	case "dependency":
		return clierr.WithHint(fmt.Errorf("%s: a new dependency, but %s already exists and was not installed by skillctl", name, dir), "move it away, or replace it with --force")
	}
	return clierr.WithHint(fmt.Errorf("%s: %s already exists and was not installed by skillctl", name, dir), "move it away, or replace it with --force")
}
