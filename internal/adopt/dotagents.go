package adopt

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// dotagents declares a project's skills in agents.toml: [[skills]] tables of name and source (OWNER/REPO,
// OWNER/REPO@REF, a git URL, "git:URL", or "path:FOLDER" for a folder of the project), with ref and path
// where given, and installs each in .agents/skills/NAME (linked into the agents' folders). TOML is read
// with github.com/BurntSushi/toml: its strings, escapes and tables have more rules than a hand-written
// subset would keep right.
const DotagentsFile = "agents.toml"

type dotagents struct {
	Skills []struct {
		Name   string `toml:"name"`
		Source string `toml:"source"`
		Ref    string `toml:"ref"`
		Path   string `toml:"path"`
	} `toml:"skills"`
}

// ParseDotagents reads agents.toml.
func ParseDotagents(data []byte) ([]Entry, error) {
	var d dotagents
	if deeper(data, maxNesting) {
		return nil, fmt.Errorf("%s: arrays or tables nested more than %d deep", DotagentsFile, maxNesting)
	}
	if _, err := toml.Decode(string(data), &d); err != nil {
		return nil, fmt.Errorf("%s: not valid TOML: %v", DotagentsFile, err)
	}
	if len(d.Skills) > MaxEntries {
		return nil, tooMany(DotagentsFile, len(d.Skills))
	}
	var out []Entry
	for _, s := range d.Skills {
		e := Entry{Name: s.Name, Format: DotagentsFile, Ref: s.Ref, Path: skillFolder(s.Path), Dir: vercelDir, Find: s.Path == ""}
		src := s.Source
		switch {
		case strings.HasPrefix(src, "path:"):
			e.Skip = "a folder of the project, not a repository"
		case strings.Contains(s.Name, "*"):
			e.Skip = "a wildcard, not one skill"
		default:
			src = strings.TrimPrefix(src, "git:")
			if !strings.Contains(src, "://") {
				if repo, ref, ok := strings.Cut(src, "@"); ok && e.Ref == "" {
					src, e.Ref = repo, ref
				}
			}
			e.Repo = strings.TrimSuffix(src, ".git")
		}
		e.check()
		out = append(out, e)
	}
	return out, nil
}

// maxNesting bounds how deep arrays and inline tables may nest in agents.toml: the TOML decoder recurses
// once a level, and 4 MiB of brackets took it past Go's 1 GB stack (a crash, not an error). A real file
// nests two or three deep.
const maxNesting = 100

// deeper reports whether data opens more than limit brackets or braces without closing them, counting
// every one, those inside strings and comments too: an overcount only refuses a file that is no real
// agents.toml, and the count is one pass with no parsing.
func deeper(data []byte, limit int) bool {
	depth := 0
	for _, b := range data {
		switch b {
		case '[', '{':
			if depth++; depth > limit {
				return true
			}
		case ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return false
}
