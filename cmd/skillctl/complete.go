package main

import (
	"strings"

	"github.com/skillctl/skillctl/internal/registry"
	"github.com/spf13/cobra"
)

// completeSource completes a SOURCE argument: a path when one is being typed, else the names of the
// bundled skills and of local registries' skills (NAME@ completes registry names), all without the network.
func completeSource(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if strings.HasPrefix(toComplete, ".") || strings.HasPrefix(toComplete, "/") || strings.HasPrefix(toComplete, "~") {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	return registry.CompleteSkill(toComplete), cobra.ShellCompDirectiveNoFileComp
}
