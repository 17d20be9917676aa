package install

import (
	"context"

	"github.com/skillctl/skillctl/internal/resolve"
	"github.com/skillctl/skillctl/internal/streams"
)

// DepsOptions are the deps command's flags.
type DepsOptions struct {
	Sources []string
	Limits  Limits
	IO      *streams.IO
}

// Deps resolves the sources' dependency graph as install would, without installing, and returns it with
// its roots. Missing skills and cycles are in the graph, not errors: the caller draws them first.
func Deps(ctx context.Context, opts DepsOptions) (*resolve.Graph, []string, error) {
	specs, err := parseSources(opts.Sources)
	if err != nil {
		return nil, nil, err
	}
	w, err := newWorld(ctx, opts.IO, opts.Limits)
	if err != nil {
		return nil, nil, err
	}
	res, err := w.resolveAll(specs, false)
	if err != nil {
		return nil, nil, err
	}
	return res.graph, res.roots, nil
}
