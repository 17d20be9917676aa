package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/skillctl/skillctl/internal/agents"
	"github.com/spf13/cobra"
)

type agentsOptions struct {
	JSON   bool
	Stdout io.Writer
}

func newAgentsCmd() *cobra.Command {
	var opts agentsOptions
	cmd := &cobra.Command{
		Use:   "agents",
		Short: "List the agents --agent knows, their skills folders, and which are installed here",
		Long: `Agents lists every coding agent skillctl can install for: the --agent name, the folder it
reads skills from in a project, its user-level folder (used with --global) as resolved on this
machine, and whether it is detected here (its configuration folder exists in your home folder).
'--agent detected' chooses every detected agent.

The table, with the documentation each row was checked against, is in the README.`,
		Example: `  skillctl agents
  skillctl agents --json | jq -r '.agents[] | select(.detected) | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Stdout = cmd.OutOrStdout()
			return runAgents(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"agents":[{"name","project","global","detected","listing"}]}; listing holds the documented skill listing budget (listing_chars, entry_chars: null when unknown), its source, and the precedence between folders`)
	return cmd
}

// runAgents reports the table as resolved in the real environment.
func runAgents(opts agentsOptions) error {
	env, err := agents.FromOS()
	if err != nil {
		return fmt.Errorf("agents: %v", err)
	}
	list := agents.Statuses(env, agents.DirExists)
	if opts.JSON {
		return writeJSON(opts.Stdout, struct {
			Agents []agents.Status `json:"agents"`
		}{list})
	}
	tw := tabwriter.NewWriter(opts.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDETECTED\tPROJECT\tGLOBAL")
	for _, s := range list {
		detected, global := "no", s.Global
		if s.Detected {
			detected = "yes"
		}
		if global == "" {
			global = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, detected, s.Project, global)
	}
	return tw.Flush()
}
