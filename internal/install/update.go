package install

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/review"
	"github.com/skillctl/skillctl/internal/streams"
)

// UpdateOptions are the update and check commands' flags.
type UpdateOptions struct {
	Target TargetOptions
	Names  []string // requested skills to update; none = all
	Prune  bool
	Major  bool // a release moves to the newest of any major, not of its own
	Force  bool
	DryRun bool
	Check  bool // `skillctl check`: a dry run whose exit status says whether an update exists
	Limits Limits
	Review review.Options
	IO     *streams.IO
}

// Updated is one line of an update plan; its JSON shape is part of the CLI's interface.
type Updated struct {
	Name       string `json:"name"`
	Dir        string `json:"dir"`    // the folder, as the lock records it
	Action     string `json:"action"` // update, add, restore, unchanged, stale, remove
	FromCommit string `json:"from_commit,omitempty"`
	ToCommit   string `json:"to_commit,omitempty"`
	// FromVersion and ToVersion are the releases (v1.2.0) the lock records before and after, for a skill
	// installed from one.
	FromVersion string `json:"from_version,omitempty"`
	ToVersion   string `json:"to_version,omitempty"`
	FromHash    string `json:"from_hash,omitempty"`
	ToHash      string `json:"to_hash,omitempty"`
	// Edited: the installed files differ from the lock. With action unchanged the edits are kept; with
	// update (a dry run or check) applying it needs --force, which discards them; with stale, see Kept.
	Edited bool `json:"edited,omitempty"`
	// Kept says why --prune leaves a stale skill in place: it has local edits, or a kept one needs it.
	Kept string `json:"kept,omitempty"`
}

// Update re-resolves each requested skill's source (its ref moves; a commit-pinned source does not),
// writes the folders whose content changed, adds new dependencies and reports, or with Prune removes,
// the ones no longer needed. An unchanged folder is not downloaded again: its objects are already in the
// cache by hash, so only the trees on its path are asked for.
//
// It returns the plan sorted by name and how many of its lines are pending changes (stale dependencies
// are reported, not pending: only --prune removes them, so counting them would keep check failing after
// every update).
func Update(ctx context.Context, opts UpdateOptions) ([]Updated, int, error) {
	t, targets, err := resolveTargets(opts.Target)
	if err != nil {
		return nil, 0, clierr.Usage(err)
	}
	if opts.Check {
		opts.DryRun = true
	}
	if len(opts.Names) > 0 && !opts.Target.named() {
		targets = []Target{t}
		if l, err := lockfile.Read(t.Lock); err == nil {
			targets = []Target{t.storing(l, opts.Names)}
		}
	}
	r := newResolver(opts.Target, opts.IO, opts.Limits).CrossMajor(opts.Major)
	plan := []Updated{}
	recorded, total := 0, 0
	for _, t := range targets {
		if t.Outside() && !opts.Target.named() {
			// As a restore: a folder outside the project is changed only when named.
			opts.IO.Note(t.Rel+": not updated: the lock names a folder outside the project", "skillctl update --dir "+t.Rel+"  # if you trust this lock")
			continue
		}
		p, n, all, err := updateIn(ctx, r, t, opts)
		if err != nil {
			return nil, 0, err
		}
		plan, recorded, total = append(plan, p...), recorded+n, all
	}
	if opts.Check && recorded == 0 {
		// Like verify: nothing checked is no "up to date", or a CI step in the wrong folder would pass.
		if err := nothingRecorded(t, total, "nothing to check"); err != nil {
			return nil, 0, err
		}
	}
	sort.SliceStable(plan, func(i, j int) bool { return plan[i].Name < plan[j].Name })
	pending := 0
	for _, u := range plan {
		if u.Action != "unchanged" && u.Action != "stale" {
			pending++
		}
	}
	return plan, pending, nil
}

// noteMovedTags reports each release tag the lock recorded that names another commit upstream now: the
// lock's commit is what was reviewed and installed, so a moved tag is said, never followed.
func noteMovedTags(io *streams.IO, res *resolution, origins []resolver.Origin) {
	names := make([]string, 0, len(res.Skills))
	for n := range res.Skills {
		names = append(names, n)
	}
	sort.Strings(names)
	recorded := map[string]resolver.Origin{}
	for _, o := range origins {
		recorded[o.Repo+"\x00"+o.Path] = o
	}
	for _, n := range names {
		sk := res.Skills[n]
		if sk.Moved == "" {
			continue
		}
		was := recorded[sk.Origin.Repo+"\x00"+sk.Origin.Path]
		kept := "; not followed"
		if sk.Origin.Commit == was.Commit {
			kept = "; kept " + resolver.Short(was.Commit)
		}
		io.Note(fmt.Sprintf("%s: warning: its release tag %s was moved upstream: it named %s when installed and names %s now%s",
			n, strings.TrimPrefix(was.Ref, "refs/tags/"), resolver.Short(was.Commit), resolver.Short(sk.Moved), kept),
			"ask the skill's publisher why; to take the new commit: skillctl remove "+n+", then install it again")
	}
}

// updateIn is Update in one folder: its plan, how many skills the lock records there, and in all.
func updateIn(ctx context.Context, r *resolver.Resolver, t Target, opts UpdateOptions) (plan []Updated, recorded, total int, err error) {
	// The sources come from the lock, read without the file lock: resolving is network work, and the plan
	// step reads the lock again under the file lock.
	var origins []resolver.Origin
	if err := readTarget(ctx, t, true, func(lock *lockfile.Lock) (err error) {
		recorded, total = len(lock.In(t.Rel)), len(lock.Skills)
		origins, err = updateSources(t, lock, opts.Names)
		return err
	}); err != nil {
		return nil, 0, 0, err
	}
	if len(origins) == 0 {
		return nil, recorded, total, nil
	}
	opts.IO.StartProgress("checking for updates")
	res, err := followOrigins(ctx, r, origins)
	opts.IO.StopProgress()
	if err != nil {
		return nil, 0, 0, err
	}
	if err := checkSkills(res, opts.Force, opts.Limits); err != nil {
		return nil, 0, 0, err
	}
	noteMovedTags(opts.IO, res, origins)
	p := pipeline{target: t, dryRun: opts.DryRun, plan: func(lock *lockfile.Lock) (*change, error) {
		plan = nil
		return planUpdate(t, res, lock, opts, &plan)
	}}
	if !opts.DryRun {
		p.review = func(c *change) error {
			names := make([]string, 0, len(c.write))
			for n := range c.write {
				names = append(names, n)
			}
			sort.Strings(names)
			_, err := review.Run(ctx, opts.IO, opts.Review, reviewItems(res, names))
			return err
		}
	}
	if err := p.run(ctx); err != nil {
		return nil, 0, 0, err
	}
	for i := range plan {
		plan[i].Dir = t.Rel
	}
	return plan, recorded, total, nil
}
