package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/skillctl/skillctl/internal/agents"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/install"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/skillctl/skillctl/internal/validate"
	"github.com/spf13/cobra"
)

func newValidateCmd(ios *streams.IO) *cobra.Command {
	var opts validate.Options
	var agentFlags []string
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check SKILL.md files against the Agent Skills spec and marketplace rules",
		Long: `Validate checks every skill found under each PATH (default: the current directory).

A PATH is a SKILL.md file, a skill folder, or a tree searched for skill folders
(.git and node_modules are skipped; other hidden folders such as .curated are not).
Each finding names the file, line and column, the rule that fired, and the fix.
When several skills are checked together, dependency cycles among them and
depends-on names none of them provides are reported too.

A project is graded on its own skills: the skills its skills.lock records as
installed (third-party skills, verify's and audit's business) are left out of a
walk, and the summary says how many. Name one, or the folder holding them
(.claude/skills), to check them too.

A field outside the specification's six that an agent documents (Claude Code's
disable-model-invocation, context, hooks and others; skillctl agents' table
lists them with their pages) is accepted; --agent narrows that to the fields
the named agents document, and --spec keeps the reference validator's view.

Formats: text (FILE:LINE:COL lines), json (one document), github (workflow
commands that annotate a pull request) and sarif (SARIF 2.1.0 for code
scanning, e.g. github/codeql-action/upload-sarif). The summary counts the
findings by rule, most frequent first (in json: summary.rules); --quiet lists
errors only, and still counts the warnings in the summary.

Exit status is 1 when any skill is invalid (has an error), 2 on a usage error.`,
		Example: `  skillctl validate                         # every skill under the current directory
  skillctl validate --strict skills/        # warnings fail too (for CI)
  skillctl validate --quiet .               # errors and the summary only
  skillctl validate .claude/skills          # the installed skills too
  skillctl validate --spec my-skill/        # the reference validator's verdict: no extension fields
  skillctl validate --agent codex skills/   # flag fields Codex does not document
  skillctl validate --format json . | jq '.summary'
  skillctl validate --format github skills/ # annotations in GitHub Actions
  skillctl validate --format sarif skills/ > skills.sarif   # for code scanning upload`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if len(opts.Paths) == 0 {
				opts.Paths = []string{"."}
			}
			agentNames, err := validateAgents(agentFlags)
			if err != nil {
				return clierr.Usage(fmt.Errorf("--agent: %w", err))
			}
			opts.Agents = agentNames
			// The project's third-party skills are left out unless named; a lock that cannot be read
			// leaves nothing out, so nothing goes unchecked because of it, and says why; mid-merge, what
			// either side records is left out.
			var lockErr error
			opts.Lock, opts.Installed, lockErr = install.InstalledFolders(install.TargetOptions{})
			if lockErr != nil {
				ios.Note(lockErr.Error(), clierr.Hints(lockErr)...)
			}
			if !slices.Contains(validate.Formats, opts.Format) {
				return clierr.WithHint(clierr.Usage(fmt.Errorf("--format: unknown format %q", opts.Format)), "use --format "+strings.Join(validate.Formats, ", "))
			}
			opts.Version = versionString()
			sum, err := validate.Run(opts, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if sum.Invalid > 0 {
				return clierr.ErrFindings
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Strict, "strict", false, "treat warnings as errors")
	f.BoolVar(&opts.Spec, "spec", false, "apply the reference validator's rules: any field outside the spec's six is an error")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "list errors only; the summary still counts warnings, by rule")
	f.StringVar(&opts.Format, "format", "text", "output format: "+strings.Join(validate.Formats, ", "))
	f.StringSliceVar(&agentFlags, "agent", nil, "accept only the frontmatter fields these agents document: names, comma-separated or repeated, or 'detected' (default: any agent's)")
	f.IntVar(&opts.Jobs, "jobs", 0, "skills validated in parallel (0: one per CPU)")
	_ = cmd.RegisterFlagCompletionFunc("agent", cobra.FixedCompletions(append(install.AgentNames(), "detected"), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(validate.Formats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// validateAgents reads --agent as install does (agents.Choose: names, aliases, comma-separated lists,
// 'detected'); none named is nil, every agent's fields.
func validateAgents(values []string) ([]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	env, _ := agents.FromOS() // only 'detected' needs it, and says so when it finds nothing
	chosen, err := agents.Choose(values, env, agents.DirExists)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(chosen))
	for i, a := range chosen {
		names[i] = a.Name
	}
	return names, nil
}
