package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

// version is set at link time by release builds (-ldflags "-X main.version=v1.2.3"); otherwise the module
// version recorded by `go install` is used.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// Main runs skillctl with os.Args and returns the exit code. It is the only place errors become codes.
func Main() int {
	ios := streams.System()
	root := newRootCmd(ios)
	root.SetArgs(os.Args[1:])
	root.SetIn(ios.Stdin())
	root.SetOut(ios.Stdout())
	root.SetErr(ios.Stderr())
	cmd, err := root.ExecuteC()
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
	root.SetVersionTemplate("skillctl {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		newValidateCmd(),
		newAuditCmd(),
		newInstallCmd(ios),
		newDepsCmd(ios),
		newListCmd(ios),
		newUpdateCmd(ios, false),
		newUpdateCmd(ios, true),
		newRemoveCmd(ios),
		newPruneCmd(ios),
		newVerifyCmd(ios),
		newInitCmd(ios),
		newRegistryCmd(ios),
		newSearchCmd(ios),
		newInfoCmd(ios),
		newAgentsCmd(),
	)
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	refuseUnknownSubcommands(root)
	return root
}

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
