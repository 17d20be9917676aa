package budget

import (
	"reflect"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/agents"
)

func agent(chars, entry int, p agents.Precedence) agents.Agent {
	a := agents.Agent{Name: "a", Precedence: p}
	if chars > 0 || entry > 0 {
		a.Listing = agents.Listing{Chars: chars, Entry: entry, Source: "https://example.test/docs"}
	}
	return a
}

func entry(name string, desc int, folder string, user bool) Entry {
	return Entry{Name: name, Description: strings.Repeat("d", desc), Folder: folder, User: user, Real: folder + "/" + name}
}

func TestOf(t *testing.T) {
	cases := []struct {
		name       string
		agent      agents.Agent
		entries    []Entry
		skills     int
		chars      int
		tokens     int
		over       bool
		percent    int // -1: nil
		cut        []string
		wins       map[string]string // shadowed name → winning folder ("" none)
		loses      map[string][]string
		sameFolder bool
	}{
		{
			name: "under budget", agent: agent(100, 0, agents.UserFirst),
			entries: []Entry{entry("ab", 8, "p", false), entry("cde", 7, "p", false)},
			skills:  2, chars: 20, tokens: 5, percent: 20,
		},
		{
			name: "over budget by one", agent: agent(19, 0, agents.UserFirst),
			entries: []Entry{entry("ab", 8, "p", false), entry("cde", 7, "p", false)},
			skills:  2, chars: 20, tokens: 5, over: true, percent: 105,
		},
		{
			name: "exactly the budget is not over", agent: agent(20, 0, agents.UserFirst),
			entries: []Entry{entry("ab", 8, "p", false), entry("cde", 7, "p", false)},
			skills:  2, chars: 20, tokens: 5, percent: 100,
		},
		{
			name: "no documented budget: never over, no percentage", agent: agent(0, 0, agents.Undocumented),
			entries: []Entry{entry("ab", 5000, "p", false)},
			skills:  1, chars: 5002, tokens: 1251, percent: -1,
		},
		{
			name: "a cut description counts up to the cut", agent: agent(0, 10, agents.Undocumented),
			entries: []Entry{entry("ab", 25, "p", false), entry("c", 10, "p", false)},
			skills:  2, chars: 23, tokens: 6, percent: -1, cut: []string{"ab"},
		},
		{
			name: "user over project: the project copy is dropped", agent: agent(1000, 0, agents.UserFirst),
			entries: []Entry{entry("x", 9, ".claude/skills", false), entry("x", 19, "~/.claude/skills", true)},
			skills:  1, chars: 20, tokens: 5, percent: 2,
			wins: map[string]string{"x": "~/.claude/skills"}, loses: map[string][]string{"x": {".claude/skills"}},
		},
		{
			name: "project over user", agent: agent(1000, 0, agents.ProjectFirst),
			entries: []Entry{entry("x", 9, ".gemini/skills", false), entry("x", 19, "~/.gemini/skills", true)},
			skills:  1, chars: 10, tokens: 3, percent: 1,
			wins: map[string]string{"x": ".gemini/skills"}, loses: map[string][]string{"x": {"~/.gemini/skills"}},
		},
		{
			name: "two project folders: the docs decide nothing, both count", agent: agent(1000, 0, agents.ProjectFirst),
			entries: []Entry{entry("x", 9, ".gemini/skills", false), entry("x", 9, ".agents/skills", false), entry("x", 9, "~/.gemini/skills", true)},
			skills:  2, chars: 20, tokens: 5, percent: 2,
			wins: map[string]string{"x": ""}, loses: map[string][]string{"x": {"~/.gemini/skills"}},
		},
		{
			name: "undocumented precedence: no winner, every copy counts", agent: agent(0, 0, agents.Undocumented),
			entries: []Entry{entry("x", 9, ".cursor/skills", false), entry("x", 9, "~/.cursor/skills", true)},
			skills:  2, chars: 20, tokens: 5, percent: -1,
			wins: map[string]string{"x": ""}, loses: map[string][]string{"x": {}},
		},
		{
			name: "all listed: both copies cost", agent: agent(0, 0, agents.AllListed),
			entries: []Entry{entry("x", 9, ".agents/skills", false), entry("x", 9, "~/.agents/skills", true)},
			skills:  2, chars: 20, tokens: 5, percent: -1,
			wins: map[string]string{"x": ""}, loses: map[string][]string{"x": {}},
		},
		{
			name: "one folder through a placement link", agent: agent(0, 0, agents.Undocumented),
			entries: []Entry{
				{Name: "x", Description: "d", Folder: ".claude/skills", Real: "/p/.agents/skills/x"},
				{Name: "x", Description: "d", Folder: ".agents/skills", Real: "/p/.agents/skills/x"},
			},
			skills: 2, chars: 4, tokens: 1, percent: -1,
			wins: map[string]string{"x": ""}, loses: map[string][]string{"x": {}}, sameFolder: true,
		},
		{
			name: "names count in characters, not bytes", agent: agent(0, 0, agents.Undocumented),
			entries: []Entry{{Name: "é", Description: "日本"}},
			skills:  1, chars: 3, tokens: 1, percent: -1,
		},
		{
			name: "nothing installed", agent: agent(8000, 1536, agents.UserFirst),
			percent: 0,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Of(Sight{Agent: c.agent, Entries: c.entries})
			if got.Skills != c.skills || got.Chars != c.chars || got.Tokens != c.tokens || got.Over != c.over {
				t.Errorf("skills %d chars %d tokens %d over %v; want %d %d %d %v", got.Skills, got.Chars, got.Tokens, got.Over, c.skills, c.chars, c.tokens, c.over)
			}
			if (got.Percent == nil) != (c.percent < 0) || got.Percent != nil && *got.Percent != c.percent {
				t.Errorf("percent %v; want %d", got.Percent, c.percent)
			}
			if (got.LimitChars == nil) != (c.agent.Listing.Chars == 0) || (got.Source == "unknown") != (c.agent.Listing.Source == "") {
				t.Errorf("limit %v from %q for listing %+v", got.LimitChars, got.Source, c.agent.Listing)
			}
			var cut []string
			for _, l := range got.Cut {
				cut = append(cut, l.Name)
			}
			if !reflect.DeepEqual(cut, c.cut) {
				t.Errorf("cut %v; want %v", cut, c.cut)
			}
			if len(got.Shadowed) != len(c.wins) {
				t.Fatalf("shadowed %+v; want %v", got.Shadowed, c.wins)
			}
			for _, sh := range got.Shadowed {
				if sh.Wins != c.wins[sh.Name] || !reflect.DeepEqual(sh.Loses, c.loses[sh.Name]) || sh.SameFolder != c.sameFolder {
					t.Errorf("%s: wins %q loses %v same %v; want %q %v %v", sh.Name, sh.Wins, sh.Loses, sh.SameFolder, c.wins[sh.Name], c.loses[sh.Name], c.sameFolder)
				}
				if sh.Rule != c.agent.Precedence.String() || len(sh.Copies) < 2 {
					t.Errorf("%s: rule %q copies %v", sh.Name, sh.Rule, sh.Copies)
				}
			}
		})
	}
}

