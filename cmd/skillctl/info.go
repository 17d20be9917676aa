package main

import (
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/spf13/cobra"
)

func newInfoCmd() *cobra.Command {
	var opts registry.InfoOptions
	cmd := &cobra.Command{
		Use:   "info SOURCE|NAME",
		Short: "Show a skill's frontmatter, files, dependencies, origin and audit report without installing it",
		Long: `Info fetches one skill folder into memory (never to disk) and shows its frontmatter,
its files and sizes, the skills it depends on and suggests, and exactly where it would
come from (REPOSITORY@COMMIT:PATH). SOURCE takes every form install does; NAME,
NAME@REGISTRY and AUTHOR/NAME are looked up in the registries.

When the folder holds a marketplace skill-report.json, info shows its security audit
(risk level, summary, findings, whether it is blocked) and whether it describes these
exact files: its content_hash against SKILL.md and its tree_hash against the others.
A stale report is shown, not refused; a blocked one makes install refuse the skill
unless --force.`,
		Example: `  skillctl info python-async-patterns
  skillctl info pdf-tools@team --json
  skillctl info https://github.com/OWNER/REPO/tree/main/skills/AUTHOR/NAME`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return registry.CompleteSkill(toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			opts.Source = args[0]
			sp := newSpinner(cmd.ErrOrStderr())
			defer sp.Stop()
			opts.Color = colorEnabled(cmd.OutOrStdout())
			opts.Stdout, opts.Stderr = sp.until(cmd.OutOrStdout()), sp
			sp.Start("fetching " + opts.Source)
			return registry.RunInfo(ctx, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the skill's details as JSON")
	return cmd
}
