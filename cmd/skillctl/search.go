package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

func newSearchCmd(ios *streams.IO) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "search TERM",
		Short: "Find skills in the registries by name, author, path or description",
		Long: `Search lists the skills of every registry whose name, author, path or description
contains TERM (case-insensitive; '' lists them all), with the registry, the folder and
the description where it is known. Indexing a git registry reads its trees only, never
its files, and is cached by commit: a second search of an unchanged registry costs one
request for its refs. Descriptions of a few matches are fetched and cached too.
A registry that cannot be read (and has no cached index) is left out with a warning;
the install column then names each match's registry, since a bare name would be refused.

With no match, search exits 1 (with --json it prints [] and exits 0).`,
		Example: `  skillctl search async
  skillctl search '' --json | jq -r '.[].install'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			defer ios.StopProgress()
			ios.StartProgress("searching registries")
			s, err := registry.Load(ios, nil)
			if err != nil {
				return err
			}
			found, err := s.Search(ctx, args[0])
			if err != nil {
				return err
			}
			picks := s.InstallSources(ctx, found)
			if asJSON {
				out := make([]candidateJSON, len(found))
				for i, c := range found {
					out[i] = candidateJSON{c.Name, c.Author, c.Registry, c.Path, c.Repo, c.Ref, c.Commit, c.Dir, c.Description, c.Category, c.External, c.Fetches, picks[i]}
				}
				return writeJSON(ios.Stdout(), out)
			}
			if len(found) == 0 {
				return clierr.WithHint(fmt.Errorf("search %q: no skill matches in %s", args[0], strings.Join(s.Names(), ", ")),
					"skillctl search ''   # list every skill", "skillctl registry add NAME URL")
			}
			return printSearch(ios.Stdout(), found, ios.Color())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the matches as JSON")
	return cmd
}

// candidateJSON is one result of 'search --json'; its shape is part of the CLI's interface.
type candidateJSON struct {
	Name        string `json:"name"`
	Author      string `json:"author,omitempty"`
	Registry    string `json:"registry"`
	Path        string `json:"path"`
	Repo        string `json:"repo,omitempty"`
	Ref         string `json:"ref,omitempty"`
	Commit      string `json:"commit,omitempty"`
	Dir         string `json:"dir,omitempty"`
	Description string `json:"description,omitempty"`
	Category    string `json:"category,omitempty"`
	// External: a marketplace plugin in another repository, which installing fetches (Fetches, a
	// source install accepts); searching did not.
	External bool   `json:"external,omitempty"`
	Fetches  string `json:"fetches,omitempty"`
	Install  string `json:"install"`
}

func printSearch(w io.Writer, found []registry.Candidate, color bool) error {
	// The columns are aligned first and the header painted after, so the colour codes never count as width.
	var buf strings.Builder
	tw := newTable(&buf)
	tw.row("NAME", "REGISTRY", "PATH", "DESCRIPTION")
	externals := 0
	for _, c := range found {
		name := c.Name
		if c.Author != "" {
			name = c.Author + "/" + c.Name
		}
		where := c.Path
		if c.External {
			// What install would fetch, since search did not: the plugin's repository and folder.
			where = "external: " + c.Fetches
			externals++
		}
		tw.row(name, c.Registry, where, clip(c.Description, 72))
	}
	if err := tw.flush(); err != nil {
		return err
	}
	out := buf.String()
	if color {
		head, rest, _ := strings.Cut(out, "\n")
		out = "\x1b[1m" + head + "\x1b[0m\n" + rest
	}
	if _, err := io.WriteString(w, out); err != nil {
		return err
	}
	if externals > 0 {
		fmt.Fprintf(w, "\nexternal: a plugin in another repository; info or install fetches the one shown (%d here)\n", externals)
	}
	return nil
}

// clip shortens s to n characters on a word boundary, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n-1])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
