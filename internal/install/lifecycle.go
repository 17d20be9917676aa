package install

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/agents"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// States of an installed skill, comparing the lock with the disk.
const (
	StateOK        = "ok"
	StateModified  = "modified"
	StateMissing   = "missing"
	StateUntracked = "untracked"
)

// Listed is one row of `skillctl list`; its JSON shape is part of the CLI's interface.
type Listed struct {
	Name      string `json:"name"`
	Dir       string `json:"dir"` // the folder listed, as the lock records it
	Source    string `json:"source"`
	Ref       string `json:"ref"`
	Version   string `json:"version,omitempty"` // the release, when installed from one
	Commit    string `json:"commit"`
	Requested bool   `json:"requested"`
	State     string `json:"state"`
	// Placements are the other agents' folders the skill is linked or copied into, with their state.
	Placements []PlacementListed `json:"placements,omitempty"`
	// StoredIn and Mode are set for a skill that is only placed in this folder: where it is stored, and
	// whether this folder holds a link, a junction or a copy of it.
	StoredIn string `json:"stored_in,omitempty"`
	Mode     string `json:"mode,omitempty"`
	// Reads is what restore and update read for this skill (a repository and folder, a local folder),
	// which the source text need not name; Refused says why they will not read it.
	Reads   string `json:"reads,omitempty"`
	Refused string `json:"refused,omitempty"`
}

// PlacementListed is one placement as list reports it.
type PlacementListed struct {
	Dir   string `json:"dir"`
	Mode  string `json:"mode"`
	State string `json:"state"` // ok, missing, broken, modified
}

// placementsOf reports the state of each of e's placements.
func placementsOf(t Target, e lockfile.Entry) []PlacementListed {
	var out []PlacementListed
	for _, p := range e.Placements {
		out = append(out, PlacementListed{Dir: p.Dir, Mode: p.Mode, State: placementState(t, e, p)})
	}
	return out
}

// ListOptions are the list command's flags.
type ListOptions struct {
	Target TargetOptions
}

