// Package agents is skillctl's one table of coding agents: for each, the skills folder it reads in a
// project and in the user's home, the other folders it also reads, and the folder whose presence says it
// is installed. Lookup and path resolution are pure functions of an Env, so every rule is table-tested
// without touching the machine; os.go is the one adapter that reads the real environment.
package agents

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Level says how much of a row its Source confirmed.
type Level int

const (
	Unverified Level = iota // no documentation of the agent's own was found; the row follows common usage
	Partial                 // the source confirms some of the folders (Note says which)
	Verified                // the source names the project and the user-level folder
)

// Agent is one row of the table. Folders in Project and AlsoProject are slash-separated and relative to
// the project root; user-level folders are templates (see Expand).
type Agent struct {
	Name          string   // the --agent value
	Aliases       []string // other accepted --agent values
	Display       string   // the product's name
	Project       string   // where a project's skills go for this agent
	Global        string   // where the user's skills go; "" when the agent has no user-level folder
	GlobalWindows string   // replaces Global on Windows when set
	Detect        string   // a folder whose presence means the agent is installed; "" when it cannot be told
	DetectWindows string   // replaces Detect on Windows when set
	AlsoProject   []string // other project folders the agent reads skills from
	AlsoGlobal    []string // other user-level folders (templates) it reads skills from
	Source        string   // the agent's own documentation the row was checked against, or "unverified"
	Level         Level
	Note          string // what a Partial source left unconfirmed, or where an unverified row comes from
	// Listing is the agent's documented budget for its skill listing (listing.go); Precedence, with the
	// page that documents it, says which copy wins when two folders it reads hold the same name.
	Listing          Listing
	Precedence       Precedence
	PrecedenceSource string
	// Frontmatter is the SKILL.md fields it documents reading beyond the specification's six (fields.go).
	Frontmatter Frontmatter
}

// Shared is the vendor-neutral agent whose folders several agents read.
const Shared = "agents"

// Default is the agent used when none is named.
const Default = "claude"

// Env is everything path resolution depends on: the platform, the home folder and the variables the
// templates name. Only absolute variable values are used; a relative one is treated as unset, as the
// XDG specification asks.
type Env struct {
	GOOS string
	Home string
	Vars map[string]string
}

