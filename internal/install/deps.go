package install

import (
	"context"

	"github.com/skillctl/skillctl/internal/depgraph"
	"github.com/skillctl/skillctl/internal/resolver"
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
func Deps(ctx context.Context, opts DepsOptions) (*depgraph.Graph, []string, error) {
	res, err := resolver.New(opts.IO, opts.Limits).Resolve(ctx, opts.Sources, false)
	if err != nil {
		return nil, nil, err
	}
	return res.Graph, res.Roots, nil
}
