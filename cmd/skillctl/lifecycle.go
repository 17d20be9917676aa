package main

import (
	"os"

	"github.com/skillctl/skillctl/internal/install"
	"github.com/spf13/cobra"
)

func newListCmd() *cobra.Command {
	var opts install.ListOptions
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List installed skills and whether they match the lock",
		Long: `List shows every skill in the target folder: its source, ref and commit, whether you
asked for it or it came as a dependency, and its state:

  ok         the files match skills.lock
  modified   the files differ from skills.lock (edited locally)
  missing    in skills.lock but not on disk
  untracked  on disk but not in skills.lock`,
		Example: `  skillctl list
  skillctl list --agent codex --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Stdout = cmd.OutOrStdout()
			return install.List(cmd.Context(), opts)
		},
	}
	addTargetFlags(cmd, &opts.Target)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print an array of {name, source, ref, commit, requested, state}")
	return cmd
}

func newVerifyCmd() *cobra.Command {
	var opts install.VerifyOptions
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check installed skills against the lock's content hashes",
		Long: `Verify recomputes every installed skill's content hash, compares it with skills.lock,
names the files added, removed or changed, and validates each SKILL.md again.
Exit status 1 when anything differs.`,
		Example: `  skillctl verify
  skillctl verify --json | jq '.[] | select(.state != "ok")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Stdout, opts.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
			return install.Verify(cmd.Context(), opts)
		},
	}
	addTargetFlags(cmd, &opts.Target)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the results as JSON")
	return cmd
}

func newRemoveCmd() *cobra.Command {
	var opts install.RemoveOptions
	cmd := &cobra.Command{
		Use:     "remove NAME...",
		Aliases: []string{"rm", "uninstall"},
		Short:   "Remove installed skills and their lock entries",
		Long: `Remove deletes skills and their skills.lock entries in one atomic step. A skill that
another installed skill depends on is refused (remove both, or the dependent first).
With --prune, dependencies that nothing else needs are removed as well.`,
		Example: `  skillctl remove python-fastapi-patterns
  skillctl remove python-fastapi-patterns --prune`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeInstalled(func() install.TargetOptions { return opts.Target }),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names, opts.Stdout = args, cmd.OutOrStdout()
			return install.Remove(cmd.Context(), opts)
		},
	}
	addTargetFlags(cmd, &opts.Target)
	f := cmd.Flags()
	f.BoolVar(&opts.Prune, "prune", false, "also remove dependencies nothing else needs")
	f.BoolVar(&opts.Force, "force", false, "remove skills even if they have local edits")
	f.BoolVar(&opts.DryRun, "dry-run", false, "print what would be removed and change nothing")
	f.BoolVar(&opts.JSON, "json", false, "print {\"removed\": [...]} as JSON")
	return cmd
}

func newUpdateCmd(check bool) *cobra.Command {
	var opts install.UpdateOptions
	opts.Check = check
	cmd := &cobra.Command{
		Use:   "update [NAME...]",
		Short: "Move requested skills to the newest commit of their ref",
		Long: `Update re-resolves each requested skill's source: a branch or tag moves to its newest
commit, a source pinned by commit stays. Only folders whose content changed are
fetched and replaced; new dependencies are added; dependencies no longer needed are
reported, and removed with --prune. A skill with local edits is not overwritten
unless --force.`,
		Example: `  skillctl update
  skillctl update python-async-patterns --dry-run
  skillctl update --prune`,
		ValidArgsFunction: completeInstalled(func() install.TargetOptions { return opts.Target }),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			sp := newSpinner(cmd.ErrOrStderr())
			defer sp.Stop()
			opts.Names = args
			opts.Stdout, opts.Stderr, opts.Progress = cmd.OutOrStdout(), sp, sp
			opts.Review.Stdin = cmd.InOrStdin()
			opts.Review.Interactive = isTerminal(os.Stdin) && isTerminal(os.Stderr)
			return install.Update(ctx, opts)
		},
	}
	if check {
		cmd.Use = "check [NAME...]"
		cmd.Short = "Report available updates; exit 1 when there are any (for CI)"
		cmd.Long = `Check is 'update --dry-run' for CI and bots: it prints what update would change.
Exit status: 0 when everything is current, 1 when an update exists, 2 on a usage
error, 3 when it could not tell (a source could not be reached or read).`
		cmd.Example = `  skillctl check
  skillctl check --json`
		cmd.RunE = undecidedOnFailure(cmd.RunE)
	}
	addTargetFlags(cmd, &opts.Target)
	addLimitFlags(cmd, &opts.Limits)
	f := cmd.Flags()
	f.BoolVar(&opts.JSON, "json", false, "print the plan as JSON")
	if !check {
		f.BoolVar(&opts.Prune, "prune", false, "remove dependencies no longer needed")
		f.BoolVar(&opts.Force, "force", false, "overwrite local edits and install invalid skills")
		f.BoolVar(&opts.DryRun, "dry-run", false, "show what would change, commit to commit, and write nothing")
		f.BoolVarP(&opts.Review.Yes, "yes", "y", false, "update without asking when new content carries scripts or hidden text (the summary is still printed)")
		f.BoolVar(&opts.Review.DenyRisky, "deny-risky", false, "refuse updates that bring scripts, hidden text or pipe-to-shell lines")
	}
	return cmd
}

func newInitCmd() *cobra.Command {
	var opts install.InitOptions
	cmd := &cobra.Command{
		Use:   "init NAME",
		Short: "Create a new skill folder that passes validation",
		Long: `Init creates the folder NAME (inside --dir, default the current folder) with a SKILL.md
whose frontmatter carries the name and a description to replace, a body to fill in, and
a references/ folder. It passes 'skillctl validate --strict' as created; edit it, then
validate again. NAME is 1-64 lowercase letters, digits and single hyphens; an existing
folder is never overwritten.`,
		Example: `  skillctl init pdf-forms
  skillctl init pdf-forms --dir skills/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name, opts.Stdout = args[0], cmd.OutOrStdout()
			return install.Init(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", ".", "folder to create the skill in")
	return cmd
}

// completeInstalled completes the names of installed skills for the target the other flags choose.
func completeInstalled(target func() install.TargetOptions) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return install.InstalledNames(target()), cobra.ShellCompDirectiveNoFileComp
	}
}
