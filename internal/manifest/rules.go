package manifest

// Rule describes one check. IDs are stable: scripts and CI filters match on them.
type Rule struct {
	ID       string
	Severity Severity // default severity, before Mode.Strict
	Summary  string
}

// Rules lists every rule Check and the validate package can report, in README order.
var Rules = []Rule{
	{"file-too-large", Error, "SKILL.md is larger than 1 MiB"},
	{"binary-file", Error, "SKILL.md holds NUL bytes"},
	{"not-utf8", Error, "SKILL.md is not valid UTF-8"},
	{"frontmatter-missing", Error, "the first line is not `---`"},
	{"frontmatter-unclosed", Error, "no line `---` closes the frontmatter"},
	{"frontmatter-too-large", Error, "frontmatter over 64 KiB, more than 10,000 YAML nodes or nested over 64 levels"},
	{"frontmatter-not-mapping", Error, "the frontmatter is not a YAML mapping of fields"},
	{"yaml-syntax", Error, "the frontmatter is not valid YAML, or a key is not plain text"},
	{"yaml-alias", Error, "YAML anchors and aliases (refused: they can expand exponentially)"},
	{"yaml-flow-style", Error, "`--spec` only: flow collections (`[a, b]`, `{a: b}`), which the reference parser refuses"},
	{"yaml-tag", Error, "`--spec` only: explicit YAML tags (`!!str`), which the reference parser refuses"},
	{"duplicate-field", Error, "a field is set twice"},
	{"name-missing", Error, "`name` is absent or empty"},
	{"name-type", Error, "`name` is not text"},
	{"name-format", Error, "`name` has an uppercase letter, a character other than letters, digits and `-`, a leading/trailing `-` or `--`"},
	{"name-too-long", Error, "`name` is over 64 characters"},
	{"name-dir-mismatch", Error, "`name` differs from the folder's name (after NFKC)"},
	{"name-non-ascii", Warning, "`name` uses letters outside a-z (the specification allows only a-z, 0-9, `-`)"},
	{"description-missing", Error, "`description` is absent or blank"},
	{"description-type", Error, "`description` is not text"},
	{"description-too-long", Error, "`description` is over 1024 characters"},
	{"description-cut", Warning, "`description` is longer than an agent's documented cut of one entry in its skill listing (Claude Code: 1,536 characters); the rest is never seen"},
	{"compatibility-type", Error, "`compatibility` is not text"},
	{"compatibility-too-long", Error, "`compatibility` is over 500 characters"},
	{"allowed-tools-type", Warning, "`allowed-tools` is a list instead of a space-separated string (an error if it is a mapping or nested)"},
	{"metadata-type", Warning, "`metadata` is not a mapping of text to text (a YAML number, boolean or list as a value)"},
	{"license-type", Warning, "`license` is not text"},
	{"unknown-field", Warning, "a field outside the specification's six, `depends-on`/`related-skills` and the fields agents document (with `--agent`, those agents'); an error with `--spec`"},
	{"depends-on-format", Warning, "`depends-on` written as a single name or a comma-separated string instead of a list"},
	{"depends-on-type", Error, "`depends-on` is a mapping or holds a non-name entry"},
	{"depends-on-invalid-name", Error, "a `depends-on` entry is not a valid skill name of a-z, 0-9 and `-`"},
	{"depends-on-version", Error, "a `depends-on` entry's version is not `@vX`, `@vX.Y` or `@vX.Y.Z` (at least that version, same major)"},
	{"depends-on-duplicate", Warning, "a `depends-on` entry is repeated"},
	{"depends-on-self", Error, "a skill depends on itself"},
	{"related-skills-format", Warning, "`related-skills` written as a single name or a comma-separated string instead of a list"},
	{"related-skills-type", Warning, "`related-skills` is a mapping or holds a non-name entry"},
	{"related-skills-invalid-name", Warning, "a `related-skills` entry is not a valid skill name of a-z, 0-9 and `-`"},
	{"related-skills-duplicate", Warning, "a `related-skills` entry is repeated"},
	{"related-skills-self", Warning, "a skill lists itself as related"},
	{"body-too-long", Warning, "the body is over 500 lines"},
	{"broken-link", Warning, "a relative Markdown link, image or reference definition in the body names a file the skill folder does not have (paths in prose and code spans are not links)"},
	{"link-outside-skill", Warning, "a relative link leaves the skill folder (`../`), so it breaks once installed"},
	{"not-regular-file", Error, "SKILL.md is not a regular file (validate)"},
	{"unreadable-file", Error, "SKILL.md cannot be opened or read, e.g. for lack of permission (validate)"},
	{"depends-on-cycle", Error, "skills validated together depend on each other in a cycle (validate)"},
	{"depends-on-unresolved", Warning, "no skill validated together provides a `depends-on` name; it may live in a registry (validate)"},
}
