package install

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/review"
	"github.com/skillctl/skillctl/internal/risk"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/streams"
)

// Options are the install command's flags.
type Options struct {
	Target      TargetOptions
	Sources     []string
	DryRun      bool
	Frozen      bool // fail instead of changing the lock
	Force       bool
	WithRelated bool
	All         bool     // a plugin's name (or a site) stands for all its skills (resolver.AllOfPlugins)
	Skills      []string // the skills to take from a site's index (resolver.PickSkills)
	JSON        bool
	Limits      Limits
	Review      review.Options
	IO          *streams.IO // progress, notes and the review's question; nil for none
}

// Installed is one skill in the install report; its JSON shape is part of the CLI's interface.
type Installed struct {
	Name         string               `json:"name"`
	Dir          string               `json:"dir"`
	Source       string               `json:"source"`
	Repo         string               `json:"repo"`
	Registry     string               `json:"registry,omitempty"` // "builtin" or "local" when there is no repository; else the registry that found it
	Ref          string               `json:"ref,omitempty"`
	Version      string               `json:"version,omitempty"` // the release, when installed from one
	Commit       string               `json:"commit"`
	Path         string               `json:"path"`
	Tree         string               `json:"tree"`
	URL          string               `json:"url,omitempty"`    // an artifact over http(s)
	Digest       string               `json:"digest,omitempty"` // its sha256:HEX
	Index        string               `json:"index,omitempty"`  // the site's index that listed it
	Hash         string               `json:"hash"`
	Dependencies []string             `json:"dependencies"`
	Requested    bool                 `json:"requested"`
	Action       string               `json:"action"` // install, replace, unchanged
	Files        int                  `json:"files"`
	Bytes        int64                `json:"bytes"`
	Risks        []risk.Finding       `json:"risks,omitempty"`
	Risk         *risk.Verdict        `json:"risk,omitempty"`       // the verdict over Risks and the marketplace's report
	Placements   []lockfile.Placement `json:"placements,omitempty"` // the other agents' folders it is linked or copied into
}

// Report is what an install did (or, with --dry-run, would do) in one target.
type Report struct {
	Target    Target      `json:"-"`
	Installed []Installed `json:"installed"`
	Suggested []string    `json:"suggested"`
	DryRun    bool        `json:"dry_run,omitempty"`
}

// Run installs opts.Sources and their dependencies into the target, or, with no sources, everything the
// lock lists (see FromLock). It returns one report per target changed.
func Run(ctx context.Context, opts Options) ([]Report, error) {
	if len(opts.Sources) == 0 {
		return FromLock(ctx, opts)
	}
	rep, err := installSources(ctx, opts)
	if err != nil {
		return nil, err
	}
	return []Report{rep}, nil
}

func installSources(ctx context.Context, opts Options) (Report, error) {
	t, err := ResolveTarget(opts.Target)
	if err != nil {
		return Report{}, clierr.Usage(err)
	}
	if err := t.checkRecordable(); err != nil {
		return Report{}, err
	}
	r := newResolver(opts.Target, opts.IO, opts.Limits).AllOfPlugins(opts.All).PickSkills(opts.Skills)
	opts.IO.StartProgress("resolving and fetching skills")
	res, err := resolveSources(ctx, r, opts.Sources, opts.WithRelated)
	opts.IO.StopProgress()
	if err != nil {
		return Report{}, err
	}
	if err := checkSkills(res, opts.Force, opts.Limits); err != nil {
		return Report{}, err
	}
	warnDiagnostics(opts.IO, res)

	rep := Report{Target: t, DryRun: opts.DryRun, Suggested: nonNil(res.Suggested)}
	var risks map[string]review.Judged
	err = pipeline{target: t, dryRun: opts.DryRun,
		plan: func(lock *lockfile.Lock) (*change, error) {
			rep.Installed = nil
			return planInstall(t, res, lock, opts, &rep)
		},
		review: func(*change) (err error) {
			risks, err = review.Run(ctx, opts.IO, opts.Review, reviewItems(res, res.order))
			return err
		},
	}.run(ctx)
	if err != nil {
		return Report{}, err
	}
	for i := range rep.Installed {
		if j, ok := risks[rep.Installed[i].Name]; ok {
			rep.Installed[i].Risks, rep.Installed[i].Risk = j.Findings, &j.Verdict
		}
	}
	if !opts.DryRun {
		noteBudget(opts.IO, opts.Target, t, rep.Installed)
	}
	return rep, nil
}

func frozenError(t Target, ins []Installed) error {
	var names []string
	for _, in := range ins {
		if in.Action != "unchanged" {
			names = append(names, in.Name)
		}
	}
	if len(names) == 0 {
		names = append(names, "(lock metadata)")
	}
	return clierr.WithHint(fmt.Errorf("%s: would change with --frozen: %s", filepath.Base(t.Lock), strings.Join(names, ", ")),
		"run the same command without --frozen to update the lock, and commit it")
}

// installedEntry is a lock entry as the install report shows it; f is the folder written or kept.
func installedEntry(e lockfile.Entry, action string, f *snapshot.Folder) Installed {
	return Installed{Name: e.Name, Dir: e.Dir, Source: e.Source, Repo: e.Repo, Registry: e.Registry, Ref: e.Ref, Version: e.Version, Commit: e.Commit, Path: e.Path,
		Tree: e.Tree, URL: e.URL, Digest: e.Digest, Index: e.Index, Hash: e.Hash, Dependencies: nonNil(e.Dependencies), Requested: e.Requested, Action: action,
		Files: len(f.Files), Bytes: f.Size(), Placements: e.Placements}
}

// warnDiagnostics notes the skills' warnings (and, under --force, errors), so nothing the validator found
// is hidden by an install that goes ahead.
func warnDiagnostics(io *streams.IO, res *resolution) {
	for _, name := range res.order {
		for _, d := range res.Skills[name].Diags {
			io.Note(fmt.Sprintf("%s: %s:%d:%d: %s: %s [%s]", name, d.File, d.Line, d.Column, d.Severity, d.Message, d.Rule))
		}
	}
}
