package registry

import (
	"context"
	"fmt"

	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/report"
	"github.com/skillctl/skillctl/internal/risk"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
)

// Found is a skill folder fetched without installing it, and where it came from.
type Found struct {
	Candidate
	Folder *snapshot.Folder
}

// Fetch finds the skill a source names (a tree URL, OWNER/REPO, a git URL, a folder, NAME, NAME@REGISTRY
// or AUTHOR/NAME) and fetches its folder into memory. A two-segment A/B is a registry's AUTHOR/NAME when
// some registry has it, and GitHub's OWNER/REPO otherwise.
func (s *Set) Fetch(ctx context.Context, raw string) (*Found, error) {
	src, err := source.Parse(raw)
	if err != nil {
		return nil, err
	}
	switch {
	case src.Kind == source.Name:
		c, err := s.Lookup(ctx, src.Name, "", src.Registry)
		if err != nil {
			return nil, err
		}
		return s.pick(ctx, src.Name, c)
	case src.Kind == source.Git && src.Author != "":
		c, err := s.Lookup(ctx, src.Name, src.Author, "")
		if err == nil && len(c) > 0 {
			return s.pick(ctx, src.Name, c)
		}
	case src.Kind == source.Local:
		dir := src.Dir
		if strings.HasPrefix(dir, "~") {
			home, _ := os.UserHomeDir()
			dir = filepath.Join(home, strings.TrimPrefix(dir, "~"))
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		f, err := ReadFolder(abs)
		if err != nil {
			return nil, err
		}
		return &Found{Candidate: Candidate{Name: filepath.Base(abs), Dir: abs}, Folder: f}, nil
	}
	refs, err := s.git.ListRefs(ctx, src.Repo)
	if err != nil {
		return nil, err
	}
	ref, commit, err := src.ResolveRef(refs)
	if err != nil {
		return nil, err
	}
	c := Candidate{Repo: src.Repo, Ref: ref, Commit: commit, Path: src.Path, Name: path.Base(src.Path)}
	if src.Path == "" {
		c.Name = strings.TrimSuffix(path.Base(src.Repo), ".git")
	}
	return s.load(ctx, c)
}

func (s *Set) pick(ctx context.Context, name string, c []Candidate) (*Found, error) {
	switch len(c) {
	case 0:
		return nil, clierr.WithHint(fmt.Errorf("%s: not found in the registries (%s)", name, strings.Join(s.Names(), ", ")),
			"skillctl search "+shellWord(name), "skillctl registry add NAME URL")
	case 1:
		return s.load(ctx, c[0])
	}
	return nil, Ambiguous(name, c)
}

// load fetches a candidate's folder.
func (s *Set) load(ctx context.Context, c Candidate) (*Found, error) {
	switch {
	case c.Builtin():
		f, ok := s.builtin.Folder(c.Path)
		if !ok {
			return nil, fmt.Errorf("%s: no bundled skill of that name", c.Path)
		}
		return &Found{Candidate: c, Folder: f}, nil
	case c.Dir != "":
		f, err := ReadFolder(c.Dir)
		if err != nil {
			return nil, err
		}
		return &Found{Candidate: c, Folder: f}, nil
	}
	got, missing, err := s.git.Fetch(ctx, c.Repo, c.Commit, []string{c.Path})
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, &gitfetch.NotFoundError{Path: c.Path, Commit: c.Commit}
	}
	return &Found{Candidate: c, Folder: got[c.Path]}, nil
}

// ReadFolder reads a skill folder from disk with the same caps as a fetch. Symlinks are recorded, never
// followed; .git is skipped.
func ReadFolder(dir string) (*snapshot.Folder, error) {
	return localfs.Read(dir, localfs.Limits{MaxFileSize: gitfetch.DefaultMaxFileSize, MaxTotalSize: gitfetch.DefaultMaxTotalBytes, MaxFiles: gitfetch.DefaultMaxFiles})
}

// Info is what 'skillctl info' shows; its JSON shape is part of the CLI's interface.
type Info struct {
	Name          string            `json:"name"`
	Description   string            `json:"description"`
	License       string            `json:"license,omitempty"`
	Compatibility string            `json:"compatibility,omitempty"`
	AllowedTools  string            `json:"allowed_tools,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	DependsOn     []string          `json:"depends_on"`
	Related       []string          `json:"related_skills"`
	Valid         bool              `json:"valid"`
	Problems      []string          `json:"problems"`

	Origin   string `json:"origin"`
	Registry string `json:"registry,omitempty"`
	Author   string `json:"author,omitempty"`
	Repo     string `json:"repo,omitempty"`
	Ref      string `json:"ref,omitempty"`
	Commit   string `json:"commit,omitempty"`
	Path     string `json:"path,omitempty"`
	Dir      string `json:"dir,omitempty"`
	Tree     string `json:"tree,omitempty"`
	Hash     string `json:"hash"`

	Files  []FileInfo     `json:"files"`
	Bytes  int64          `json:"bytes"`
	Report *report.Report `json:"report"`
	Risks  []risk.Finding `json:"risks"`
}

// FileInfo is one file of a skill.
type FileInfo struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	Size int    `json:"size"`
}

// Describe builds the Info of a fetched skill. It never fails: an unreadable SKILL.md or report shows
// up as problems, which is what a user asking about a skill wants to see.
func Describe(fd *Found) *Info {
	f := fd.Folder
	in := &Info{Name: fd.Name, Origin: fd.Origin(), Registry: fd.Registry, Author: fd.Author, Repo: fd.Repo,
		Ref: fd.Ref, Commit: fd.Commit, Path: fd.Path, Dir: fd.Dir, Tree: f.Tree, Hash: f.Hash(), Bytes: f.Size(),
		DependsOn: []string{}, Related: []string{}, Problems: []string{}, Files: []FileInfo{}}
	if fd.Dir != "" && fd.Registry == "" {
		in.Origin = fd.Dir
	}
	for _, fl := range f.Files {
		in.Files = append(in.Files, FileInfo{Path: fl.Path, Mode: fl.Mode.String(), Size: len(fl.Data)})
	}
	md := f.File("SKILL.md")
	if md == nil {
		md = f.File("skill.md")
	}
	if md == nil {
		in.Problems = append(in.Problems, "SKILL.md: missing")
	} else {
		dir := path.Base(fd.Path)
		if fd.Dir != "" {
			dir = filepath.Base(fd.Dir)
		}
		if fd.Path == "" && fd.Dir == "" {
			dir = ""
		}
		sk, diags := manifest.Check(manifest.Input{File: "SKILL.md", Dir: dir, Data: md.Data, Files: f.Paths()}, manifest.Mode{})
		in.Valid = manifest.Valid(diags)
		for _, d := range diags {
			if d.Severity == manifest.Error {
				in.Problems = append(in.Problems, fmt.Sprintf("SKILL.md:%d:%d: %s [%s]", d.Line, d.Column, d.Message, d.Rule))
			}
		}
		if sk != nil {
			if sk.Name != "" {
				in.Name = sk.Name
			}
			in.Description, in.License, in.Compatibility, in.AllowedTools = sk.Description, sk.License, sk.Compatibility, sk.AllowedTools
			in.Metadata = sk.Metadata
			in.DependsOn = append(in.DependsOn, sk.DependsOn...)
			in.Related = append(in.Related, sk.RelatedSkills...)
		}
	}
	r, err := report.Check(f)
	if err != nil {
		in.Problems = append(in.Problems, err.Error())
	}
	in.Report = r
	in.Risks = risk.Scan(f)
	if in.Risks == nil {
		in.Risks = []risk.Finding{}
	}
	return in
}
