package adopt

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/source"
)

// GhFormat names gh skill's provenance: gh skill install writes where a skill came from into the
// installed SKILL.md's frontmatter, under metadata: github-repo (OWNER/REPO or its URL), github-ref (the
// branch, tag or commit asked for), github-tree-sha (the git tree hash of the folder installed),
// github-path (the folder in the repository) and github-pinned (whether the ref was pinned).
const GhFormat = "SKILL.md (gh skill)"

// ghKeys are the metadata keys gh skill adds.
var ghKeys = []string{"github-repo", "github-ref", "github-tree-sha", "github-path", "github-pinned"}

// ParseGhSkill reads gh skill's provenance from an installed skill's SKILL.md: name is its folder's name
// and dir the folder holding it (relative to the project root). ok is false when the file holds none.
func ParseGhSkill(name, dir string, skillMD []byte) (e Entry, ok bool) {
	sk, _ := manifest.Check(manifest.Input{File: "SKILL.md", Data: skillMD}, manifest.Mode{})
	if sk == nil || sk.Metadata["github-repo"] == "" {
		return Entry{}, false
	}
	m := sk.Metadata
	e = Entry{Name: name, Format: GhFormat, Repo: strings.TrimSuffix(m["github-repo"], ".git"), Path: skillFolder(m["github-path"]), Dir: dir}
	if ref := m["github-ref"]; source.IsCommit(strings.ToLower(ref)) {
		e.Commit = strings.ToLower(ref)
	} else {
		e.Ref = ref
	}
	if t := strings.ToLower(m["github-tree-sha"]); t != "" {
		e.HashKind, e.Hash = HashTree, t
	}
	e.check()
	return e, true
}

var ghLine = regexp.MustCompile(`^[ \t]+(` + strings.Join(ghKeys, "|") + `)[ \t]*:.*$`)

// StripGh is skillMD without the lines gh skill adds to the frontmatter's metadata: (and without
// metadata: itself when nothing else is under it), so an installed copy can be compared with the
// repository's file. Anything else about the file stays byte for byte; a file without frontmatter is
// returned as it is.
func StripGh(skillMD []byte) []byte {
	lines := bytes.SplitAfter(skillMD, []byte("\n"))
	if len(lines) == 0 || strings.TrimRight(string(lines[0]), "\r\n") != "---" {
		return skillMD
	}
	var out [][]byte
	out = append(out, lines[0])
	metaAt := -1 // index in out of a "metadata:" line whose block is still open
	kept := 0    // lines kept under it
	i := 1
	for ; i < len(lines); i++ {
		l := strings.TrimRight(string(lines[i]), "\r\n")
		if l == "---" {
			break
		}
		indented := strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")
		if !indented && metaAt >= 0 {
			if kept == 0 {
				out = append(out[:metaAt], out[metaAt+1:]...)
			}
			metaAt = -1
		}
		if l == "metadata:" {
			metaAt, kept = len(out), 0
		} else if metaAt >= 0 && ghLine.MatchString(l) {
			continue
		} else if metaAt >= 0 {
			kept++
		}
		out = append(out, lines[i])
	}
	if i == len(lines) {
		return skillMD // no closing line: not frontmatter
	}
	if metaAt >= 0 && kept == 0 {
		out = append(out[:metaAt], out[metaAt+1:]...)
	}
	out = append(out, lines[i:]...)
	return bytes.Join(out, nil)
}
