package main

import (
	"fmt"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

func newDepsCmd(ios *streams.IO) *cobra.Command {
	var format string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "deps SOURCE...",
		Short: "Show the resolved dependency tree without installing",
		Long: `Deps resolves each SOURCE's depends-on skills exactly as install would (sibling folders
first, then the same repository, then the registries) and prints the tree. Missing
skills and cycles are marked in the output and make the exit status 1; related
skills are shown apart, as suggestions.`,
		Example: `  skillctl deps python-fastapi-patterns
  skillctl deps https://github.com/OWNER/REPO/tree/main/skills/x --format mermaid
  skillctl deps ./my-skill --format dot | dot -Tsvg > deps.svg`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				if cmd.Flags().Changed("format") && format != "json" {
					return clierr.WithHint(clierr.Usage(fmt.Errorf("--json: conflicts with --format %s", esc(format))), "use --json or --format, not both")
				}
				format = "json"
			}
			switch format {
			case "text", "json", "dot", "mermaid":
			default:
				return clierr.WithHint(clierr.Usage(fmt.Errorf("--format: unknown format %q", format)), "use --format text, json, dot or mermaid")
			}
			ctx, cancel := signalContext()
			defer cancel()
			// The resolution install makes, without installing: missing skills and cycles are in the
			// graph, not errors, so they are drawn first.
			res, err := resolver.New(ios, limits.Default).For("skillctl deps").Resolve(ctx, args, false)
			if err != nil {
				return err
			}
			if err := res.Graph.Render(ios.Stdout(), format, res.Roots...); err != nil {
				return clierr.Usage(err)
			}
			_, err = res.Graph.Order(res.Roots...) // missing skills and cycles were drawn; they still fail the command
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json, dot or mermaid")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the tree as JSON (the same as --format json)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "json", "dot", "mermaid"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
