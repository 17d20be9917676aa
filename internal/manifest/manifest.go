// Package manifest reads a SKILL.md and checks it against the Agent Skills rules; it is pure (bytes in,
// findings out) so the CLI, the installer and the fuzzer all judge a skill the same way.
//
// # Departures from the reference validator (skills-ref)
//
// With Mode.Spec the verdict (valid or not) follows skills-ref, except where skills-ref has a bug or
// where hostile input must be refused:
//
//   - The frontmatter ends at the next line that is exactly "---". skills-ref splits the file on the
//     first "---" anywhere, so "description: a---b" loses its tail there; here it stays whole.
//   - A UTF-8 byte order mark before the opening "---" is accepted (skills-ref reports missing
//     frontmatter).
//   - A SKILL.md over MaxFileSize, one holding NUL bytes, one that is not UTF-8, a frontmatter over
//     MaxFrontmatter or with more than maxNodes YAML nodes is invalid here; skills-ref would try to read it.
//   - A blank description or name ("   ") is an error, as in skills-ref; a blank compatibility is accepted,
//     as in skills-ref, although the specification asks for at least one character.
//
// Outside Mode.Spec the rules are skillctl's own, stricter in the ways the specification's text is:
//
//   - Names: skills-ref accepts any Unicode lowercase letter and compares name and folder after NFKC
//     normalisation; so does Check, but a name outside a-z, 0-9 and '-' also gets the warning
//     name-non-ascii, because the specification's text allows only those. ValidName, used for new names,
//     is the specification's ASCII rule.
//   - Types skills-ref never checks get warnings that show the corrected form: a list for allowed-tools,
//     non-text metadata values (a YAML number such as 1.10 reads as 1.1 in most parsers), a non-text
//     license.
//   - Fields outside the six are warnings (unknown-field) instead of errors, depends-on and
//     related-skills are understood and checked, and a field an agent documents (Mode.Fields) is
//     accepted.
//   - Body checks (body-too-long, broken-link, link-outside-skill) are warnings skills-ref lacks.
package manifest

import (
	"fmt"
	"sort"

	"github.com/skillctl/skillctl/internal/textsafe"
	"gopkg.in/yaml.v3"
)

// Bounds that keep Check linear and small on hostile input. The largest published SKILL.md we know of is
// under 300 KB; a file past MaxFileSize cannot be meant for an agent's context.
const (
	MaxFileSize    = 1 << 20  // bytes of SKILL.md
	MaxFrontmatter = 64 << 10 // bytes between the two "---" lines
	MaxBodyLines   = 500      // lines of body before body-too-long
	maxNodes       = 10000    // YAML nodes in the frontmatter
	maxDepth       = 64       // YAML nesting
	maxNameLen     = 64
	maxDescLen     = 1024
	maxCompatLen   = 500
)

// Severity says whether a finding makes a skill invalid.
type Severity int

const (
	Warning Severity = iota
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// MarshalText makes Severity read as "warning"/"error" in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diagnostic is one finding. Line and Column are 1-based positions in the file (columns count
// characters, not bytes); every diagnostic has one, file-wide findings point at 1:1.
type Diagnostic struct {
	File     string
	Line     int
	Column   int
	Severity Severity
	Rule     string
	Message  string
}

// String is the text form, FILE:LINE:COL: severity: message [rule]. The file name and the message can
// hold text from the skill (folder names, link targets, field values), so both are escaped to print as
// what they say.
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s [%s]", textsafe.Escape(d.File), d.Line, d.Column, d.Severity, textsafe.Escape(d.Message), d.Rule)
}

// Position is a 1-based line and column in the SKILL.md file.
type Position struct{ Line, Column int }

// Skill is what the frontmatter and body say. Scalars keep their YAML text ("1.0" stays "1.0"), and
// every field the specification does not define is kept raw in Extra, so nothing is lost.
type Skill struct {
	Name, Description, License, Compatibility, AllowedTools string
	Metadata                                                map[string]string
	DependsOn                                               []string // names in declared order
	// DependsOnVersion holds, beside each DependsOn name, the minimum version written after it
	// (NAME@v1.2: "v1.2"), or "".
	DependsOnVersion []string
	RelatedSkills    []string
	Extra            map[string]*yaml.Node // every other top-level field, raw
	Body             []byte                // after the closing "---", CRLF read as LF
	BodyLine         int                   // 1-based line where the body starts

	Fields           map[string]Position // position of each top-level key
	DependsOnPos     []Position          // position of each DependsOn entry
	RelatedSkillsPos []Position          // position of each RelatedSkills entry
}

// Mode selects the rule set. Strict turns warnings into errors; Spec gives the reference validator's
// verdict: any field outside the six is an error, depends-on and related-skills included, and YAML
// that its strict parser refuses (flow collections, tags) is an error.
type Mode struct {
	Strict, Spec bool
	// Cuts are the agents' documented cuts of a listed description (agents.EntryCuts, passed in as data so
	// the rules stay pure): a longer description draws the description-cut warning. None: no such check.
	Cuts []Cut
	// Fields maps each frontmatter field some agent documents, beyond the six, to the agents that read it
	// (agents.KnownFields, passed in so the rules stay pure). Such a field is accepted outside Spec, and no
	// finding advises moving it under metadata:, which would switch it off.
	Fields map[string][]string
	// Agents, when set, narrows Fields to these agents (validate --agent): a field only other agents read
	// is reported, since it does nothing where the skill is meant to run.
	Agents []string
}

// Cut is one agent's documented cut of a description in its skill listing.
type Cut struct {
	Agent  string
	Chars  int
	Source string // the agent's page that documents it
}

// Input is one SKILL.md and what Check needs to know about its folder.
type Input struct {
	File  string   // path shown in diagnostics
	Dir   string   // base name of the skill's folder; "" skips name-dir-mismatch
	Data  []byte   // SKILL.md bytes
	Files []string // every file in the folder, slash paths relative to it; nil skips link checks
	Size  int64    // the file's real size when Data was cut short at MaxFileSize+1; 0 means len(Data)
}

// Check parses and validates; Skill is nil when the frontmatter cannot be read (then a diagnostic says
// why). Diagnostics are sorted by line, column, rule. Check never panics and runs in time linear in
// len(in.Data), whatever the bytes.
func Check(in Input, m Mode) (*Skill, []Diagnostic) {
	c := &checker{in: in, mode: m}
	sk := c.run()
	if m.Strict {
		for i := range c.diags {
			c.diags[i].Severity = Error
		}
	}
	Sort(c.diags)
	return sk, c.diags
}

// Valid reports whether no diagnostic has error severity.
func Valid(d []Diagnostic) bool {
	for _, x := range d {
		if x.Severity == Error {
			return false
		}
	}
	return true
}

// Sort orders diagnostics by file, line, column and rule, the order every report uses.
func Sort(d []Diagnostic) {
	sort.SliceStable(d, func(i, j int) bool {
		a, b := d[i], d[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Rule < b.Rule
	})
}
