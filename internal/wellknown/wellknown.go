// Package wellknown reads a site's skill index, as the Agent Skills discovery scheme publishes it at
// /.well-known/agent-skills/index.json (schema https://schemas.agentskills.io/discovery/0.2.0/schema.json:
// skills[] of name, type "skill-md" or "archive", description, url relative to the index, digest
// "sha256:HEX" of the artifact) or, in its earlier form, at /.well-known/skills/index.json (skills[] of
// name, description and files[], each file at /.well-known/skills/NAME/FILE, with no digest). It is pure:
// the caller fetches; every field is checked here, since a site is as untrusted as a repository.
package wellknown

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// The two places a site publishes its index, relative to the site's root.
const (
	IndexPath  = "/.well-known/agent-skills/index.json"
	LegacyPath = "/.well-known/skills/index.json"
)

// MaxIndexSize bounds an index's bytes; MaxSkills its skills.
const (
	MaxIndexSize = 8 << 20
	MaxSkills    = limits.MaxIndexEntries
)

// Artifact types.
const (
	SkillMD = "skill-md" // a SKILL.md alone
	Archive = "archive"  // a .tar.gz or .zip of the skill's folder
	Files   = "files"    // the earlier form: the files listed, each fetched
)

// Skill is one entry of an index, its URLs made absolute.
type Skill struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Type        string   `json:"type"`
	URL         string   `json:"url"`              // the artifact; for Files, the folder the files are under (ending in '/')
	Digest      string   `json:"digest,omitempty"` // "sha256:" and 64 lower-case hex digits; "" for Files
	Files       []string `json:"files,omitempty"`
}

// Index is a site's index.
type Index struct {
	URL    string
	Legacy bool
	Skills []Skill
}

// Find returns the skill called name, or nil.
func (x *Index) Find(name string) *Skill {
	for i := range x.Skills {
		if x.Skills[i].Name == name {
			return &x.Skills[i]
		}
	}
	return nil
}

// Names lists the skills' names, in the index's order.
func (x *Index) Names() []string {
	out := make([]string, len(x.Skills))
	for i, s := range x.Skills {
		out[i] = s.Name
	}
	return out
}

// Site is the URL of the site's root for a URL of it: scheme and host.
func Site(u *url.URL) string { return u.Scheme + "://" + u.Host }

type rawSkill struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Description string   `json:"description"`
	URL         string   `json:"url"`
	Digest      string   `json:"digest"`
	Files       fileList `json:"files"`
}

// fileList is the earlier form's files[], decoded one name at a time and refused past the cap on a
// skill's files: built whole, an index of empty names ("","",...) cost 289 MB before it could be counted.
type fileList []string

func (l *fileList) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil || t == nil {
		return err
	}
	if t != json.Delim('[') {
		return errors.New(`"files" is not a list`)
	}
	for dec.More() {
		if len(*l) == limits.DefaultMaxFiles {
			return fmt.Errorf(`"files" lists over %d files`, limits.DefaultMaxFiles)
		}
		var f string
		if err := dec.Decode(&f); err != nil {
			return err
		}
		*l = append(*l, f)
	}
	_, err = dec.Token()
	return err
}

