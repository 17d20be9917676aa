package install

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/streams"
)

// UpdateOptions are the update and check commands' flags.
type UpdateOptions struct {
	Target TargetOptions
	Names  []string // requested skills to update; none = all
	Prune  bool
	Force  bool
	DryRun bool
	Check  bool // `skillctl check`: a dry run whose exit status says whether an update exists
	Limits Limits
	Review ReviewOptions
	IO     *streams.IO
}

// Updated is one line of an update plan; its JSON shape is part of the CLI's interface.
type Updated struct {
	Name       string `json:"name"`
	Action     string `json:"action"` // update, add, unchanged, stale, remove
	FromCommit string `json:"from_commit,omitempty"`
	ToCommit   string `json:"to_commit,omitempty"`
	FromHash   string `json:"from_hash,omitempty"`
	ToHash     string `json:"to_hash,omitempty"`
	Edited     bool   `json:"edited,omitempty"` // unchanged upstream, edited locally: the edits are kept
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
	t, err := ResolveTarget(opts.Target)
	if err != nil {
		return nil, 0, clierr.Usage(err)
	}
	if opts.Check {
		opts.DryRun = true
	}
	r := resolver.New(opts.IO, opts.Limits)
	var plan []Updated
	err = withTarget(ctx, t, opts.DryRun, func(lock *lockfile.Lock) (*change, error) {
		entries := lock.In(t.Rel)
		want := map[string]bool{}
		for _, n := range opts.Names {
			e := lock.Find(t.Rel, n)
			if e == nil {
				return nil, clierr.WithHint(fmt.Errorf("%s: not installed in %s", n, t.Dir), "see what is installed with 'skillctl list'")
			}
			if !e.Requested {
				return nil, clierr.WithHint(fmt.Errorf("%s: installed as a dependency; it updates with the skill that needs it", n), "update that skill, or run 'skillctl update' for all")
			}
			want[n] = true
		}
		var raw []string
		for _, e := range entries {
			if e.Requested && (len(want) == 0 || want[e.Name]) {
				spec, err := updateSpec(t, e)
				if err != nil {
					return nil, err
				}
				raw = append(raw, spec)
			}
		}
		if len(raw) == 0 {
			return nil, nil
		}
		opts.IO.StartProgress("checking for updates")
		res, err := resolveSources(ctx, r, raw, false)
		opts.IO.StopProgress()
		if err != nil {
			return nil, err
		}
		if err := checkSkills(res, opts.Force, opts.Limits); err != nil {
			return nil, err
		}
		c := &change{write: map[string]*snapshot.Folder{}, force: opts.Force, notes: opts.IO.NoteWriter()}
		for _, name := range res.order {
			n := res.Skills[name]
			next := lockEntry(t, n)
			prev := lock.Find(t.Rel, name)
			u := Updated{Name: name, ToCommit: next.Commit, ToHash: next.Hash}
			switch {
			case prev == nil:
				u.Action = "add"
				if exists(joinTarget(t, name)) && !opts.Force {
					return nil, foreignFolder(t, name, "dependency")
				}
				c.write[name] = n.Folder
			default:
				u.FromCommit, u.FromHash = prev.Commit, prev.Hash
				if !sameOrigin(prev, &next) && !opts.Force {
					return nil, clierr.WithHint(fmt.Errorf("%s: would now come from %s, not from %s as installed", name, describeEntry(&next), describeEntry(prev)),
						"skillctl remove "+name+"  # then install the one you want", "or accept the new source with --force")
				}
				next.Requested = prev.Requested
				next.Source = prev.Source
				if prev.Hash == next.Hash {
					u.Action = "unchanged"
					switch st, _ := stateOf(t, *prev); st {
					case StateMissing:
						u.Action = "restore"
						c.write[name] = n.Folder
					case StateModified:
						u.Edited = true
					}
				} else {
					if st, _ := stateOf(t, *prev); st == StateModified && !opts.Force {
						return nil, clierr.WithHint(fmt.Errorf("%s: has local edits (its files differ from skills.lock); not overwriting them", name),
							"skillctl verify  # to see which files changed", "or discard the edits with --force")
					}
					u.Action = "update"
					c.write[name] = n.Folder
				}
			}
			next.Placements = mergePlacements(t, prev)
			lock.Put(next)
			plan = append(plan, u)
		}
		// Dependencies nothing requested needs any more.
		needed := map[string]bool{}
		var mark func(string)
		mark = func(name string) {
			if needed[name] {
				return
			}
			needed[name] = true
			if e := lock.Find(t.Rel, name); e != nil {
				for _, d := range e.Dependencies {
					mark(d)
				}
			}
		}
		for _, e := range lock.In(t.Rel) {
			if e.Requested {
				mark(e.Name)
			}
		}
		for _, e := range lock.In(t.Rel) {
			if needed[e.Name] {
				continue
			}
			u := Updated{Name: e.Name, Action: "stale", FromCommit: e.Commit, FromHash: e.Hash}
			if opts.Prune {
				u.Action = "remove"
				lock.Remove(t.Rel, e.Name)
				c.remove = append(c.remove, e.Name)
			}
			plan = append(plan, u)
		}
		if !opts.DryRun {
			var names []string
			for n := range c.write {
				names = append(names, n)
			}
			sort.Strings(names)
			if _, err := review(ctx, opts.IO, opts.Review, res, names); err != nil {
				return nil, err
			}
		}
		return c, nil
	})
	if err != nil {
		return nil, 0, err
	}
	sort.SliceStable(plan, func(i, j int) bool { return plan[i].Name < plan[j].Name })
	pending := 0
	for _, u := range plan {
		if u.Action != "unchanged" && u.Action != "stale" {
			pending++
		}
	}
	if plan == nil {
		plan = []Updated{}
	}
	return plan, pending, nil
}

func joinTarget(t Target, name string) string { return t.Dir + "/" + name }

// updateSpec is the source an update re-resolves for a requested skill: the place the lock pins (the
// same repository and folder, following the same ref; the same local folder; the same bundled skill),
// not the text the user once typed. That text may be a bare name that resolved through a registry or as
// a related skill, or a path relative to another working folder; re-reading it could silently move the
// skill to another source.
//
// A cloned lock may name a folder or repository anywhere on this machine: lockfile's Reads refuses those
// outside the project, so an update never copies them in.
func updateSpec(t Target, e lockfile.Skill) (string, error) {
	reads, err := e.Reads(filepath.Dir(t.Lock))
	if err != nil {
		return "", err
	}
	switch {
	case e.Repo != "":
		ref := e.Ref
		for _, p := range []string{"refs/heads/", "refs/tags/"} {
			ref = strings.TrimPrefix(ref, p)
		}
		if ref == "" {
			ref = e.Commit
		}
		spec := e.Repo
		if e.Path != "" {
			spec += "//" + e.Path
		}
		return spec + "#" + ref, nil
	case e.Registry == "local":
		return reads, nil
	case e.Registry != "":
		return e.Path + "@" + e.Registry, nil
	}
	return e.Source, nil
}
