// Package budget is what installed skills cost each agent: every agent puts the name and description of
// each skill it can see into its context on every turn, and caps that listing. From what one agent sees
// (the skills of every folder it reads, in its reading order: a Sight) it computes the characters, an
// estimate of the tokens, the agent's documented budget and whether the listing is over it, the entries
// the agent cuts, and the names it sees twice with the copy its documented precedence keeps. Pure: the
// folders are read by localfs.ListSkills and gathered by install.Budget.
package budget

import (
	"sort"
	"unicode/utf8"

	"github.com/skillctl/skillctl/internal/agents"
)

// CharsPerToken is the token estimate's divisor: tokens are characters divided by four, rounded up,
// the usual rule of thumb for English text; the agents' documented budgets are in characters, so the
// estimate never decides whether a listing is over.
const CharsPerToken = 4

// Tokens estimates the tokens of chars characters (rounded up).
func Tokens(chars int) int { return (chars + CharsPerToken - 1) / CharsPerToken }

// Entry is one skill found in a folder an agent reads.
type Entry struct {
	Name        string // the skill's name: its frontmatter's, else its folder's
	Description string
	Folder      string // the folder that lists it, as shown to the user
	User        bool   // Folder is a user-level folder (else a project folder)
	Real        string // the skill folder with links resolved: entries with one Real are one folder seen twice
}

// Sight is what one agent sees: its table row and every entry of every folder it reads, in the order it
// reads them (its own folder first, as agents.Agent lists them).
type Sight struct {
	Agent   agents.Agent
	Entries []Entry
}

// Line is one entry as the agent lists it.
type Line struct {
	Name    string `json:"name"`
	Folder  string `json:"folder"`
	Chars   int    `json:"chars"`  // name and description as listed: a cut description counts up to the cut
	Tokens  int    `json:"tokens"` // estimated (see Tokens)
	Cut     bool   `json:"cut"`    // the description is longer than the agent's documented cut
	Desc    int    `json:"description_chars"`
	Counted bool   `json:"counted"` // false for a copy the agent's precedence drops
}

// Shadow is a name the agent finds in more than one folder.
type Shadow struct {
	Name  string   `json:"name"`
	Wins  string   `json:"wins"`  // the folder whose copy the agent uses; "" when its documentation decides none
	Loses []string `json:"loses"` // the folders whose copies it drops, as documented
	// Copies are every folder holding the name, in reading order; Rule is the agent's documented
	// precedence (agents.Precedence): with "undocumented" or "all-listed" every copy is counted.
	Copies []string `json:"copies"`
	Rule   string   `json:"rule"`
	// SameFolder: every copy is one folder reached through links (a placement), still listed per folder.
	SameFolder bool `json:"same_folder"`
}

// Cost is one agent's report. LimitChars and EntryChars are nil when the agent documents none.
type Cost struct {
	Agent      string   `json:"agent"`
	Skills     int      `json:"skills"` // entries counted (a dropped copy is not)
	Chars      int      `json:"chars"`
	Tokens     int      `json:"tokens"` // estimated from Chars (see Tokens)
	LimitChars *int     `json:"limit_chars"`
	Source     string   `json:"source"` // the page the budget comes from, or "unknown"
	Over       bool     `json:"over"`
	Shadowed   []Shadow `json:"shadowed"`
	Basis      string   `json:"basis,omitempty"`
	EntryChars *int     `json:"entry_chars"`
	Percent    *int     `json:"percent"` // Chars as a share of LimitChars, rounded down; nil when unknown
	Cut        []Line   `json:"cut"`     // counted entries whose description the agent cuts
	Entries    []Line   `json:"entries"` // every entry, costliest first
}

// Report is every chosen agent's Cost, costliest first.
type Report struct {
	Agents []Cost `json:"agents"`
}

// Over reports whether any agent's listing is over its budget (budget --strict).
func (r Report) Over() bool {
	for _, c := range r.Agents {
		if c.Over {
			return true
		}
	}
	return false
}

// Compute reports every sight, costliest first (then by name).
func Compute(sights []Sight) Report {
	r := Report{Agents: []Cost{}}
	for _, s := range sights {
		r.Agents = append(r.Agents, Of(s))
	}
	sort.SliceStable(r.Agents, func(i, j int) bool {
		a, b := r.Agents[i], r.Agents[j]
		if a.Chars != b.Chars {
			return a.Chars > b.Chars
		}
		return a.Agent < b.Agent
	})
	return r
}

