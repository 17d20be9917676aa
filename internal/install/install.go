package install

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/resolver"
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
	JSON        bool
	Limits      Limits
	Review      ReviewOptions
	IO          *streams.IO // progress, notes and the review's question; nil for none
}

// Installed is one skill in the install report; its JSON shape is part of the CLI's interface.
type Installed struct {
	Name         string               `json:"name"`
	Dir          string               `json:"dir"`
	Source       string               `json:"source"`
	Repo         string               `json:"repo"`
	Registry     string               `json:"registry,omitempty"` // "builtin" or "local" when there is no repository
	Ref          string               `json:"ref,omitempty"`
	Commit       string               `json:"commit"`
	Path         string               `json:"path"`
	Tree         string               `json:"tree"`
	Hash         string               `json:"hash"`
	Dependencies []string             `json:"dependencies"`
	Requested    bool                 `json:"requested"`
	Action       string               `json:"action"` // install, replace, unchanged
	Files        int                  `json:"files"`
	Bytes        int64                `json:"bytes"`
	Risks        []risk.Finding       `json:"risks,omitempty"`
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
	r := resolver.New(opts.IO, opts.Limits)
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
	risks, err := review(ctx, opts.IO, opts.Review, res, res.order)
	if err != nil {
		return Report{}, err
	}

	rep := Report{Target: t}
	err = withTarget(ctx, t, opts.DryRun, func(lock *lockfile.Lock) (*change, error) {
		c := &change{write: map[string]*snapshot.Folder{}, lock: lock, force: opts.Force, notes: opts.IO.NoteWriter()}
		before := lock.Marshal()
		for _, name := range res.order {
			n := res.Skills[name]
			entry := lockEntry(t, n)
			prev := lock.Find(t.Rel, name)
			action, err := decide(t, name, entry, prev, opts.Force)
			if err != nil {
				return nil, err
			}
			if prev != nil && prev.Requested {
				entry.Requested = true // a skill once asked for stays asked for
			}
			entry.Placements = mergePlacements(t, prev)
			in := installedEntry(entry, action, n.Folder)
			in.Risks = risks[name]
			rep.Installed = append(rep.Installed, in)
			if action != "unchanged" {
				c.write[name] = n.Folder
			}
			lock.Put(entry)
		}
		if opts.Frozen && string(before) != string(lock.Marshal()) {
			return nil, frozenError(t, rep.Installed)
		}
		rep.Suggested = res.Suggested
		if rep.Suggested == nil {
			rep.Suggested = []string{}
		}
		return c, nil
	})
	if err != nil {
		return Report{}, err
	}
	rep.DryRun = opts.DryRun
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

// lockEntry is a resolved skill as the lock records it.
func lockEntry(t Target, n *resolver.Skill) lockfile.Skill {
	e := lockfile.Skill{Name: n.Name, Dir: t.Rel, Source: n.Source, Hash: n.Folder.Hash(), Requested: n.Requested}
	o := n.Origin
	switch o.Kind {
	case resolver.Git:
		e.Repo, e.Ref, e.Commit, e.Path, e.Tree = o.Repo, o.Ref, o.Commit, o.Path, n.Folder.Tree
	case resolver.Builtin:
		e.Registry, e.Path = registry.BuiltinName, o.Path
	case resolver.Local:
		e.Path = t.relative(o.Dir)
		e.Registry = "local"
	}
	e.Dependencies = append([]string(nil), n.Deps()...)
	sort.Strings(e.Dependencies)
	return e
}

// sameOrigin reports whether two lock entries come from the same place (any commit of it).
func sameOrigin(a, b *lockfile.Skill) bool {
	return a.Repo == b.Repo && a.Registry == b.Registry && a.Path == b.Path
}

// decide compares what is about to be installed with what the target and lock hold, and refuses to
// overwrite anything skillctl did not put there or that the user has edited, unless forced.
func decide(t Target, name string, next lockfile.Skill, prev *lockfile.Skill, force bool) (string, error) {
	dir := filepath.Join(t.Dir, name)
	onDisk := exists(dir)
	switch {
	case prev == nil && !onDisk:
		return "install", nil
	case prev == nil && onDisk:
		if force {
			return "replace", nil
		}
		return "", foreignFolder(t, name, "install")
	}
	if !sameOrigin(prev, &next) && !force {
		return "", clierr.WithHint(fmt.Errorf("%s: already installed from %s", name, describeEntry(prev)),
			"skillctl remove "+name+"  # then install again", "or replace it with --force")
	}
	if onDisk {
		cur, err := readInstalled(dir)
		if err != nil && !force {
			return "", clierr.WithHint(fmt.Errorf("%s: cannot read the installed copy to check it for local edits: %v", name, err),
				"skillctl verify", "or replace it anyway with --force")
		}
		if err == nil && cur.Hash() != prev.Hash && !force {
			return "", clierr.WithHint(fmt.Errorf("%s: has local edits (its files differ from skills.lock); not overwriting them", name),
				"skillctl verify  # to see which files changed", "or discard the edits with --force")
		}
		if err == nil && cur.Hash() == next.Hash {
			return "unchanged", nil
		}
	}
	if onDisk {
		return "replace", nil
	}
	return "install", nil
}

func describeEntry(e *lockfile.Skill) string {
	switch {
	case e.Repo != "":
		return fmt.Sprintf("%s (%s)", e.Repo, e.Path)
	case e.Registry == "local":
		return e.Path
	default:
		return e.Registry
	}
}

// installedEntry is a lock entry as the install report shows it; f is the folder written or kept.
func installedEntry(e lockfile.Skill, action string, f *snapshot.Folder) Installed {
	return Installed{Name: e.Name, Dir: e.Dir, Source: e.Source, Repo: e.Repo, Registry: e.Registry, Ref: e.Ref, Commit: e.Commit, Path: e.Path,
		Tree: e.Tree, Hash: e.Hash, Dependencies: nonNil(e.Dependencies), Requested: e.Requested, Action: action,
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
