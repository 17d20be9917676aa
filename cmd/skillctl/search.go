package main

import (
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/spf13/cobra"
)

func newSearchCmd() *cobra.Command {
	var opts registry.SearchOptions
	cmd := &cobra.Command{
		Use:   "search TERM",
		Short: "Find skills in the registries by name, author, path or description",
		Long: `Search lists the skills of every registry whose name, author, path or description
contains TERM (case-insensitive; '' lists them all), with the registry, the folder and
the description where it is known. Indexing a git registry reads its trees only, never
its files, and is cached by commit: a second search of an unchanged registry costs one
request for its refs. Descriptions of a few matches are fetched and cached too.

With no match, search exits 1 (with --json it prints [] and exits 0).`,
		Example: `  skillctl search async
  skillctl search '' --json | jq -r '.[].install'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			opts.Term = args[0]
			sp := newSpinner(cmd.ErrOrStderr())
			defer sp.Stop()
			opts.Color = colorEnabled(cmd.OutOrStdout())
			opts.Stdout, opts.Stderr = sp.until(cmd.OutOrStdout()), sp
			sp.Start("searching registries")
			return registry.RunSearch(ctx, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the matches as JSON")
	return cmd
}
