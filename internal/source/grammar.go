package source

import (
	"strings"

	"github.com/skillctl/skillctl/internal/semver"
)

// Form is one way to write a source. Forms is the one list of them: the parse errors' hint
// (AcceptedForms), install's help (FormsText), the README's table and the bundled skill's reference
// (FormsMarkdown, kept current by cmd/skillctl's TestSourceFormsDocs) are all made from it.
type Form struct {
	Syntax  string // as typed, with the parts to fill in in capitals
	Meaning string // what it reads as, one line
	Example string // a source of this form: TestForms parses it and checks its reading
	Reads   Kind   // the reading Example gets when no registry is configured
}

// Forms are the accepted sources, most specific first.
var Forms = []Form{
	{"https://HOST/OWNER/REPO/tree/REF/PATH", "a folder of a repository, on any host",
		"https://github.com/anthropics/skills/tree/main/skills/pdf", Git},
	{"https://HOST/OWNER/REPO/blob/REF/PATH/SKILL.md", "the folder of that SKILL.md",
		"https://github.com/anthropics/skills/blob/main/skills/pdf/SKILL.md", Git},
	{"https://HOST/PATH/REPO[.git][//PATH][#REF]", "a git URL; also file:///ABS/REPO, ssh://USER@HOST/PATH",
		"https://git.example.com/team/skills.git//pdf#v1", Git},
	{"USER@HOST:PATH[//PATH][#REF]", "a repository over SSH",
		"git@github.com:anthropics/skills.git//skills/pdf#main", Git},
	{"https://HOST/", "the skills HOST lists in /.well-known/agent-skills/index.json (or /.well-known/skills/); --skill NAME or --all",
		"https://skills.example.com/", Site},
	{"https://HOST/PATH/FILE.tar.gz[#sha256:HEX]", "an archive (.tar.gz, .tgz, .zip) of a skill's folder, or a raw .../SKILL.md; pinned by its digest",
		"https://example.com/dl/pdf.tar.gz", Artifact},
	{"OWNER/REPO/PATH[@REF|@VERSION]", "a folder on github.com; no @: its newest release, else the default branch",
		"anthropics/skills/skills/pdf@v1.2.0", Git},
	{"AUTHOR/NAME", "a registry's AUTHOR/NAME, else github.com/OWNER/REPO",
		"alice/pdf-tools", Git},
	{"AUTHOR/NAME@REGISTRY", "AUTHOR/NAME in REGISTRY if configured, else OWNER/REPO@REF",
		"alice/pdf-tools@team", Git},
	{"NAME", "a name in the registries, then in the bundled skills",
		"python-async-patterns", Name},
	{"NAME@REGISTRY", "NAME in that registry only",
		"pdf-tools@team", Name},
	{"NAME[@REGISTRY]@VERSION", "a release of NAME: latest, v1, v1.2 (newest match) or v1.2.3",
		"pdf-tools@team@v1.2", Name},
	{"./DIR, ../DIR, /DIR, ~/DIR", "a folder on this machine",
		"./my-skill", Local},
}

// ReadingRule says which reading wins when text could mean two things, and why: one sentence each for
// the help, the README and the parse errors.
const ReadingRule = `AUTHOR/NAME and OWNER/REPO look alike: a configured registry's skill wins, as
search, info and ambiguity hints print AUTHOR/NAME and NAME@REGISTRY, and a registry is
one you chose; for the GitHub repository write https://github.com/OWNER/REPO. REF is a
branch, else a tag, else a commit; a full name (refs/tags/v1) is that ref alone.
VERSION is a release tag vX.Y.Z, or PATH/vX.Y.Z for one skill's folder (its own tags
win); pre-releases only when named exactly. Written as REF (@v1, #v1), it reads as a
version first. A name with no version, or OWNER/REPO, takes the newest release, else the
default branch (@latest too); a tree URL keeps exactly its ref.`

// AcceptedForms is the hint every parse error carries.
var AcceptedForms = "accepted sources:\n" + FormsText("  ")

// FormsText is Forms as aligned lines, each starting with indent.
func FormsText(indent string) string {
	w := 0
	for _, f := range Forms {
		w = max(w, len(f.Syntax))
	}
	var b strings.Builder
	for i, f := range Forms {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(indent + f.Syntax + strings.Repeat(" ", w-len(f.Syntax)+2) + f.Meaning)
	}
	return b.String()
}

// FormsMarkdown is Forms as a Markdown table, with ReadingRule after it.
func FormsMarkdown() string {
	var b strings.Builder
	b.WriteString("| source | reads as | e.g. |\n|---|---|---|\n")
	for _, f := range Forms {
		b.WriteString("| `" + f.Syntax + "` | " + f.Meaning + " | `" + f.Example + "` |\n")
	}
	b.WriteString("\n" + strings.ReplaceAll(ReadingRule, "\n", " ") + "\n")
	return b.String()
}

// Readings are the ways the text of s may be read, in the order the resolver tries them; the last one
// is final (its failure is the error), the ones before it are tried and passed over when they find
// nothing. isRegistry tells a configured registry's name. Only a shorthand of two segments has two
// readings, because a registry's AUTHOR/NAME is written like a GitHub OWNER/REPO:
//
//	AUTHOR/NAME                               AUTHOR/NAME in the registries, then OWNER/REPO on github.com
//	AUTHOR/NAME@X, X a configured registry    AUTHOR/NAME in registry X, only
//	AUTHOR/NAME@X, any other X                OWNER/REPO at ref X on github.com, only
//	anything else                             what Parse read
//
// A registry's reading wins (see ReadingRule). The lock keeps which one installed a skill (its entry
// names the registry), so verify and --frozen read the entry's source the same way.
func (s Source) Readings(isRegistry func(name string) bool) []Source {
	if s.Kind != Git || !s.Shorthand || s.Author == "" {
		return []Source{s}
	}
	byName := Source{Kind: Name, Raw: s.Raw, Name: s.Name, Author: s.Author, Registry: s.Registry, Version: s.Version}
	switch {
	case s.Registry == "":
		return []Source{byName, s}
	case isRegistry != nil && isRegistry(s.Registry):
		return []Source{byName}
	}
	return []Source{s}
}

// GitText is the text of a source naming folder path of repo at ref (a full or short ref name, a commit,
// or "" for the default branch): what a hint or a listing tells a user to type. Parse reads it back to the
// same repository, folder and ref, whatever characters the path holds.
func GitText(repo, path, ref string) string {
	return Source{Kind: Git, Repo: Canonical(repo), Path: path, Ref: ref}.String()
}

// WithVersion is source text with its version query replaced by q, written as the user would have typed
// it (NAME@q, OWNER/REPO/PATH@q, a git URL's #q): update --major records the major it moved to, as
// install of that text would. Text with no version query, or with latest (it names no major), is
// returned as it is, and so is text the rewrite would read as another place.
func WithVersion(text, q string) string {
	s, err := Parse(text)
	if err != nil || s.Version == "" || s.Version == semver.Latest || !semver.IsQuery(q) {
		return text
	}
	for _, sep := range []string{"@", "#"} {
		base, ok := strings.CutSuffix(text, sep+s.Version)
		if !ok {
			continue
		}
		out := base + sep + q
		n, err := Parse(out)
		if err == nil && n.Version == q && n.Kind == s.Kind && n.Repo == s.Repo && n.Path == s.Path &&
			n.Name == s.Name && n.Author == s.Author && n.Registry == s.Registry {
			return out
		}
	}
	return text
}
