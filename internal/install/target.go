// Package install changes what is installed in a target folder, through one pipeline shared by install,
// install from the lock, update, remove and prune (pipeline.go): resolve (internal/resolver), plan
// (plan.go, from the lock's bookkeeping in lockbook.go and the checks in check.go), review (internal/review,
// with no file lock held), apply (internal/txn: staged, renamed into place, recoverable after a crash) and
// the lock file written last. targetlock.go takes a target's file lock; target.go says where a target is. It returns
// reports; cmd/skillctl prints them.
package install

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/agents"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/project"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// AgentNames lists the --agent values, for completion and help; the table lives in internal/agents.
func AgentNames() []string { return agents.Names() }

// TargetOptions choose where skills go and which lock records them.
type TargetOptions struct {
	Dir    string   // explicit folder; wins over Agents
	Agents []string // --agent values: names, comma-separated lists, or "detected"; none: the lock's (see ResolveTarget)
	Global bool     // the agents' user-level folders, recorded in the user's global lock
	Copy   bool     // place real copies in the other agents' folders instead of links
	Lock   string   // lock file; default skills.lock at the project root (project.Find)
}

// Target is a resolved install location.
type Target struct {
	Dir   string // absolute folder that holds one folder per skill
	Rel   string // Dir as recorded in the lock: relative to Base; absolute only when outside it (see Outside)
	Lock  string // absolute path of the lock file
	Base  string // the folder the lock's paths are relative to: the lock's own, or home for the global lock
	Links []Link // the other chosen agents' folders, where each skill is linked (or copied)
	Copy  bool   // copies instead of links
}

// Outside reports whether Dir lies outside the folder the lock records paths against. Such a target can
// be read and restored when an older lock names it, but no new skill is recorded there: a lock never
// records an absolute folder, which would not survive a clone.
func (t Target) Outside() bool { return filepath.IsAbs(filepath.FromSlash(t.Rel)) }

// checkRecordable refuses to record new skills in a target outside the folder the lock records paths
// against (see Outside), with the flags that would work.
func (t Target) checkRecordable() error {
	out := t.Dir
	if !t.Outside() {
		out = ""
		for _, l := range t.Links {
			if filepath.IsAbs(filepath.FromSlash(l.Rel)) {
				out = l.Dir
				break
			}
		}
		if out == "" {
			return nil
		}
	}
	return clierr.WithHint(clierr.Usage(fmt.Errorf("%s: outside %s, so %s cannot record it (a lock records no absolute folder)", out, t.base(), t.Lock)),
		"keep a lock beside that folder: add --lock "+filepath.Join(out, project.LockName),
		"or install for an agent in every project with --agent NAME --global")
}

// Link is one other folder a skill is placed in.
type Link struct {
	Dir string // absolute
	Rel string // as the lock records it
}

