package agents

import (
	"fmt"
	"strings"
)

// Listing is what an agent documents about the listing it puts in its context on every turn: each
// visible skill's name and description. A zero figure means the agent documents none; skillctl then says
// "unknown" and never substitutes a guess.
type Listing struct {
	Chars  int    // the whole listing's budget in characters; 0: unknown
	Entry  int    // characters of one entry's description the listing keeps; 0: unknown
	Basis  string // how Chars follows from the documentation when the page gives a share, not a number
	Source string // the page both figures were checked against; "" when neither is documented
	Note   string // what the documentation says without a figure, or what a source left unconfirmed
}

// Precedence is which copy an agent uses when two folders it reads hold a skill of the same name.
type Precedence int

const (
	// Undocumented: the agent's documentation says nothing, so no copy is named the winner and every
	// copy is counted.
	Undocumented Precedence = iota
	UserFirst               // the user-level folder's copy wins over a project folder's
	ProjectFirst            // the project folder's copy wins over the user-level folder's
	AllListed               // the agent keeps every copy: each is listed, and each costs
)

// String is the word `agents --json` and `budget --json` use.
func (p Precedence) String() string {
	switch p {
	case UserFirst:
		return "user-over-project"
	case ProjectFirst:
		return "project-over-user"
	case AllListed:
		return "all-listed"
	}
	return "undocumented"
}

// Wins reports which of two copies of a name the agent uses, given whether each lies in a user-level
// folder: first or second, or known false when the documentation does not decide it (two folders of
// the same scope, or an undocumented rule). AllListed decides nothing either: both copies stay.
func (p Precedence) Wins(firstUser, secondUser bool) (first, known bool) {
	if firstUser == secondUser {
		return false, false
	}
	switch p {
	case UserFirst:
		return firstUser, true
	case ProjectFirst:
		return !firstUser, true
	}
	return false, false
}

// ListingStatus is an agent's Listing and Precedence as `skillctl agents --json` reports them; a nil
// figure is unknown.
type ListingStatus struct {
	Chars            *int   `json:"listing_chars"`
	Entry            *int   `json:"entry_chars"`
	Basis            string `json:"basis,omitempty"`
	Source           string `json:"source"` // the page, or "unknown"
	Precedence       string `json:"precedence"`
	PrecedenceSource string `json:"precedence_source"` // the page, or "undocumented"
}

// ListingStatus reports a's listing data, for `agents --json`.
func (a Agent) ListingStatus() ListingStatus {
	s := ListingStatus{Basis: a.Listing.Basis, Source: a.Listing.Source, Precedence: a.Precedence.String(), PrecedenceSource: a.PrecedenceSource}
	if a.Listing.Chars > 0 {
		n := a.Listing.Chars
		s.Chars = &n
	}
	if a.Listing.Entry > 0 {
		n := a.Listing.Entry
		s.Entry = &n
	}
	if s.Source == "" {
		s.Source = "unknown"
	}
	if s.PrecedenceSource == "" {
		s.PrecedenceSource = "undocumented"
	}
	return s
}

// listingCell and precedenceCell render the README's two listing columns.
func listingCell(a Agent) string {
	l := a.Listing
	if l.Chars == 0 && l.Entry == 0 {
		if l.Note != "" {
			return "unknown: " + l.Note
		}
		return "unknown"
	}
	var parts []string
	if l.Chars > 0 {
		p := thousands(l.Chars) + " chars"
		if l.Basis != "" {
			p += " (" + l.Basis + ")"
		}
		parts = append(parts, p)
	} else {
		parts = append(parts, "budget unknown")
	}
	if l.Entry > 0 {
		parts = append(parts, "each description cut at "+thousands(l.Entry))
	}
	return fmt.Sprintf("[%s](%s)", strings.Join(parts, ", "), l.Source)
}

func precedenceCell(a Agent) string {
	words := map[Precedence]string{
		UserFirst:    "the user folder's copy wins",
		ProjectFirst: "the project folder's copy wins",
		AllListed:    "every copy is listed",
	}
	w, ok := words[a.Precedence]
	if !ok || a.PrecedenceSource == "" {
		return "undocumented"
	}
	return fmt.Sprintf("[%s](%s)", w, a.PrecedenceSource)
}

// thousands writes n with comma separators (8000 → 8,000).
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
