package install

import (
	"context"
	"sort"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/semver"
	"github.com/skillctl/skillctl/internal/streams"
)

// OutdatedOptions are the outdated command's flags.
type OutdatedOptions struct {
	Target TargetOptions
	Limits Limits
	IO     *streams.IO
}

// Outdated is one skill installed from a release that has a newer one; its JSON shape is part of the
// CLI's interface.
type Outdated struct {
	Name    string `json:"name"`
	Dir     string `json:"dir"`
	Current string `json:"current"` // the release the lock records
	Wanted  string `json:"wanted"`  // the newest release of its major: what update moves it to
	Latest  string `json:"latest"`  // the newest release of any major: what update --major moves it to
}

// ListOutdated compares each requested skill the lock records from a release with its repository's
// release tags, as npm outdated does for direct dependencies: the ones with a newer release, sorted by
// name. A dependency is left out: its release is chosen from its dependents' depends-on (minimal version
// selection keeps the highest minimum required of it, not the newest), so a newer release of it says
// nothing an update would do; check says what update would change. Skills
// not installed from a release (a branch, a commit, a folder) have no versions to compare and are left
// out too; compared is how many were compared, so "none is behind" and "none has versions" read
// differently.
func ListOutdated(ctx context.Context, opts OutdatedOptions) (out []Outdated, compared int, err error) {
	t, targets, err := resolveTargets(opts.Target)
	if err != nil {
		return nil, 0, clierr.Usage(err)
	}
	r := newResolver(opts.Target, opts.IO, opts.Limits)
	out = []Outdated{}
	recorded, total := 0, 0
	for _, t := range targets {
		var entries []lockfile.Entry
		if err := readTarget(ctx, t, true, func(lock *lockfile.Lock) error {
			entries = lock.In(t.Rel)
			recorded, total = recorded+len(entries), len(lock.Skills)
			return nil
		}); err != nil {
			return nil, 0, err
		}
		for _, e := range entries {
			if e.Version == "" || !e.Requested || e.From() != lockfile.FromRepo {
				continue
			}
			o, err := entryOrigin(t, e)
			if err != nil {
				return nil, 0, err
			}
			rels, err := r.Releases(ctx, o)
			if err != nil {
				return nil, 0, err
			}
			compared++
			cur, _ := semver.Parse(e.Version)
			row := Outdated{Name: e.Name, Dir: t.Rel, Current: e.Version, Wanted: e.Version, Latest: e.Version}
			if w, ok := semver.Next(rels, cur, false); ok {
				row.Wanted = w.Version.String()
			}
			if l, ok := semver.Next(rels, cur, true); ok {
				row.Latest = l.Version.String()
			}
			if row.Latest != row.Current {
				out = append(out, row)
			}
		}
	}
	if recorded == 0 {
		// As check: nothing recorded is no "up to date", or a CI step in the wrong folder would pass.
		if err := nothingRecorded(t, total, "nothing to check"); err != nil {
			return nil, 0, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, compared, nil
}