// ResolveTarget is the one owner of where a command acts: the project root, the global lock and its base
// folder, and the agent set. It applies the flag rules: --dir, else --agent (with --global), else the
// agents the lock remembers, else the default agent's folder. The lock is --lock, else with --global the
// user's global lock, else skills.lock at the project root found from the current folder (so every command
// works from any subfolder). Agents' project folders are relative to the lock's folder; --dir and --lock,
// as typed, to the current folder.
//
// The agent set is part of the project's state, and the lock already records it: every skill's folder and
// placements. With no --dir and no --agent, the agents are those whose folders the lock's skills are
// stored or placed in (rememberedAgents), so after `install A --agent claude,cursor` a plain `install B`
// goes to the same folders and `remove A` needs no flag. --agent chooses the set for that command; the
// skills it installs are recorded with it, and so join the set the next command remembers.
func ResolveTarget(o TargetOptions) (Target, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return Target{}, err
	}
	if o.Dir != "" && o.Global {
		return Target{}, fmt.Errorf("--global chooses an agent's user folder; it cannot be combined with --dir")
	}
	lock, err := lockOf(o, cwd)
	if err != nil {
		return Target{}, err
	}
	base := filepath.Dir(lock)
	dir := o.Dir
	var links []string
	agentsBase := cwd // where --dir, as typed, is relative to
	if dir == "" {
		agentsBase = base // an agent's project folder is at the project root
		if o.Global {
			if base, err = project.Home(); err != nil {
				return Target{}, fmt.Errorf("--global: %v", err)
			}
		}
		env, envErr := agents.FromOS()
		if o.Global && envErr != nil {
			return Target{}, fmt.Errorf("--global: %v", envErr)
		}
		chosen, err := chooseAgents(o, lock, base, env)
		if err != nil {
			return Target{}, err
		}
		plan, err := agents.Place(chosen, o.Global, env)
		if err != nil {
			return Target{}, fmt.Errorf("--global: %w", err)
		}
		dir = filepath.FromSlash(plan.Store)
		for _, l := range plan.Links {
			links = append(links, filepath.FromSlash(l))
		}
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(agentsBase, dir)
	}
	dir = filepath.Clean(dir)
	t := Target{Dir: dir, Lock: lock, Base: base, Copy: o.Copy}
	t.Rel = t.relative(dir)
	for _, l := range links {
		if !filepath.IsAbs(l) {
			l = filepath.Join(agentsBase, l)
		}
		l = filepath.Clean(l)
		t.Links = append(t.Links, Link{Dir: l, Rel: t.relative(l)})
	}
	return t, nil
}

// named reports whether the flags name a target (--dir or --agent); with neither, the lock decides.
func (o TargetOptions) named() bool { return o.Dir != "" || len(o.Agents) > 0 }

// resolveTargets is where a command that reads or changes what is installed acts (list, verify, check,
// update, install from the lock): the target the flags name, or, with no --dir and no --agent, every
// folder the lock stores skills in, in the lock's order, so nothing it records is left out (audit reads the
// whole lock too). When the lock records none, it is ResolveTarget's (the remembered or default agents'
// folder). Each folder's placements come from the lock's entries; folders outside the base (an older
// lock's absolute ones, see Outside) are included, and commands that write skip them.
func resolveTargets(o TargetOptions) (Target, []Target, error) {
	t, err := ResolveTarget(o)
	if err != nil || o.named() {
		return t, []Target{t}, err
	}
	l, err := lockfile.Read(t.Lock)
	if err != nil {
		return t, []Target{t}, nil // the command reads the lock again and says what is wrong with it
	}
	var out []Target
	seen := map[string]bool{}
	for _, e := range l.Skills {
		if !seen[e.Dir] {
			seen[e.Dir] = true
			out = append(out, t.storeOf(e))
		}
	}
	if len(out) == 0 {
		out = []Target{t}
	}
	return t, out, nil
}

// lockOf is the lock a command uses (see ResolveTarget): --lock as typed, else the global lock with
// --global, else skills.lock at the project root found from cwd.
func lockOf(o TargetOptions, cwd string) (string, error) {
	lock := o.Lock
	switch {
	case lock != "" && !filepath.IsAbs(lock):
		lock = filepath.Join(cwd, lock)
	case lock == "" && o.Global:
		var err error
		if lock, err = project.GlobalLock(); err != nil {
			return "", fmt.Errorf("--global: %v", err)
		}
	case lock == "":
		root, _, err := project.Find(cwd)
		if err != nil {
			return "", err
		}
		lock = filepath.Join(root, project.LockName)
	}
	return filepath.Clean(lock), nil
}

// chooseAgents is the agent set (see ResolveTarget): --agent, else the agents the lock remembers, else
// the default agent.
func chooseAgents(o TargetOptions, lock, base string, env agents.Env) ([]agents.Agent, error) {
	var chosen []agents.Agent
	if len(o.Agents) == 0 {
		chosen = rememberedAgents(lock, base, o.Global, env)
	}
	if chosen == nil {
		var err error
		if chosen, err = agents.Choose(o.Agents, env, agents.DirExists); err != nil {
			return nil, fmt.Errorf("--agent: %w", err)
		}
	}
	return chosen, nil
}

