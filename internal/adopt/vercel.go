package adopt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/skillctl/skillctl/internal/snapshot"
)

// Vercel's skills CLI (npx skills) records a project's skills in skills-lock.json and installs each in
// .agents/skills/NAME (linking or copying it into agents' folders); its user-level record is
// ~/.agents/.skill-lock.json, for ~/.agents/skills/NAME.
const (
	VercelFile       = "skills-lock.json"
	VercelGlobalFile = ".agents/.skill-lock.json" // relative to home
	vercelDir        = ".agents/skills"
)

// vercelSkill holds the fields of both versions; each reads its own.
type vercelSkill struct {
	Source          string `json:"source"`
	SourceType      string `json:"sourceType"`
	SourceURL       string `json:"sourceUrl"`
	Ref             string `json:"ref"`
	SkillPath       string `json:"skillPath"`
	ComputedHash    string `json:"computedHash"`
	SkillFolderHash string `json:"skillFolderHash"`
}

type vercelLock struct {
	Version int                     `json:"version"`
	Skills  map[string]*vercelSkill `json:"skills"`
}

// ParseVercel reads a project's skills-lock.json (version 1): {"version":1,"skills":{NAME:{source,
// sourceType, ref, skillPath, computedHash}}}.
func ParseVercel(data []byte) ([]Entry, error) {
	return parseVercel(VercelFile, data, 1)
}

// ParseVercelGlobal reads the user-level ~/.agents/.skill-lock.json (version 3): the same map, with
// sourceUrl (the clone URL) and skillFolderHash (the git tree hash of the skill's folder).
func ParseVercelGlobal(data []byte) ([]Entry, error) {
	return parseVercel(VercelGlobalFile, data, 3)
}

func parseVercel(format string, data []byte, version int) ([]Entry, error) {
	var l vercelLock
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%s: not a valid lock: %v", format, err)
	}
	if l.Version != version {
		return nil, fmt.Errorf("%s: version %d is not read (this skillctl reads version %d)", format, l.Version, version)
	}
	if len(l.Skills) > MaxEntries {
		return nil, tooMany(format, len(l.Skills))
	}
	var out []Entry
	for name, s := range l.Skills {
		if s == nil {
			s = &vercelSkill{}
		}
		e := Entry{Name: name, Format: format, Ref: s.Ref, Path: skillFolder(s.SkillPath), Dir: vercelDir}
		switch {
		case version == 1 && s.ComputedHash != "":
			e.HashKind, e.Hash = HashVercel, strings.ToLower(s.ComputedHash)
		case version == 3 && s.SkillFolderHash != "":
			e.HashKind, e.Hash = HashTree, strings.ToLower(s.SkillFolderHash)
		}
		switch s.SourceType {
		case "github", "gitlab", "git", "":
			e.Repo = s.Source
			if s.SourceURL != "" {
				e.Repo = s.SourceURL
			} else if s.SourceType == "gitlab" && !strings.Contains(s.Source, "://") {
				e.Repo = "https://gitlab.com/" + s.Source
			}
			e.Repo = strings.TrimSuffix(e.Repo, ".git")
		case "local":
			e.Skip = "installed from a folder on a machine, not a repository; install it again with skillctl install ./FOLDER"
		default:
			e.Skip = fmt.Sprintf("source type %q is not one skillctl imports", s.SourceType)
		}
		e.Find = s.SkillPath == ""
		e.check()
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// VercelHash is the computedHash vercel's CLI records: the hex SHA-256 over the folder's files (folders
// named .git or node_modules skipped), each contributing its relative path, slash-separated, then its
// bytes, in the order JavaScript's String.prototype.localeCompare gives their paths. That order is ICU's
// root collation, not byte order (skill-report.json sorts before SKILL.md, a.md before A.md); Unicode's
// collation algorithm with the root locale (golang.org/x/text/collate, language.Und) is the same order.
// Paths that collate equal keep byte order. Links count as files holding their target, as a copy of the
// folder would not have them at all; a folder holding one rarely has a matching hash anyway.
func VercelHash(files []snapshot.File) string {
	var keep []snapshot.File
	for _, f := range files {
		if skippedByVercel(f.Path) {
			continue
		}
		keep = append(keep, f)
	}
	c := collate.New(language.Und)
	sort.SliceStable(keep, func(i, j int) bool {
		if r := c.CompareString(keep[i].Path, keep[j].Path); r != 0 {
			return r < 0
		}
		return keep[i].Path < keep[j].Path
	})
	h := sha256.New()
	for _, f := range keep {
		h.Write([]byte(f.Path))
		h.Write(f.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func skippedByVercel(p string) bool {
	for _, el := range strings.Split(path.Clean(p), "/") {
		if el == ".git" || el == "node_modules" {
			return true
		}
	}
	return false
}
