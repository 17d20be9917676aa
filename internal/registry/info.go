package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

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
func (s *Set) Fetch(ctx context.Context, raw string, log io.Writer) (*Found, error) {
	if log == nil {
		log = io.Discard
	}
	src, err := source.Parse(raw)
	if err != nil {
		return nil, err
	}
	switch {
	case src.Kind == source.Name:
		c, err := s.Lookup(ctx, src.Name, "", src.Registry, log)
		if err != nil {
			return nil, err
		}
		return s.pick(ctx, src.Name, c, log)
	case src.Kind == source.Git && src.Author != "":
		c, err := s.Lookup(ctx, src.Name, src.Author, "", log)
		if err == nil && len(c) > 0 {
			return s.pick(ctx, src.Name, c, log)
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
	refs, err := s.listRefs(ctx, src.Repo, log)
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
	return s.load(ctx, c, log)
}

func (s *Set) pick(ctx context.Context, name string, c []Candidate, log io.Writer) (*Found, error) {
	switch len(c) {
	case 0:
		return nil, clierr.WithHint(fmt.Errorf("%s: not found in the registries (%s)", name, strings.Join(s.Names(), ", ")),
			"skillctl search "+shellWord(name), "skillctl registry add NAME URL")
	case 1:
		return s.load(ctx, c[0], log)
	}
	return nil, Ambiguous(name, c)
}

// load fetches a candidate's folder.
func (s *Set) load(ctx context.Context, c Candidate, log io.Writer) (*Found, error) {
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
	got, err := gitfetch.Fetch(ctx, s.remote(c.Repo, log), c.Commit, []string{c.Path})
	if err != nil {
		return nil, err
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

// InfoOptions are the flags of 'skillctl info'.
type InfoOptions struct {
	Source         string
	JSON, Color    bool
	Stdout, Stderr io.Writer
}

// RunInfo prints what a skill is and where it would come from, without installing it.
func RunInfo(ctx context.Context, opts InfoOptions) error {
	s, err := Load()
	if err != nil {
		return err
	}
	fd, err := s.Fetch(ctx, opts.Source, opts.Stderr)
	if err != nil {
		var nf *gitfetch.NotFoundError
		if errors.As(err, &nf) {
			return fmt.Errorf("%s: %w", opts.Source, err)
		}
		return err
	}
	in := Describe(fd)
	if opts.JSON {
		return writeJSON(opts.Stdout, in)
	}
	printInfo(opts.Stdout, in, opts.Color)
	return nil
}

func printInfo(w io.Writer, in *Info, color bool) {
	paint := func(code, s string) string {
		if !color || s == "" {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("name", paint("1", printable(in.Name)))
	row("description", printable(in.Description))
	row("license", printable(in.License))
	row("compatibility", printable(in.Compatibility))
	row("allowed-tools", printable(in.AllowedTools))
	keys := make([]string, 0, len(in.Metadata))
	for k := range in.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		row("metadata."+printable(k), printable(in.Metadata[k]))
	}
	row("depends-on", printable(strings.Join(in.DependsOn, ", ")))
	row("related", printable(strings.Join(in.Related, ", ")))
	row("origin", in.Origin)
	if in.Registry != "" {
		row("registry", in.Registry)
	}
	if in.Ref != "" && in.Ref != in.Commit {
		row("ref", in.Ref)
	}
	row("commit", in.Commit)
	row("hash", in.Hash)
	if in.Valid {
		row("valid", "yes")
	} else {
		row("valid", paint("31", "no"))
	}
	for _, p := range in.Problems {
		row("problem", printable(p))
	}
	row("files", fmt.Sprintf("%d, %d bytes", len(in.Files), in.Bytes))
	for _, f := range in.Files {
		note := ""
		switch f.Mode {
		case snapshot.Executable.String():
			note = "  executable"
		case snapshot.Symlink.String():
			note = "  symlink"
		}
		fmt.Fprintf(tw, "  %s\t%d%s\n", printable(f.Path), f.Size, note)
	}
	if r := in.Report; r != nil {
		risk := r.Risk
		if risk == "" {
			risk = "unknown"
		}
		switch risk {
		case "high", "critical":
			risk = paint("31", risk)
		case "medium":
			risk = paint("33", risk)
		case "low", "safe", "none":
			risk = paint("32", risk)
		}
		row("report", "risk "+risk+", "+reportVerdict(r, paint))
		row("  summary", r.Summary)
		if r.Blocked {
			row("  blocked", paint("31", "yes: install refuses this skill unless --force"))
		}
		for _, f := range r.Findings {
			line := f.Title
			if f.Severity != "" {
				line = "[" + f.Severity + "] " + line
			}
			if f.Description != "" {
				line += ": " + f.Description
			}
			if f.File != "" {
				loc := f.File
				if f.Line > 0 {
					loc += fmt.Sprintf(":%d", f.Line)
				}
				line += " (" + loc + ")"
			}
			row("  finding", line)
		}
	}
	// What skillctl's own review finds (the same as install shows before writing), computed here.
	var hosts []string
	for _, f := range in.Risks {
		if f.Kind == risk.KindExternalLink {
			hosts = append(hosts, f.Detail)
			continue
		}
		row("review", paint("33", f.String()))
	}
	if len(hosts) > 0 {
		row("links to", strings.Join(hosts, ", "))
	}
	tw.Flush()
}

func reportVerdict(r *report.Report, paint func(code, s string) string) string {
	parts := []string{"SKILL.md " + string(r.Content), "other files " + string(r.Tree)}
	switch {
	case r.Current():
		return paint("32", "describes these files") + " (" + strings.Join(parts, ", ") + ")"
	case r.Content == report.Absent && r.Tree == report.Absent:
		return "records no hashes to check it against"
	}
	return paint("33", "stale: it describes other files") + " (" + strings.Join(parts, ", ") + ")"
}