// AgentSet is where the folders the chosen agents read are, for a command that reads every one of them
// rather than writing to one (budget): the project root their project folders are relative to, the home
// folder their user-level templates expand in, and the agents, chosen as ResolveTarget chooses them.
type AgentSet struct {
	Root   string // the folder of the lock: --lock's, else the project root (project.Find)
	Env    agents.Env
	Agents []agents.Agent
	// LockProblem is why the lock could not be read when it chose the agents (mid-merge, read from both
	// sides; otherwise not read, so the default agents), for the command to say.
	LockProblem error
}

// ResolveAgentSet applies ResolveTarget's rules for the lock and the agents to a command that reads what
// agents see. --global and --dir do not apply: an agent sees its project and its user-level folders at
// once.
func ResolveAgentSet(o TargetOptions) (AgentSet, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return AgentSet{}, err
	}
	o.Global, o.Dir = false, ""
	lock, err := lockOf(o, cwd)
	if err != nil {
		return AgentSet{}, err
	}
	env, err := agents.FromOS()
	if err != nil {
		return AgentSet{}, err
	}
	chosen, err := chooseAgents(o, lock, filepath.Dir(lock), env)
	if err != nil {
		return AgentSet{}, err
	}
	set := AgentSet{Root: filepath.Dir(lock), Env: env, Agents: chosen}
	if len(o.Agents) == 0 {
		_, set.LockProblem = readRecorded(lock)
	}
	return set, nil
}

// readRecorded reads the lock for a command that only asks which skills it names and where (validate's
// installed skills, the agents it remembers). Mid-merge that is what either side records
// (lockfile.ConflictError.Either), returned with the conflict for the command to say so: only install
// decides the merge.
func readRecorded(path string) (*lockfile.Lock, error) {
	l, err := lockfile.Read(path)
	var ce *lockfile.ConflictError
	if errors.As(err, &ce) {
		return ce.Either(), err
	}
	return l, err
}

// rememberedAgents is the agent set the lock at lockPath records (see ResolveTarget): the agents whose
// folders its skills are stored in (the folder most skills are stored in first, since Place makes the
// first agent's folder the store) or placed in. Folders are relative to base in the lock; in the user
// scope agents.Recorded compares absolute ones. nil when the lock records no agent's folder (nothing
// installed, or only --dir targets) or cannot be read: the command reads it again and says what is wrong.
// Mid-merge it is what either side records.
func rememberedAgents(lockPath, base string, global bool, env agents.Env) []agents.Agent {
	l, _ := readRecorded(lockPath)
	if l == nil {
		return nil
	}
	folder := func(rel string) string {
		if global {
			return filepath.Join(base, filepath.FromSlash(rel))
		}
		return rel
	}
	count := map[string]int{}
	var stores, placed []string
	for _, e := range l.Skills {
		if filepath.IsAbs(filepath.FromSlash(e.Dir)) {
			continue // read and restored when named, never chosen for new skills (see Target.Outside)
		}
		if count[e.Dir] == 0 {
			stores = append(stores, e.Dir)
		}
		count[e.Dir]++
		for _, p := range e.Placements {
			placed = append(placed, folder(p.Dir))
		}
	}
	sort.SliceStable(stores, func(i, j int) bool {
		if count[stores[i]] != count[stores[j]] {
			return count[stores[i]] > count[stores[j]]
		}
		return stores[i] < stores[j]
	})
	for i, s := range stores {
		stores[i] = folder(s)
	}
	return agents.Recorded(append(stores, placed...), global, env)
}

// storing is t, or, when every name the lock records outside t is stored in one other folder, that folder:
// a command that names installed skills acts where the lock says they are. Names the lock does not know,
// or stores in several folders, leave t as it is, for the plan to report.
func (t Target) storing(l *lockfile.Lock, names []string) Target {
	if ts, _ := t.storingEach(l, names); len(ts) == 1 {
		return ts[0]
	}
	return t
}