// All returns the table, sorted by name.
func All() []Agent {
	out := make([]Agent, len(table))
	copy(out, table)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names lists every agent name (not aliases), sorted, for completion and messages.
func Names() []string {
	out := make([]string, len(table))
	for i, a := range table {
		out[i] = a.Name
	}
	sort.Strings(out)
	return out
}

// Lookup finds an agent by name or alias, ignoring case.
func Lookup(name string) (Agent, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, a := range table {
		if a.Name == n {
			return a, true
		}
		for _, al := range a.Aliases {
			if al == n {
				return a, true
			}
		}
	}
	return Agent{}, false
}

// UnknownError is the error for a name Lookup does not know.
func UnknownError(name string) error {
	return fmt.Errorf("unknown agent %q (known: %s; run 'skillctl agents' for their folders)", name, strings.Join(Names(), ", "))
}

// ProjectDir is the agent's project folder in the host's path syntax, relative to the project root.
func (a Agent) ProjectDir() string { return filepath.FromSlash(a.Project) }

// GlobalTemplate is the user-level template that applies on env's platform ("" when there is none).
func (a Agent) GlobalTemplate(goos string) string {
	if goos == "windows" && a.GlobalWindows != "" {
		return a.GlobalWindows
	}
	return a.Global
}

// GlobalDir is the agent's user-level folder in env, as an absolute path.
func (a Agent) GlobalDir(env Env) (string, error) {
	t := a.GlobalTemplate(env.GOOS)
	if t == "" {
		return "", fmt.Errorf("%s has no user-level skills folder; install into the project instead", a.Name)
	}
	return Expand(t, env)
}

// DetectDir is the folder whose presence means the agent is installed, or "" when it cannot be told.
func (a Agent) DetectDir(env Env) string {
	t := a.Detect
	if env.GOOS == "windows" && a.DetectWindows != "" {
		t = a.DetectWindows
	}
	if t == "" {
		return ""
	}
	d, err := Expand(t, env)
	if err != nil {
		return ""
	}
	return d
}

// Installed reports whether the agent's detection folder exists; exists is the only I/O and is passed in.
func (a Agent) Installed(env Env, exists func(string) bool) bool {
	d := a.DetectDir(env)
	return d != "" && exists(d)
}

// ReadsProject lists every project folder the agent reads skills from (its own first), slash-separated.
func (a Agent) ReadsProject() []string {
	return append([]string{a.Project}, a.AlsoProject...)
}

// ReadsGlobal lists every user-level folder the agent reads skills from (its own first), expanded in env.
// Templates that do not expand are left out.
func (a Agent) ReadsGlobal(env Env) []string {
	var out []string
	if d, err := a.GlobalDir(env); err == nil {
		out = append(out, d)
	}
	for _, t := range a.AlsoGlobal {
		if d, err := Expand(t, env); err == nil {
			out = append(out, d)
		}
	}
	return out
}

// Expand turns a folder template into an absolute path. A template starts with one of:
//
//	~                      the home folder
//	$XDG_CONFIG_HOME       that variable, else ~/.config (on every platform, as the agents using it do)
//	%APPDATA%              that variable, else ~/AppData/Roaming
//	%LOCALAPPDATA%         that variable, else ~/AppData/Local
//	${NAME:-TEMPLATE}      the variable NAME (an agent's own home override), else TEMPLATE expanded
//
// followed by nothing or by /slash/separated/parts. Anything else is an error: a table row must never
// name a folder relative to wherever skillctl happens to run.
func Expand(tmpl string, env Env) (string, error) {
	if env.Home == "" || !filepath.IsAbs(env.Home) {
		return "", fmt.Errorf("no home folder to resolve %s in", tmpl)
	}
	base, rest, err := expandHead(tmpl, env)
	if err != nil {
		return "", err
	}
	if rest != "" && !strings.HasPrefix(rest, "/") {
		return "", fmt.Errorf("folder template %q: expected / after %q", tmpl, strings.TrimSuffix(tmpl, rest))
	}
	for _, part := range strings.Split(strings.Trim(rest, "/"), "/") {
		if part == ".." {
			return "", fmt.Errorf("folder template %q: .. is not allowed", tmpl)
		}
	}
	return filepath.Clean(filepath.Join(base, filepath.FromSlash(rest))), nil
}

func expandHead(tmpl string, env Env) (base, rest string, err error) {
	fixed := []struct{ prefix, variable, fallback string }{
		{"$XDG_CONFIG_HOME", "XDG_CONFIG_HOME", ".config"},
		{"%LOCALAPPDATA%", "LOCALAPPDATA", "AppData/Local"},
		{"%APPDATA%", "APPDATA", "AppData/Roaming"},
		{"~", "", ""},
	}
	for _, f := range fixed {
		if !strings.HasPrefix(tmpl, f.prefix) {
			continue
		}
		rest = tmpl[len(f.prefix):]
		if v := env.Vars[f.variable]; f.variable != "" && filepath.IsAbs(v) {
			return v, rest, nil
		}
		return filepath.Join(env.Home, filepath.FromSlash(f.fallback)), rest, nil
	}
	if strings.HasPrefix(tmpl, "${") {
		end := strings.IndexByte(tmpl, '}')
		name, def, ok := strings.Cut(tmpl[2:max(end, 2)], ":-")
		if end < 0 || !ok || name == "" || def == "" {
			return "", "", fmt.Errorf("folder template %q: expected ${NAME:-DEFAULT}", tmpl)
		}
		rest = tmpl[end+1:]
		if v := env.Vars[name]; filepath.IsAbs(v) {
			return v, rest, nil
		}
		d, err := Expand(def, env)
		return d, rest, err
	}
	return "", "", fmt.Errorf("folder template %q must start with ~, $XDG_CONFIG_HOME, %%APPDATA%%, %%LOCALAPPDATA%% or ${NAME:-...}", tmpl)
}

// Variables lists every environment variable the table's templates name, so the adapter reads exactly those.
func Variables() []string {
	seen := map[string]bool{"XDG_CONFIG_HOME": true, "APPDATA": true, "LOCALAPPDATA": true}
	for _, a := range table {
		for _, t := range append([]string{a.Global, a.GlobalWindows, a.Detect, a.DetectWindows}, a.AlsoGlobal...) {
			for strings.HasPrefix(t, "${") {
				name, def, _ := strings.Cut(t[2:], ":-")
				seen[name] = true
				t = def
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Status is one agent as `skillctl agents` reports it.
type Status struct {
	Name     string        `json:"name"`
	Project  string        `json:"project"`
	Global   string        `json:"global"` // absolute; "" when the agent has no user-level folder
	Detected bool          `json:"detected"`
	Listing  ListingStatus `json:"listing"`
}

// Statuses reports every agent in env, sorted by name.
func Statuses(env Env, exists func(string) bool) []Status {
	var out []Status
	for _, a := range All() {
		g, _ := a.GlobalDir(env)
		out = append(out, Status{Name: a.Name, Project: a.Project, Global: g, Detected: a.Installed(env, exists), Listing: a.ListingStatus()})
	}
	return out
}

// Detected lists the agents installed in env, sorted by name.
func Detected(env Env, exists func(string) bool) []Agent {
	var out []Agent
	for _, a := range All() {
		if a.Installed(env, exists) {
			out = append(out, a)
		}
	}
	return out
}
