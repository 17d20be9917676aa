package agents

import (
	"strings"
	"testing"
)

func TestChoose(t *testing.T) {
	env := Env{GOOS: "linux", Home: "/h"}
	present := map[string]bool{"/h/.claude": true, "/h/.codeium/windsurf": true}
	exists := func(p string) bool { return present[p] }
	for _, c := range []struct {
		values []string
		want   string // names joined by space, or "error: ..." substring
	}{
		{nil, "claude"},
		{[]string{""}, "claude"},
		{[]string{"codex"}, "codex"},
		{[]string{"claude,codex", "windsurf"}, "claude codex windsurf"},
		{[]string{" claude , Claude-Code ,", "CLAUDE"}, "claude"},
		{[]string{"detected"}, "claude windsurf"},
		{[]string{"gemini,detected"}, "gemini claude windsurf"},
		{[]string{"claude,nosuch"}, `error: unknown agent "nosuch"`},
	} {
		got, err := Choose(c.values, env, exists)
		var names []string
		for _, a := range got {
			names = append(names, a.Name)
		}
		s := strings.Join(names, " ")
		if err != nil {
			s = "error: " + err.Error()
		}
		if !strings.HasPrefix(s, c.want) {
			t.Errorf("Choose(%q) = %s; want %s", c.values, s, c.want)
		}
	}
	if _, err := Choose([]string{"detected"}, env, func(string) bool { return false }); err == nil || !strings.Contains(err.Error(), "no agent is detected") {
		t.Errorf("detected with nothing installed: %v", err)
	}
}

// TestPlace is the placement rule as a table: agents chosen, scope, then the store and the links.
func TestPlace(t *testing.T) {
	env := Env{GOOS: "linux", Home: "/h"}
	for _, c := range []struct {
		agents string
		global bool
		store  string
		links  string
	}{
		{"claude", false, ".claude/skills", ""},
		{"claude windsurf", false, ".claude/skills", ".windsurf/skills"},
		// codex reads .agents/skills, so that is the store; gemini reads it too and gets nothing.
		{"claude codex windsurf gemini", false, ".agents/skills", ".claude/skills .windsurf/skills"},
		{"codex zed amp", false, ".agents/skills", ""},
		// opencode reads .claude/skills as well as .agents/skills: no entry of its own.
		{"claude opencode", false, ".agents/skills", ".claude/skills"},
		{"claude goose", false, ".agents/skills", ".claude/skills"},
		{"windsurf cursor", false, ".windsurf/skills", ".cursor/skills"},
		{"claude windsurf goose", true, "/h/.claude/skills", "/h/.codeium/windsurf/skills"},
		{"windsurf goose opencode", true, "/h/.agents/skills", "/h/.codeium/windsurf/skills /h/.config/goose/skills"},
		{"codex copilot", true, "/h/.agents/skills", ""},
	} {
		var chosen []Agent
		for _, n := range strings.Fields(c.agents) {
			a, ok := Lookup(n)
			if !ok {
				t.Fatalf("no agent %s", n)
			}
			chosen = append(chosen, a)
		}
		p, err := Place(chosen, c.global, env)
		if err != nil || p.Store != c.store || strings.Join(p.Links, " ") != c.links {
			t.Errorf("Place(%s, global=%v) = %q %q, %v; want %q %q", c.agents, c.global, p.Store, p.Links, err, c.store, c.links)
		}
	}
	replit, _ := Lookup("replit")
	claude, _ := Lookup("claude")
	if _, err := Place([]Agent{claude, replit}, true, env); err == nil {
		t.Error("Place with an agent that has no user folder succeeded in the user scope")
	}
	if p, err := Place([]Agent{claude, replit}, false, env); err != nil || p.Store != ".agents/skills" || strings.Join(p.Links, " ") != ".claude/skills" {
		t.Errorf("claude+replit in a project: %v %v", p, err)
	}
}

// TestRecordedRoundTrip: the folders Place chose for any pair of agents (in either order) or triple (in one
// order, to keep it fast), read back by Recorded, place a new skill in exactly the same folders, in both
// scopes.
func TestRecordedRoundTrip(t *testing.T) {
	env := Env{GOOS: "linux", Home: "/h"}
	all := All()
	check := func(chosen []Agent, global bool) {
		p, err := Place(chosen, global, env)
		if err != nil {
			return // an agent without a user folder: nothing to record
		}
		back := Recorded(append([]string{p.Store}, p.Links...), global, env)
		q, err := Place(back, global, env)
		if err != nil || q.Store != p.Store || strings.Join(q.Links, " ") != strings.Join(p.Links, " ") {
			var names []string
			for _, a := range chosen {
				names = append(names, a.Name)
			}
			t.Errorf("global=%v %s: Place gave %q %q; from the record %q %q (%v)", global, names, p.Store, p.Links, q.Store, q.Links, err)
		}
	}
	for _, global := range []bool{false, true} {
		for i := range all {
			check([]Agent{all[i]}, global)
			for j := range all {
				if j == i {
					continue
				}
				check([]Agent{all[i], all[j]}, global)
				for k := j + 1; k < len(all) && i < j; k++ {
					check([]Agent{all[i], all[j], all[k]}, global)
				}
			}
		}
	}
	if got := Recorded([]string{"sk", "vendor/skills"}, false, env); got != nil {
		t.Errorf("folders no agent owns: %v", got)
	}
	// The four agents: the shared folder is the store, and the three others get links again.
	var four []Agent
	for _, n := range []string{"claude", "cursor", "windsurf", "goose"} {
		a, _ := Lookup(n)
		four = append(four, a)
	}
	check(four, false)
	check(four, true)
}