func TestComputeOrder(t *testing.T) {
	r := Compute([]Sight{
		{Agent: agents.Agent{Name: "b"}, Entries: []Entry{entry("x", 1, "p", false)}},
		{Agent: agents.Agent{Name: "c"}, Entries: []Entry{entry("x", 50, "p", false)}},
		{Agent: agents.Agent{Name: "a"}, Entries: []Entry{entry("x", 1, "p", false)}},
	})
	var got []string
	for _, c := range r.Agents {
		got = append(got, c.Agent)
	}
	if !reflect.DeepEqual(got, []string{"c", "a", "b"}) {
		t.Errorf("order %v; want costliest first, then by name", got)
	}
	if r.Over() {
		t.Error("no agent has a budget, so none is over")
	}
}

func TestPushedOver(t *testing.T) {
	a := agent(30, 0, agents.UserFirst)
	old := entry("old", 17, "p", false)  // 20 chars
	small := entry("new", 7, "p", false) // 10 chars: 30, not over
	big := entry("new", 8, "p", false)   // 11 chars: 31, over
	isNew := func(e Entry) bool { return e.Name == "new" }
	if _, pushed := PushedOver(Sight{Agent: a, Entries: []Entry{old, small}}, isNew); pushed {
		t.Error("a listing still within its budget was reported pushed over")
	}
	c, pushed := PushedOver(Sight{Agent: a, Entries: []Entry{old, big}}, isNew)
	if !pushed || c.Chars != 31 {
		t.Errorf("pushed %v at %d chars; want true at 31", pushed, c.Chars)
	}
	already := entry("old", 40, "p", false)
	if _, pushed := PushedOver(Sight{Agent: a, Entries: []Entry{already, big}}, isNew); pushed {
		t.Error("a listing over before the install was reported as pushed over by it")
	}
	if _, pushed := PushedOver(Sight{Agent: agent(0, 0, agents.Undocumented), Entries: []Entry{already, big}}, isNew); pushed {
		t.Error("an agent with no documented budget was reported over")
	}
}
