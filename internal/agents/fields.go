package agents

import (
	"sort"
	"strings"
	"sync"
)

// Frontmatter is what an agent documents about the SKILL.md fields it reads beyond the specification's
// six (name, description, license, compatibility, metadata, allowed-tools). A field one agent documents is
// a feature there, not a typo: validate accepts it, and never advises moving it under metadata:, which
// would switch it off.
type Frontmatter struct {
	Fields []string // the extra fields, as the page spells them; none when the agent documents only the six
	Source string   // the page the list was checked against; "" when not checked (the fields are unknown)
	Level  Level    // Verified: the page lists them; Partial: quoted from it by others; Unverified: a third party's summary
	Note   string   // what the source left unconfirmed, or what the agent reads besides
}

// KnownFields maps every field some agent documents to the agents that read it, sorted: the data
// validate's unknown-field rule is given (manifest.Mode.Fields). The map is shared: callers must not
// change it.
var KnownFields = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	for _, a := range All() {
		for _, f := range a.Frontmatter.Fields {
			out[f] = append(out[f], a.Name)
		}
	}
	for _, names := range out {
		sort.Strings(names)
	}
	return out
})

// frontmatterCell renders the README's column: the fields with the page, "only the specification's" when
// the page lists none beyond the six, "unknown" when no page was checked.
func frontmatterCell(a Agent) string {
	fm := a.Frontmatter
	if fm.Source == "" {
		return "unknown"
	}
	what := "only the specification's"
	if len(fm.Fields) > 0 {
		quoted := make([]string, len(fm.Fields))
		for i, f := range fm.Fields {
			quoted[i] = "`" + f + "`"
		}
		what = strings.Join(quoted, " ")
	}
	cell := what + " ([" + levelWord(fm.Level) + "](" + fm.Source + "))"
	if fm.Note != "" {
		cell += ": " + fm.Note
	}
	return cell
}
