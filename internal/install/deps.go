package install

import (
	"context"
	"io"

	"github.com/skillctl/skillctl/internal/clierr"
)

// DepsOptions are the deps command's flags.
type DepsOptions struct {
	Sources []string
	Format  string // text, json, dot, mermaid
	Limits  Limits
	Stdout  io.Writer
	Stderr  io.Writer
}

// Deps resolves the sources' dependency graph as install would, without installing, and renders it.
// Missing skills and cycles are drawn, not fatal; the exit status still reports them.
func Deps(ctx context.Context, opts DepsOptions) error {
	specs, err := parseSources(opts.Sources)
	if err != nil {
		return err
	}
	w, err := newWorld(ctx, opts.Stderr, opts.Limits)
	if err != nil {
		return err
	}
	res, err := w.resolveAll(specs, false)
	if err != nil {
		return err
	}
	if err := res.graph.Render(opts.Stdout, opts.Format, res.roots...); err != nil {
		return clierr.Usage(err)
	}
	if _, err := res.graph.Order(res.roots...); err != nil {
		return err
	}
	return nil
}
