package main

import (
	"fmt"
	"github.com/skillctl/skillctl/internal/gitfetch"
	"os"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/project"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

// Main runs skillctl with os.Args and returns the exit code. It is the only place errors become codes.
func Main() int {
	ios := streams.System()
	root := newRootCmd(ios)
	root.SetArgs(os.Args[1:])
	root.SetIn(ios.Stdin())
	root.SetOut(ios.Stdout())
	root.SetErr(ios.Stderr())
	cmd, err := root.ExecuteC()
	gitfetch.Wait() // what the command fetched is in the cache before it exits
	err = cobraUnknown(root, err)
	ios.Error(err)
	if wantsJSON(cmd, os.Args[1:]) {
		writeJSONError(ios.Stdout(), err)
	}
	return clierr.Code(err)
}

func newRootCmd(ios *streams.IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "skillctl",
		Short: "A package manager for Agent Skills",
		Long: `skillctl validates, resolves, installs and verifies Agent Skills: folders with a SKILL.md.

It installs a skill folder straight from a GitHub tree URL, fetching only that folder,
resolves its depends-on skills, writes it atomically, and pins it in skills.lock by
commit and content hash so the install can be reproduced exactly.`,
		Example: `  # Check the skills in this repository against the spec and marketplace rules
  skillctl validate --strict skills/

  # Install a skill and its dependencies from a marketplace folder
  skillctl install https://github.com/OWNER/REPO/tree/main/skills/AUTHOR/python-async-patterns

  # Install a bundled skill for Codex instead of Claude Code
  skillctl install python-async-patterns --agent codex`,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	// --version prints what `skillctl version` prints; the text holds no template actions.
	root.SetVersionTemplate(readBuildInfo().text())
	var verbose bool
	root.PersistentFlags().BoolVar(&verbose, "verbose", false, "say which project root the command works in, and why")
	root.PersistentPreRun = func(cmd *cobra.Command, args []string) { noteProject(ios, cmd, verbose) }
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		newValidateCmd(ios),
		newAuditCmd(),
		newInstallCmd(ios),
		newImportCmd(ios),
		newDepsCmd(ios),
		newListCmd(ios),
		newUpdateCmd(ios, false),
		newUpdateCmd(ios, true),
		newOutdatedCmd(ios),
		newRemoveCmd(ios),
		newPruneCmd(ios),
		newVerifyCmd(ios),
		newInitCmd(ios),
		newRegistryCmd(ios),
		newSearchCmd(ios),
		newInfoCmd(ios),
		newAgentsCmd(),
		newVersionCmd(ios),
		newBudgetCmd(ios),
		newLockCmd(ios),
	)
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	refuseUnknownSubcommands(root)
	return root
}

// noProject are the commands that never read a project, so the project root is not theirs to report.
var noProject = map[string]bool{"validate": true, "agents": true, "completion": true, "help": true,
	cobra.ShellCompRequestCmd: true, cobra.ShellCompNoDescRequestCmd: true}

// noteProject says on stderr which markers were passed over while finding the project root (always: they
// are why the root is not where a user may expect it), and with --verbose which root was chosen and why.
// A --global command works on the user's own lock and registries, not the project's.
func noteProject(ios *streams.IO, cmd *cobra.Command, verbose bool) {
	if noProject[cmd.Name()] {
		return
	}
	if f := cmd.Flags().Lookup("global"); f != nil && f.Value.String() == "true" {
		if verbose {
			ios.Note("--global: the user's own lock and registries; no project is read")
		}
		return
	}
	d, err := project.Discover(".")
	if err != nil {
		return
	}
	for _, i := range d.Ignored {
		ios.Note(i.Note(), "if it is yours, take it back with chown; otherwise run skillctl in a folder you own (a first install creates the project there)")
	}
	if verbose {
		ios.Note(rootLine(d))
	}
}

// rootLine names the project root and the reason it was chosen.
func rootLine(d project.Discovery) string { return "project root: " + d.Root + " (" + d.Why() + ")" }

// wrapArgs makes cobra's positional-argument errors usage errors (exit 2) with a hint.
func wrapArgs(c *cobra.Command) {
	if c.Args != nil {
		check := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return clierr.WithHint(clierr.Usage(argsError(cmd, err)), fmt.Sprintf("run '%s --help' for usage", cmd.CommandPath()))
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}
