package main

import (
	"fmt"
	"io"

	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

func newRegistryCmd(ios *streams.IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Add, list and remove the registries that skill names are looked up in",
		Long: `A registry is a git repository of skills, or a folder of them on this machine. Bare names
(skillctl install NAME), NAME@REGISTRY and AUTHOR/NAME are looked up in the registries
in order: the project's (.skillctl/registries.json, meant to be committed), then the
user's (registries.json under $SKILLCTL_CONFIG_DIR, default the user config folder),
then the skills bundled with skillctl, which are always last and always there. A name
defined in both files is the project's.

Any layout works: skills/NAME/, skills/AUTHOR/NAME/, plugins/PLUGIN/skills/NAME/, any
folder holding a SKILL.md, or a Claude Code .claude-plugin/marketplace.json.`,
		Example: `  skillctl registry add team https://github.com/acme/skills
  skillctl registry add market OWNER/REPO --project
  skillctl registry add mine ~/src/my-skills
  skillctl registry list --json
  skillctl registry remove team`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newRegistryAddCmd(ios), newRegistryListCmd(ios), newRegistryRemoveCmd(ios))
	return cmd
}

func newRegistryAddCmd(ios *streams.IO) *cobra.Command {
	var project bool
	cmd := &cobra.Command{
		Use:   "add NAME URL",
		Short: "Add a registry: a git repository over http(s), OWNER/REPO on GitHub, or a folder",
		Long: `Add records a registry under NAME (lowercase letters, digits and '-'; "builtin" is
taken). URL is a git URL over http(s) (https://HOST/PATH/REPO.git, optionally with
//FOLDER and #REF), a GitHub repository (https://github.com/OWNER/REPO or OWNER/REPO),
a tree URL of a folder in a repository, or a folder on this machine. Nothing is fetched
until a search or install needs it.`,
		Example: `  skillctl registry add team https://github.com/acme/skills
  skillctl registry add market https://git.example.com/skills.git#stable --project
  skillctl registry add mine ./skills`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Nothing is contacted: a registry that is down today may be up tomorrow, and the first
			// search or install says so if it is not.
			file := registry.ConfigFile(project)
			r, err := registry.Add(file, args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(ios.Stdout(), "added registry %s %s (%s)\n", esc(r.Name), esc(r.URL), esc(file))
			return nil
		},
	}
	cmd.Flags().BoolVar(&project, "project", false, "add to the project's .skillctl/registries.json instead of the user's file")
	return cmd
}

func newRegistryListCmd(ios *streams.IO) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the registries in lookup order, builtin last",
		Example: "  skillctl registry list\n  skillctl registry list --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := registry.Load(ios, nil)
			if err != nil {
				return err
			}
			return printRegistries(ios.Stdout(), s.Registries(), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the registries as JSON")
	return cmd
}

func newRegistryRemoveCmd(ios *streams.IO) *cobra.Command {
	var project bool
	cmd := &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Remove a registry",
		Example: "  skillctl registry remove team\n  skillctl registry remove market --project",
		Args:    cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return registry.CompleteRegistries(true), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			file := registry.ConfigFile(project)
			if err := registry.Remove(file, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(ios.Stdout(), "removed registry %s (%s)\n", esc(args[0]), esc(file))
			return nil
		},
	}
	cmd.Flags().BoolVar(&project, "project", false, "remove from the project's .skillctl/registries.json")
	return cmd
}

// registryJSON is one registry in 'registry list --json'; its shape is part of the CLI's interface.
type registryJSON struct {
	Name  string         `json:"name"`
	URL   string         `json:"url"`
	Scope registry.Scope `json:"scope"`
}

func printRegistries(w io.Writer, regs []registry.Registry, asJSON bool) error {
	if asJSON {
		out := make([]registryJSON, len(regs))
		for i, r := range regs {
			out[i] = registryJSON{r.Name, r.URL, r.Scope}
		}
		return writeJSON(w, out)
	}
	tw := newTable(w)
	tw.row("NAME", "SCOPE", "URL")
	for _, r := range regs {
		tw.row(r.Name, string(r.Scope), r.URL)
	}
	return tw.flush()
}