// storingEach splits names by the folder the lock stores each in, for a command that acts on each where it
// is (remove): a name t's folder records stays with t, and so does one the lock does not know or stores in
// several folders (the plan in t reports it); a name stored once, in another folder, goes to that folder.
// The targets come in the order of their first name; names[i] are targets[i]'s.
func (t Target) storingEach(l *lockfile.Lock, names []string) (targets []Target, split [][]string) {
	at := map[string]int{}
	add := func(to Target, n string) {
		i, ok := at[to.Rel]
		if !ok {
			i = len(targets)
			at[to.Rel] = i
			targets, split = append(targets, to), append(split, nil)
		}
		split[i] = append(split[i], n)
	}
	for _, n := range names {
		if e, ok := t.storedElsewhere(l, n); ok {
			add(t.storeOf(e), n)
		} else {
			add(t, n)
		}
	}
	return targets, split
}

// storedElsewhere is the entry of name when the lock stores it in one folder and that is not t's: where a
// command naming it acts (storingEach), and the folder the hint of a command run on t names
// (notInstalled), so the two never disagree.
func (t Target) storedElsewhere(l *lockfile.Lock, name string) (lockfile.Entry, bool) {
	var found []lockfile.Entry
	for _, e := range l.Skills {
		if e.Name == name {
			found = append(found, e)
		}
	}
	if len(found) != 1 || found[0].Dir == t.Rel {
		return lockfile.Entry{}, false
	}
	return found[0], true
}

// relative is how the lock records a path: relative to the lock's folder when inside it, else absolute,
// so a project moved or cloned elsewhere keeps working.
func (t Target) relative(p string) string {
	if r, err := filepath.Rel(t.base(), p); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

// absolute undoes relative.
func (t Target) absolute(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(t.base(), filepath.FromSlash(p))
}

// base is Base, defaulting to the lock's folder.
func (t Target) base() string {
	if t.Base != "" {
		return t.Base
	}
	return filepath.Dir(t.Lock)
}

// shared reports whether t lies outside its lock's project (a --global folder such as ~/.claude/skills):
// every project of the user installs there, each recording its own skills in its own lock, so a folder
// this lock does not record may belong to another project.
//
// The global lock's folders (Base is home, not the lock's folder) are shared in the same way: other tools
// and older locks may have put skills there.
func (t Target) shared() bool {
	return filepath.IsAbs(filepath.FromSlash(t.Rel)) || t.Base != "" && t.Base != filepath.Dir(t.Lock)
}

// notInstalled is the error for a name t's lock does not record in t's folder. When the lock stores it in
// one other folder (import adopts into each tool's own), the hint is the command run on that folder.
func notInstalled(t Target, lock *lockfile.Lock, name, verb string) error {
	err := fmt.Errorf("%s: not installed in %s", name, t.Dir)
	e, ok := t.storedElsewhere(lock, name)
	if !ok {
		return clierr.WithHint(err, "see what is installed with 'skillctl list'")
	}
	cmd := "skillctl " + verb + " " + textsafe.ShellWord(name) + " --dir " + textsafe.ShellWord(t.absolute(e.Dir))
	if t.Base != "" && t.Base != filepath.Dir(t.Lock) {
		cmd += " --global"
	}
	return clierr.WithHint(err, "the lock stores it in "+e.Dir+": "+cmd)
}

// foreignFolder is the refusal for a folder in t that t's lock does not record: in a shared folder it may
// be another project's skill, which this project must never be told to delete or take over.
func foreignFolder(t Target, name, what string) error {
	dir := filepath.Join(t.Dir, name)
	if t.shared() {
		return clierr.WithHint(fmt.Errorf("%s: not recorded in %s; %s is shared by every project, and another one (or another tool) may have installed it",
			name, t.Lock, t.Dir),
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