// decodeSkills reads the index's skills one entry at a time and stops past MaxSkills: decoded whole, an
// index of MaxIndexSize bytes of empty entries ({},{},...) costs over a gigabyte before it could be counted.
func decodeSkills(data []byte) ([]rawSkill, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var skills []rawSkill
	seen := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if t != "skills" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		if seen {
			return nil, errors.New(`"skills" is given twice`)
		}
		seen = true
		if t, err = dec.Token(); err != nil {
			return nil, err
		}
		if t == nil {
			continue
		}
		if t != json.Delim('[') {
			return nil, errors.New(`"skills" is not a list`)
		}
		for dec.More() {
			if len(skills) == MaxSkills {
				return nil, fmt.Errorf("over %d skills; at most %d are read", MaxSkills, MaxSkills)
			}
			var s rawSkill
			if err := dec.Decode(&s); err != nil {
				return nil, err
			}
			skills = append(skills, s)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return skills, nil
}

// Parse reads the index fetched from indexURL; legacy says it came from LegacyPath.
func Parse(indexURL string, data []byte, legacy bool) (*Index, error) {
	return ParseServed(indexURL, indexURL, data, legacy)
}

// ParseServed is Parse of an index asked for at indexURL and served, after redirects, from served: its
// relative URLs resolve against served, as a browser and npm resolve them, while the index keeps the URL
// asked for (Index.URL, the lock's index: a site names its own index, and update asks it again). A
// redirect to another host gains that host nothing it lacked: an index may name artifacts on any host,
// each pinned by the digest the index gives. An artifact over http is accepted only when both URLs are
// http, so a site named over https never lists one.
func ParseServed(indexURL, served string, data []byte, legacy bool) (*Index, error) {
	if len(data) > MaxIndexSize {
		return nil, fmt.Errorf("%s: over %d bytes", indexURL, MaxIndexSize)
	}
	asked, err := url.Parse(indexURL)
	if err != nil || asked.Scheme != "https" && asked.Scheme != "http" || !hosted(asked) {
		return nil, fmt.Errorf("%s: not an http(s) URL with a host", textsafe.RedactURL(indexURL))
	}
	base, err := url.Parse(served)
	if err != nil || base.User != nil || !hosted(base) || base.Scheme != "https" && !(base.Scheme == "http" && asked.Scheme == "http") {
		return nil, fmt.Errorf("%s: served from %s, not an https URL (or http for an http site) without credentials", textsafe.RedactURL(indexURL), textsafe.RedactURL(served))
	}
	skills, err := decodeSkills(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not a skill index: %v", indexURL, err)
	}
	x := &Index{URL: indexURL, Legacy: legacy}
	seen := map[string]bool{}
	for i, r := range skills {
		where := fmt.Sprintf("%s: skills[%d]", indexURL, i)
		if !manifest.ValidName(r.Name) {
			return nil, fmt.Errorf("%s: %q is not a skill name", where, r.Name)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("%s: %s is listed twice", where, r.Name)
		}
		seen[r.Name] = true
		s := Skill{Name: r.Name, Description: r.Description}
		if legacy {
			if len(r.Files) == 0 || len(r.Files) > limits.DefaultMaxFiles {
				return nil, fmt.Errorf("%s: %s: files must list 1 to %d files", where, r.Name, limits.DefaultMaxFiles)
			}
			for _, f := range r.Files {
				if !snapshot.ValidPath(f) {
					return nil, fmt.Errorf("%s: %s: %q is not a clean relative path", where, r.Name, f)
				}
			}
			s.Type, s.Files = Files, r.Files
			s.URL = base.ResolveReference(&url.URL{Path: r.Name + "/"}).String()
			x.Skills = append(x.Skills, s)
			continue
		}
		if r.Type != SkillMD && r.Type != Archive {
			return nil, fmt.Errorf("%s: %s: type %q is neither %s nor %s", where, r.Name, r.Type, SkillMD, Archive)
		}
		s.Type = r.Type
		if s.Digest, err = ParseDigest(r.Digest); err != nil {
			return nil, fmt.Errorf("%s: %s: %v", where, r.Name, err)
		}
		ref, err := url.Parse(r.URL)
		if err != nil || r.URL == "" {
			return nil, fmt.Errorf("%s: %s: url %q is not a URL", where, r.Name, r.URL)
		}
		abs := base.ResolveReference(ref)
		if abs.User != nil || !hosted(abs) || abs.Scheme != "https" && !(abs.Scheme == "http" && base.Scheme == "http") {
			return nil, fmt.Errorf("%s: %s: url %q must be https (or http on an http site), with a host and without credentials", where, r.Name, textsafe.RedactURL(r.URL))
		}
		abs.Fragment = ""
		s.URL = abs.String()
		x.Skills = append(x.Skills, s)
	}
	return x, nil
}

// hosted says whether u names a host to fetch from: "https:///x", "https:x" and "https://:0/x" do not.
func hosted(u *url.URL) bool { return u.Opaque == "" && u.Hostname() != "" }

// ParseDigest checks "sha256:HEX" and returns it with the hex in lower case.
func ParseDigest(d string) (string, error) {
	algo, h, ok := strings.Cut(d, ":")
	h = strings.ToLower(h)
	if !ok || algo != "sha256" || len(h) != 64 {
		return "", fmt.Errorf("digest %q is not sha256: and 64 hex digits", d)
	}
	if _, err := hex.DecodeString(h); err != nil {
		return "", fmt.Errorf("digest %q is not sha256: and 64 hex digits", d)
	}
	return "sha256:" + h, nil
}

// Digest is data's digest in the index's form.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Check refuses data whose digest is not want.
func Check(what string, data []byte, want string) error {
	if got := Digest(data); got != want {
		return fmt.Errorf("%s: digest mismatch: expected %s, got %s; nothing was written", what, want, got)
	}
	return nil
}

// Folder is an artifact's bytes as a skill folder: a SKILL.md alone, or an archive unpacked under the caps
// (snapshot.FromArchive; its kind from the URL's name, else from the bytes). typ "" (a lock records no
// type) is an archive when the bytes start as one, else a SKILL.md.
func Folder(typ, artifactURL string, data []byte, lim limits.Limits) (*snapshot.Folder, error) {
	if typ == "" {
		typ = SkillMD
		if snapshot.ArchiveKind(pathOf(artifactURL)) != "" || bytes.HasPrefix(data, []byte{0x1f, 0x8b}) || bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			typ = Archive
		}
	}
	if typ == SkillMD {
		return &snapshot.Folder{Files: []snapshot.File{{Path: manifest.FileName, Mode: snapshot.Regular, Data: data}}}, nil
	}
	kind := snapshot.ArchiveKind(pathOf(artifactURL))
	if kind == "" {
		switch {
		case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
			kind = "tar.gz"
		case bytes.HasPrefix(data, []byte("PK\x03\x04")):
			kind = "zip"
		default:
			return nil, fmt.Errorf("%s: neither a .tar.gz nor a .zip archive", artifactURL)
		}
	}
	return snapshot.FromArchive(kind, data, lim)
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return raw
}

// Read is a site's index: IndexPath, else, when the site has none, LegacyPath. get fetches a URL and
// reports served, the URL the data came from after redirects, which relative URLs resolve against
// (ParseServed; "" is the URL asked); missing reports that the server has no such file (404). It is the
// one rule for which index of a site is read, for a site named as a source and for a registry of kind
// well-known alike.
func Read(site string, get func(url string) (data []byte, served string, missing bool, err error)) (*Index, error) {
	for _, p := range []string{IndexPath, LegacyPath} {
		data, served, missing, err := get(site + p)
		if missing {
			continue
		}
		if err != nil {
			return nil, err
		}
		if served == "" {
			served = site + p
		}
		return ParseServed(site+p, served, data, p == LegacyPath)
	}
	return nil, &NoIndexError{Site: site}
}

// NoIndexError is a site that publishes no index at either place.
type NoIndexError struct{ Site string }

func (e *NoIndexError) Error() string {
	return fmt.Sprintf("%s: no skill index at %s or %s", e.Site, IndexPath, LegacyPath)
}