// list is one folder's rows, sorted by name; with placed, the skills stored elsewhere and only placed in
// it too (when the flags name it: listing every folder of the lock shows them under their own).
func list(t Target, lock *lockfile.Lock, placed bool) []Listed {
	rows := []Listed{}
	for _, e := range lock.In(t.Rel) {
		st, _ := stateOf(t, e)
		row := Listed{Name: e.Name, Dir: t.Rel, Source: e.Source, Ref: e.Ref, Version: e.Version, Commit: e.Commit, Requested: e.Requested, State: st, Placements: placementsOf(t, e)}
		if e.From() != lockfile.FromBundled {
			reads, err := e.Reads(t.base())
			if e.From() == lockfile.FromRepo && e.Path != "" {
				reads += "//" + e.Path
			}
			row.Reads = reads
			if err != nil {
				row.Refused = err.Error()
			}
		}
		rows = append(rows, row)
	}
	for _, e := range lock.PlacedIn(t.Rel) {
		// Stored in another agent's folder and placed here: shown with the placement's state.
		for _, p := range e.Placements {
			if placed && p.Dir == t.Rel {
				rows = append(rows, Listed{Name: e.Name, Dir: t.Rel, Source: e.Source, Ref: e.Ref, Version: e.Version, Commit: e.Commit, Requested: e.Requested,
					State: placementState(t.storeOf(e), e, p), StoredIn: e.Dir, Mode: p.Mode})
			}
		}
	}
	for _, n := range untracked(t, lock) {
		rows = append(rows, Listed{Name: n, Dir: t.Rel, State: StateUntracked})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows
}

// List returns the installed skills of the target (every folder of the lock when the flags name none, see
// resolveTargets) and their state, folder by folder, sorted by name.
func List(ctx context.Context, opts ListOptions) (Target, []Listed, error) {
	t, targets, err := resolveTargets(opts.Target)
	if err != nil {
		return t, nil, clierr.Usage(err)
	}
	rows := []Listed{}
	for _, tt := range targets {
		err = withTarget(ctx, tt, !exists(tt.Dir), func(lock *lockfile.Lock) (*change, error) {
			rows = append(rows, list(tt, lock, opts.Target.named())...)
			return nil, nil
		})
		if err != nil {
			return t, nil, err
		}
	}
	return t, rows, nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// VerifyOptions are the verify command's flags.
type VerifyOptions struct {
	Target TargetOptions
	IO     *streams.IO
}

// Verified is one skill's verification result; its JSON shape is part of the CLI's interface.
type Verified struct {
	Name     string   `json:"name"`
	Dir      string   `json:"dir"` // the folder verified, as the lock records it
	State    string   `json:"state"`
	Added    []string `json:"added,omitempty"`
	Removed  []string `json:"removed,omitempty"`
	Changed  []string `json:"changed,omitempty"`
	Problems []string `json:"problems,omitempty"`
}

// Verify recomputes every installed skill's content hash against the lock, names the files that differ
// (by comparing with the pinned original, from the cache when it is there) and re-validates SKILL.md, in
// the target (every folder of the lock when the flags name none, see resolveTargets).
func Verify(ctx context.Context, opts VerifyOptions) ([]Verified, error) {
	t, targets, err := resolveTargets(opts.Target)
	if err != nil {
		return nil, clierr.Usage(err)
	}
	r := newResolver(opts.Target, opts.IO, Limits{})
	var out []Verified
	total := 0
	for _, t := range targets {
		err = withTarget(ctx, t, !exists(t.Dir), func(lock *lockfile.Lock) (*change, error) {
			total = len(lock.Skills)
			out = append(out, verifyIn(ctx, r, t, lock, opts.Target.named())...)
			return nil, nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		// Nothing checked is not a pass: a CI step run from the wrong folder must fail.
		err = nothingRecorded(t, total, "nothing to verify")
	}
	if out == nil {
		out = []Verified{}
	}
	return out, err
}

// verifyIn verifies one folder's skills; with placed, those stored elsewhere and only placed in it too.
func verifyIn(ctx context.Context, r *resolver.Resolver, t Target, lock *lockfile.Lock, placed bool) []Verified {
	var out []Verified
	for _, e := range lock.In(t.Rel) {
		v := Verified{Name: e.Name, Dir: t.Rel}
		var disk *snapshot.Folder
		v.State, disk = stateOf(t, e)
		if v.State == StateModified && disk == nil {
			v.Problems = append(v.Problems, "not a readable folder")
		}
		if v.State == StateModified && disk != nil {
			o, err := entryOrigin(t, e)
			if err != nil {
				v.Problems = append(v.Problems, err.Error())
			} else if orig, err := r.Load(ctx, o); err == nil && orig.Hash() == e.Hash {
				v.Added, v.Removed, v.Changed = diffFolders(orig, disk)
			} else {
				v.Problems = append(v.Problems, "the pinned original could not be loaded to name the changed files")
			}
		}
		if disk != nil {
			rd := manifest.ReadFolder(manifest.FolderInput{Folder: disk, Dir: e.Name, Show: e.Name}, manifest.Mode{Fields: agents.KnownFields()})
			if rd.Err != nil {
				v.Problems = append(v.Problems, rd.Err.Error())
			}
			for _, d := range rd.Diags {
				if d.Severity == manifest.Error {
					v.Problems = append(v.Problems, fmt.Sprintf("%s:%d:%d: %s [%s]", d.File, d.Line, d.Column, d.Message, d.Rule))
				}
			}
		}
		for _, d := range e.Dependencies {
			if lock.Find(t.Rel, d) == nil {
				v.Problems = append(v.Problems, fmt.Sprintf("depends on %s, which the lock does not list", d))
			}
		}
		for _, p := range e.Placements {
			if st := placementState(t, e, p); st != PlaceOK {
				v.Problems = append(v.Problems, placementProblem(t, e, p, st))
			}
		}
		if p := sourceMismatch(e); p != "" {
			v.Problems = append(v.Problems, p)
		}
		out = append(out, v)
	}
	for _, e := range lock.PlacedIn(t.Rel) {
		// Stored elsewhere and placed here: what this folder holds is the placement.
		st := t.storeOf(e)
		for _, p := range e.Placements {
			if !placed || p.Dir != t.Rel {
				continue
			}
			v := Verified{Name: e.Name, Dir: t.Rel}
			v.State, _ = stateOf(st, e) // a link is only as good as the copy it points to
			if ps := placementState(st, e, p); ps != PlaceOK {
				v.Problems = append(v.Problems, placementProblem(st, e, p, ps))
			}
			out = append(out, v)
		}
	}
	return out
}

// Clean reports whether the skill matches the lock and has no problems.
func (v Verified) Clean() bool { return v.State == StateOK && len(v.Problems) == 0 }

// placementProblem says what is wrong with a placement, naming where a broken link points.
func placementProblem(t Target, e lockfile.Entry, p lockfile.Placement, st string) string {
	at := filepath.Join(t.absolute(p.Dir), e.Name)
	want := filepath.Join(t.Dir, e.Name)
	switch {
	case st == PlaceMissing:
		return fmt.Sprintf("%s %s is missing (skillctl install restores it)", p.Mode, at)
	case st == PlaceModified:
		return fmt.Sprintf("copy %s differs from the lock", at)
	}
	if dest, err := os.Readlink(at); err == nil {
		return fmt.Sprintf("link %s points to %s; the lock says %s", at, textsafe.Escape(dest), want)
	}
	return fmt.Sprintf("%s %s is not a %s to %s", p.Mode, at, p.Mode, want)
}

// diffFolders names the paths added to, removed from and changed in b relative to a.
func diffFolders(a, b *snapshot.Folder) (added, removed, changed []string) {
	for _, f := range a.Files {
		g := b.File(f.Path)
		switch {
		case g == nil:
			removed = append(removed, f.Path)
		case g.Mode != f.Mode || string(g.Data) != string(f.Data):
			changed = append(changed, f.Path)
		}
	}
	for _, g := range b.Files {
		if a.File(g.Path) == nil {
			added = append(added, g.Path)
		}
	}
	return
}

// RemoveOptions are the remove and prune commands' flags.
type RemoveOptions struct {
	Target TargetOptions
	Names  []string // none: only the orphans (Prune must be set)
	Prune  bool
	Force  bool
	DryRun bool
}

// Removed is what remove and prune did (or, with DryRun, would do); its JSON shape is part of the CLI's
// interface.
type Removed struct {
	Removed []string `json:"removed"`
	Kept    []Kept   `json:"kept,omitempty"` // orphans --prune left in place, and why
	DryRun  bool     `json:"dry_run,omitempty"`
}

// Remove deletes installed skills and their lock entries in one atomic step per folder. A skill another
// installed skill depends on is refused; with Prune, the orphans go too (see orphans), and with Prune and
// no names only they do, in every folder of the lock when the flags name none. With no --dir and no
// --agent each named skill is removed from the folder the lock stores it in, with every placement it
// records: names stored in several folders are removed folder by folder, each folder its own
// transaction, after every folder has been checked up to its transaction (checkTarget: recovery, the
// plan, its placements), so a refusal in any of them (a dependent, local edits, an unknown name, a
// forged stage) removes nothing. If applying one folder still fails after another was applied, what was
// removed stays removed and the error's hint names it.
func Remove(ctx context.Context, opts RemoveOptions) (Removed, error) {
	rep := Removed{Removed: []string{}, DryRun: opts.DryRun}
	t, targets, err := resolveTargets(opts.Target)
	if err != nil {
		return rep, clierr.Usage(err)
	}
	names := make([][]string, len(targets))
	for i := range names {
		names[i] = opts.Names
	}
	if len(opts.Names) > 0 && !opts.Target.named() {
		targets, names = []Target{t}, [][]string{opts.Names}
		if l, err := lockfile.Read(t.Lock); err == nil {
			targets, names = t.storingEach(l, opts.Names)
		}
	}
	var one Removed
	plan := func(i int) func(*lockfile.Lock) (*change, error) {
		o := opts
		o.Names = names[i]
		return func(lock *lockfile.Lock) (*change, error) {
			one = Removed{}
			return planRemove(targets[i], lock, o, &one)
		}
	}
	skip := func(t Target) bool {
		return t.Outside() && !opts.Target.named() // a folder outside the project is changed only when named (see FromLock)
	}
	if len(opts.Names) > 0 && len(targets) > 1 && !opts.DryRun {
		for i := range targets {
			if skip(targets[i]) {
				continue
			}
			if err := checkTarget(ctx, targets[i], plan(i)); err != nil {
				return rep, err
			}
		}
	}
	for i, t := range targets {
		if skip(t) {
			continue
		}
		if err := (pipeline{target: t, dryRun: opts.DryRun, plan: plan(i)}).run(ctx); err != nil {
			if len(rep.Removed) > 0 && !opts.DryRun {
				err = clierr.WithHint(err, "already removed, in their own step: "+strings.Join(rep.Removed, ", "))
			}
			return rep, err
		}
		rep.Removed, rep.Kept = append(rep.Removed, one.Removed...), append(rep.Kept, one.Kept...)
	}
	return rep, nil
}

// nothingRecorded is the error of a command that found no lock entries for its target to act on: it says
// which lock and folder it looked at, since the usual cause is running from outside the project or with
// the wrong --dir or --agent. A lock that exists and records no skill at all is a project with nothing
// installed (everything was removed): that is no error, and nil is returned.
func nothingRecorded(t Target, total int, what string) error {
	if exists(t.Lock) && total == 0 {
		return nil
	}
	if !exists(t.Lock) {
		return clierr.WithHint(fmt.Errorf("%s: no lock file at %s", what, t.Lock),
			"run it inside the project (at or below the folder holding skills.lock), or name the lock with --lock")
	}
	return clierr.WithHint(fmt.Errorf("%s: %s records no skills in %s", what, t.Lock, t.Dir),
		"pass the --dir or --agent the skills were installed with; skillctl list --json shows what is installed")
}

// NeedLock is nil when the target's lock file exists, else the error of a command with nothing to act on
// (what names it, as "nothing to audit"): the same words for every command run outside a project.
func (t Target) NeedLock(what string) error {
	if exists(t.Lock) {
		return nil
	}
	return nothingRecorded(t, 0, what)
}

// HasLock reports whether the target's lock file exists, so an empty listing can say which is missing.
func (t Target) HasLock() bool { return exists(t.Lock) }

// FromLock installs exactly what the lock records: the same commits, checked against the same content
// hashes, like `npm ci`. Skills already on disk and matching are left alone; objects come from the cache
// when they are there, so it works offline once a machine has fetched them. With no --dir and no --agent
// it restores every folder the lock names (the global lock's with --global), with their placements; with
// them, only that target. A lock git left mid-merge is merged first (mergeConflicted), and the merged
// lock restored.
func FromLock(ctx context.Context, opts Options) ([]Report, error) {
	r := newResolver(opts.Target, opts.IO, opts.Limits)
	m, err := mergeConflicted(ctx, r, opts)
	if err != nil || m != nil && opts.DryRun {
		return nil, err
	}
	t, all, err := resolveTargets(opts.Target)
	if err != nil {
		return nil, clierr.Usage(err)
	}
	lock, err := readLock(t)
	if err != nil {
		return nil, err
	}
	if !exists(t.Lock) {
		return nil, clierr.WithHint(fmt.Errorf("%s: no lock file to install from", t.Lock), "install a skill first: skillctl install SOURCE")
	}
	var targets []Target
	for _, tt := range all {
		if tt.Outside() && !opts.Target.named() {
			// A lock can arrive with a cloned project: restoring without asking stays inside it.
			opts.IO.Note(tt.Rel+": not restored: the lock names a folder outside the project", "skillctl install --dir "+tt.Rel+"  # if you trust this lock")
			continue
		}
		targets = append(targets, tt)
	}
	if len(targets) == 0 && len(lock.Skills) > 0 {
		return nil, clierr.WithHint(fmt.Errorf("%s: every folder it names is outside the project; nothing restored", filepath.Base(t.Lock)), "skillctl install --dir DIR  # for a folder you trust, as listed above")
	}
	if len(targets) == 0 || len(lock.In(targets[0].Rel)) == 0 {
		return nil, clierr.WithHint(fmt.Errorf("%s: records no skills for %s", filepath.Base(t.Lock), t.Rel), "pass the --dir or --agent the skills were installed with")
	}
	var reps []Report
	for _, t := range targets {
		rep, err := fromLock(ctx, r, t, opts, m)
		if err != nil {
			return nil, err
		}
		reps = append(reps, rep)
	}
	return reps, nil
}

func fromLock(ctx context.Context, r *resolver.Resolver, t Target, opts Options, m *merged) (Report, error) {
	rep := Report{Target: t, Suggested: []string{}, DryRun: opts.DryRun}
	opts.IO.StartProgress("restoring skills from " + filepath.Base(t.Lock))
	defer opts.IO.StopProgress()
	loaded := map[string]*snapshot.Folder{} // planned twice, fetched once
	err := pipeline{target: t, dryRun: opts.DryRun, plan: func(lock *lockfile.Lock) (*change, error) {
		rep.Installed = nil
		return planFromLock(ctx, r, t, lock, opts, &rep, loaded, m)
	}}.run(ctx)
	return rep, restoreOffline(err)
}

// restoreOffline explains a restore that needed a server it could not reach: a restore reads every
// commit the cache holds without the network, so this one is a commit no earlier run on this machine
// fetched. Only a restore says so; other commands' network failures carry the fetcher's hints alone.
func restoreOffline(err error) error {
	var off interface{ Offline() bool }
	if !errors.As(err, &off) || !off.Offline() {
		return err
	}
	return clierr.WithHint(err, "a restore reads the cache without the network; this commit was never fetched on this machine, so run skillctl install again once the server can be reached")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// InstalledFolders is what the lock of the project (found as every command finds it, ResolveTarget) records
// as installed: the lock's path and the absolute folder of every skill it stores or places. validate
// leaves these third-party skills out of a project's own unless named: they are verify's and audit's
// business. A lock that cannot be read gives no folders and its error; mid-merge, the folders either side
// records, and the conflict.
func InstalledFolders(o TargetOptions) (lock string, folders []string, err error) {
	t, err := ResolveTarget(o)
	if err != nil {
		return "", nil, err
	}
	l, err := readRecorded(t.Lock)
	if l == nil {
		return t.Lock, nil, err
	}
	for _, e := range l.Skills {
		folders = append(folders, filepath.Join(t.absolute(e.Dir), e.Name))
		for _, p := range e.Placements {
			folders = append(folders, filepath.Join(t.absolute(p.Dir), e.Name))
		}
	}
	return t.Lock, folders, err
}

// InstalledNames lists the skills the lock records for a target (every folder of the lock when the
// flags name none, see resolveTargets), for shell completion; errors give none.
func InstalledNames(o TargetOptions) []string {
	t, targets, err := resolveTargets(o)
	if err != nil {
		return nil
	}
	l, err := lockfile.Read(t.Lock)
	if err != nil {
		return nil
	}
	var out []string
	for _, tt := range targets {
		for _, e := range l.In(tt.Rel) {
			out = append(out, e.Name)
		}
	}
	return out
}
