package install

import (
	"context"
	"errors"
	"slices"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/review"
	"github.com/skillctl/skillctl/internal/streams"
)

// Every command that changes a target (install, install from the lock, update, remove and prune) goes
// through one pipeline:
//
//	resolve  the sources, through the resolver (network, no lock held)        the command, before run
//	plan     from the lock and the disk, under the target's file lock          pipeline.plan
//	review   what is about to be written, with no lock held: a question may   pipeline.review
//	         wait for its answer without blocking another run
//	apply    under the lock again, after planning again and finding nothing   txn.Apply
//	         the review did not see; the folders are staged, renamed into
//	         place, and the lock file written last (the commit point)
//
// A dry run stops after the review.

// resolution is what the resolver found, in install order (dependencies first).
type resolution struct {
	*resolver.Resolution
	order []string
	// reports holds each skill's marketplace security report as checkSkills read and verified it, so the
	// review that follows judges the same report without reading and hashing the folder again.
	reports map[string]review.Report
}

// newResolver is the resolver for a command on target o: a --global one reads the user's registries and
// the bundled skills only, never the project's (resolver.NewUser).
func newResolver(o TargetOptions, io *streams.IO, lim Limits) *resolver.Resolver {
	if o.Global {
		return resolver.NewUser(io, lim)
	}
	return resolver.New(io, lim)
}

// resolveSources resolves raws and orders them; a cycle or a missing skill fails here, with its chain.
func resolveSources(ctx context.Context, r *resolver.Resolver, raws []string, withRelated bool) (*resolution, error) {
	return ordered(r.Resolve(ctx, raws, withRelated))
}

// followOrigins is resolveSources for update: the lock's origins, each following its recorded ref.
func followOrigins(ctx context.Context, r *resolver.Resolver, origins []resolver.Origin) (*resolution, error) {
	locs, err := r.Follow(ctx, origins)
	if err != nil {
		return nil, err
	}
	return ordered(r.Expand(ctx, locs, false))
}

// ordered puts what was resolved in install order.
func ordered(res *resolver.Resolution, err error) (*resolution, error) {
	if err != nil {
		return nil, err
	}
	order, err := res.Graph.Order(res.Roots...)
	if err != nil {
		return nil, err
	}
	return &resolution{Resolution: res, order: order}, nil
}

// pipeline is one command's change to one target.
type pipeline struct {
	target Target
	dryRun bool
	// plan computes the change from the lock as it is; it may edit that lock, which is what gets written.
	// It runs twice (before the review and again before applying) and must reset whatever it reports.
	plan func(lock *lockfile.Lock) (*change, error)
	// review looks at the planned change with no lock held; nil for none.
	review func(c *change) error
}

// errMoved is the answer when the target changed between the review and applying.
var errMoved = errors.New("the project changed while this command was running (another skillctl run?); nothing was written")

func (p pipeline) run(ctx context.Context) error {
	t := p.target
	var planned *change
	err := readTarget(ctx, t, p.dryRun, func(lock *lockfile.Lock) error {
		c, err := p.plan(lock)
		if c != nil {
			c.lock = lock
		}
		planned = c
		return err
	})
	if err != nil {
		return err
	}
	if p.review != nil && planned != nil {
		if err := p.review(planned); err != nil {
			return err
		}
	}
	if p.dryRun || planned == nil {
		return nil
	}
	return withTarget(ctx, t, false, func(lock *lockfile.Lock) (*change, error) {
		c, err := p.plan(lock)
		if err != nil {
			return nil, err
		}
		if c != nil {
			c.lock = lock
		}
		if !c.within(planned) {
			return nil, clierr.WithHint(errMoved, "run the command again")
		}
		return c, nil
	})
}

// within reports whether plan c does nothing the reviewed plan d did not: every folder it writes is one d
// writes, with the same content, and every folder it removes is one d removes. The lock's other entries
// may have changed meanwhile (another run installed something else): those are not what was reviewed.
func (c *change) within(d *change) bool {
	if c == nil || d == nil {
		return c == nil
	}
	for n, f := range c.write {
		g, ok := d.write[n]
		if !ok || f != g && f.Hash() != g.Hash() { // the same folder in memory, as a re-plan has it, is not hashed twice
			return false
		}
	}
	for _, n := range c.remove {
		if !slices.Contains(d.remove, n) {
			return false
		}
	}
	return true
}

// reviewItems lists the resolved skills named, as the review sees them.
func reviewItems(res *resolution, names []string) []review.Item {
	var out []review.Item
	for _, n := range names {
		sk := res.Skills[n]
		it := review.Item{Name: n, Folder: sk.Folder, Trusted: sk.Origin.Kind == resolver.Builtin}
		if r, ok := res.reports[n]; ok {
			it.Report = &r
		}
		out = append(out, it)
	}
	return out
}
