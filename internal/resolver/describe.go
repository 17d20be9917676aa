package resolver

import (
	"context"
	"fmt"
	"path"
	"path/filepath"

	"github.com/skillctl/skillctl/internal/agents"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/report"
	"github.com/skillctl/skillctl/internal/risk"
)

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
	Version  string `json:"version,omitempty"` // the release Ref tags, when it is one
	// Versions are the skill's releases in its repository, newest first (pre-releases included).
	Versions []string `json:"versions,omitempty"`
	Commit   string   `json:"commit,omitempty"`
	Path     string   `json:"path,omitempty"`
	Dir      string   `json:"dir,omitempty"`
	Tree     string   `json:"tree,omitempty"`
	Hash     string   `json:"hash"`

	Files  []FileInfo     `json:"files"`
	Bytes  int64          `json:"bytes"`
	Report *report.Report `json:"report"`
	Risks  []risk.Finding `json:"risks"`
	// Verdict is risk.Judge over Risks and Report: the one verdict install's review, --deny-risky and
	// audit give this skill.
	Verdict risk.Verdict `json:"verdict"`
}

// FileInfo is one file of a skill.
type FileInfo struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	Size int    `json:"size"`
}

// Info locates one source and describes it, with the releases its repository has for it (info's data).
func (r *Resolver) Info(ctx context.Context, raw string) (*Info, error) {
	fd, err := r.Locate(ctx, raw)
	if err != nil {
		return nil, err
	}
	in := Describe(fd)
	rels, err := r.Releases(ctx, fd.Origin)
	if err != nil {
		return nil, err
	}
	for i := len(rels) - 1; i >= 0; i-- {
		in.Versions = append(in.Versions, rels[i].Version.String())
	}
	return in, nil
}

// Describe builds the Info of a fetched skill. It never fails: an unreadable SKILL.md or report shows
// up as problems, which is what a user asking about a skill wants to see.
func Describe(fd *Located) *Info {
	f, o := fd.Folder, fd.Origin
	in := &Info{Name: fd.Label, Origin: o.String(), Registry: fd.Registry, Author: fd.Author, Repo: o.Repo,
		Ref: o.Ref, Version: o.Version, Commit: o.Commit, Path: o.Path, Dir: o.Dir, Tree: f.Tree, Hash: f.Hash(), Bytes: f.Size(),
		DependsOn: []string{}, Related: []string{}, Problems: []string{}, Files: []FileInfo{}}
	if o.Kind == Builtin {
		in.Registry = registry.BuiltinName
	}
	for _, fl := range f.Files {
		in.Files = append(in.Files, FileInfo{Path: fl.Path, Mode: fl.Mode.String(), Size: len(fl.Data)})
	}
	dir := path.Base(o.Path)
	if o.Dir != "" {
		dir = filepath.Base(o.Dir)
	}
	if o.Path == "" && o.Dir == "" {
		dir = ""
	}
	rd := manifest.ReadFolder(manifest.FolderInput{Folder: f, Dir: dir}, manifest.Mode{Fields: agents.KnownFields()})
	if rd.Err != nil {
		in.Problems = append(in.Problems, rd.Err.Error())
	} else {
		sk := rd.Skill
		in.Valid = rd.Valid()
		for _, d := range rd.Diags {
			if d.Severity == manifest.Error {
				in.Problems = append(in.Problems, fmt.Sprintf("%s:%d:%d: %s [%s]", d.File, d.Line, d.Column, d.Message, d.Rule))
			}
		}
		if sk != nil {
			if sk.Name != "" {
				in.Name = sk.Name
			}
			in.Description, in.License, in.Compatibility, in.AllowedTools = sk.Description, sk.License, sk.Compatibility, sk.AllowedTools
			in.Metadata = sk.Metadata
			in.DependsOn = append(in.DependsOn, (&Resolved{Manifest: sk}).Requires()...)
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
	in.Verdict = risk.Judge(in.Risks, r, err)
	return in
}
