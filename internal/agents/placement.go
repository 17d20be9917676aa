package agents

import (
	"fmt"
	"strings"
)

// Detect is the --agent value that means every agent detected on this machine.
const Detect = "detected"

// Choose turns --agent values (each may be a comma-separated list; the flag may repeat) into agents, in
// the order given, without duplicates. "detected" stands for every agent Installed reports; no value
// means the default agent.
func Choose(values []string, env Env, exists func(string) bool) ([]Agent, error) {
	var out []Agent
	seen := map[string]bool{}
	add := func(a Agent) {
		if !seen[a.Name] {
			seen[a.Name] = true
			out = append(out, a)
		}
	}
	for _, v := range values {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			switch {
			case name == "":
				continue
			case strings.EqualFold(name, Detect):
				found := Detected(env, exists)
				if len(found) == 0 {
					return nil, fmt.Errorf("no agent is detected on this machine (none of their folders exists in %s); name the agents instead", env.Home)
				}
				for _, a := range found {
					add(a)
				}
			default:
				a, ok := Lookup(name)
				if !ok {
					return nil, UnknownError(name)
				}
				add(a)
			}
		}
	}
	if len(out) == 0 {
		a, _ := Lookup(Default)
		out = append(out, a)
	}
	return out, nil
}

// Plan is where one skill goes for a set of agents in one scope. Folders are slash-separated and relative
// to the project root in the project scope, absolute in the user scope.
type Plan struct {
	Store string   // the one folder that holds the skill's files
	Links []string // every other folder that must show it, in the order of the agents that need them
}

// Place decides where skills go for the chosen agents: in the shared folder when one of them reads it,
// otherwise in the first agent's folder; every other agent gets its own folder added to Links, unless it
// already reads a folder the skill is in (so no agent ever sees a skill twice). Pure: env only expands
// user-level templates.
func Place(chosen []Agent, global bool, env Env) (Plan, error) {
	reads := func(a Agent) ([]string, error) {
		if !global {
			return a.ReadsProject(), nil
		}
		if _, err := a.GlobalDir(env); err != nil {
			return nil, err
		}
		return a.ReadsGlobal(env), nil
	}
	if len(chosen) == 0 {
		return Plan{}, fmt.Errorf("no agent chosen")
	}
	shared, _ := Lookup(Shared)
	sharedReads, err := reads(shared)
	if err != nil {
		return Plan{}, err
	}
	all := make([][]string, len(chosen))
	for i, a := range chosen {
		if all[i], err = reads(a); err != nil {
			return Plan{}, err
		}
	}
	p := Plan{Store: all[0][0]}
	for _, r := range all {
		if has(r, sharedReads[0]) {
			p.Store = sharedReads[0]
			break
		}
	}
	placed := []string{p.Store}
	for _, r := range all {
		if overlaps(r, placed) {
			continue
		}
		p.Links = append(p.Links, r[0])
		placed = append(placed, r[0])
	}
	return p, nil
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if has(b, x) {
			return true
		}
	}
	return false
}

// Recorded is Choose for a project (or a user) that names no agent: it turns the folders a lock records
// back into the agents whose folders they are, so a new skill goes where the recorded ones are. folders
// come in order of preference, stores first (Place makes the first agent's folder the store when no
// chosen agent reads the shared one); in the user scope they are absolute. Each folder maps to the agent
// whose own folder it is and that reads the fewest others, so Place gives it a placement of its own
// again: Place(Recorded(folders of Place(x))) is Place(x) (TestRecordedRoundTrip holds that for every
// pair and triple of agents). A folder that is no agent's own (a --dir target) adds no agent; none left
// means nil, and the caller falls back to the default agent.
func Recorded(folders []string, global bool, env Env) []Agent {
	var out []Agent
	seen := map[string]bool{}
	for _, f := range folders {
		var best Agent
		found := false
		for _, a := range table {
			own := a.Project
			if global {
				own, _ = a.GlobalDir(env)
			}
			if own == "" || own != f {
				continue
			}
			n := len(a.ReadsProject())
			if global {
				n = len(a.ReadsGlobal(env))
			}
			bn := len(best.ReadsProject())
			if global {
				bn = len(best.ReadsGlobal(env))
			}
			if !found || n < bn || n == bn && a.Name == Shared {
				best, found = a, true
			}
		}
		if found && !seen[best.Name] {
			seen[best.Name] = true
			out = append(out, best)
		}
	}
	return out
}