// Of reports one agent.
func Of(s Sight) Cost {
	a := s.Agent
	c := Cost{Agent: a.Name, Source: "unknown", Basis: a.Listing.Basis, Shadowed: []Shadow{}, Cut: []Line{}, Entries: []Line{}}
	if a.Listing.Chars > 0 {
		n := a.Listing.Chars
		c.LimitChars = &n
	}
	if a.Listing.Entry > 0 {
		n := a.Listing.Entry
		c.EntryChars = &n
	}
	if a.Listing.Source != "" && (c.LimitChars != nil || c.EntryChars != nil) {
		c.Source = a.Listing.Source
	}
	dropped, shadows := precedence(s)
	c.Shadowed = append(c.Shadowed, shadows...)
	for i, e := range s.Entries {
		l := line(e, a.Listing.Entry)
		l.Counted = !dropped[i]
		c.Entries = append(c.Entries, l)
		if !l.Counted {
			continue
		}
		c.Skills++
		c.Chars += l.Chars
		if l.Cut {
			c.Cut = append(c.Cut, l)
		}
	}
	c.Tokens = Tokens(c.Chars)
	if c.LimitChars != nil {
		c.Over = c.Chars > *c.LimitChars
		p := c.Chars * 100 / *c.LimitChars
		c.Percent = &p
	}
	sort.SliceStable(c.Entries, func(i, j int) bool { return c.Entries[i].Chars > c.Entries[j].Chars })
	return c
}

// line is e as an agent that cuts descriptions at cut (0: no documented cut) lists it.
func line(e Entry, cut int) Line {
	d := utf8.RuneCountInString(e.Description)
	l := Line{Name: e.Name, Folder: e.Folder, Desc: d}
	kept := d
	if cut > 0 && d > cut {
		l.Cut, kept = true, cut
	}
	l.Chars = utf8.RuneCountInString(e.Name) + kept
	l.Tokens = Tokens(l.Chars)
	return l
}

// precedence finds the names s sees more than once and which copies its documented precedence drops: a
// copy is dropped when another copy wins over it as documented. Copies no documentation decides between
// are all counted, so an undocumented agent's cost is never understated by a guessed winner.
func precedence(s Sight) (dropped map[int]bool, shadows []Shadow) {
	dropped = map[int]bool{}
	byName := map[string][]int{}
	var names []string
	for i, e := range s.Entries {
		if byName[e.Name] == nil {
			names = append(names, e.Name)
		}
		byName[e.Name] = append(byName[e.Name], i)
	}
	p := s.Agent.Precedence
	for _, n := range names {
		idx := byName[n]
		if len(idx) < 2 {
			continue
		}
		sh := Shadow{Name: n, Rule: p.String(), Loses: []string{}, SameFolder: true}
		for _, i := range idx {
			e := s.Entries[i]
			sh.Copies = append(sh.Copies, e.Folder)
			if e.Real != s.Entries[idx[0]].Real || e.Real == "" {
				sh.SameFolder = false
			}
			for _, j := range idx {
				if j == i {
					continue
				}
				if first, known := p.Wins(s.Entries[j].User, e.User); known && first {
					dropped[i] = true
					break
				}
			}
		}
		var kept []string
		for _, i := range idx {
			if dropped[i] {
				sh.Loses = append(sh.Loses, s.Entries[i].Folder)
			} else {
				kept = append(kept, s.Entries[i].Folder)
			}
		}
		if len(kept) == 1 && len(sh.Loses) > 0 {
			sh.Wins = kept[0]
		}
		shadows = append(shadows, sh)
	}
	return dropped, shadows
}

// PushedOver reports whether the entries added (those for which added is true) push s over its budget:
// the listing without them fits and the listing with them does not. The Cost is the listing with them.
func PushedOver(s Sight, added func(Entry) bool) (Cost, bool) {
	after := Of(s)
	if !after.Over {
		return after, false
	}
	before := Sight{Agent: s.Agent}
	for _, e := range s.Entries {
		if !added(e) {
			before.Entries = append(before.Entries, e)
		}
	}
	return after, !Of(before).Over
}
