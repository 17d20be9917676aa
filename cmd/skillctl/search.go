package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/skillctl/skillctl/internal/textsafe"
	"github.com/spf13/cobra"
)

// defaultSearchLimit is how many matches search shows on a terminal unless --limit says otherwise: a
// screenful, the count npm and pnpm show by default.
const defaultSearchLimit = 20

func newSearchCmd(ios *streams.IO) *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "search TERM",
		Short: "Find skills in the registries by name, author, path or description",
		Long: `Search lists the skills of every registry whose name, author, path or description
contains TERM (case-insensitive; '' lists them all), with the registry, the folder and
the description where it is known, the most relevant first: the exact name, then names
starting with TERM, then names holding it, then matches in another field.

What it fetches: for each git registry, its refs, and once per commit (then cached)
its .claude-plugin/marketplace.json if it has one, the trees that list its skill
folders, and every skill's SKILL.md in one batch for names and descriptions (up to
SKILLCTL_INDEX_BUDGET, 64 MiB; past it, folder names only). Nothing else of a skill
folder is fetched, and a marketplace's plugins in other repositories are not fetched
at all (shown as external:). A later search of an unchanged registry costs one request
for its refs. A folder registry is read from disk; the bundled skills are built in.
On a terminal, a count of the registries indexed shows while it works.

A registry that cannot be read (and has no cached index) is left out with a warning;
the install column then names each match's registry, since a bare name would be refused.

On a terminal, search shows the 20 most relevant matches (--limit N for more, 0 for
all) and cuts long columns to the screen's width; into a pipe, a file or with --json
it prints every match in full, unless --limit says otherwise.

With no match, search exits 1 (with --json it prints [] and exits 0).`,
		Example: `  skillctl search async
  skillctl search pdf --limit 0              # every match, on a terminal too
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
			total := len(found)
			if n := searchLimit(limit, asJSON, ios.StdoutTerminal()); n > 0 && n < total {
				found, picks = found[:n], picks[:n]
				if !asJSON {
					ios.Note(fmt.Sprintf("showing %d of %d matches, the most relevant first", n, total),
						"skillctl search "+textsafe.ShellWord(args[0])+" --limit 0   # all of them")
				}
			}
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
			return printSearch(ios.Stdout(), found, ios.Color(), ios.Width())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the matches as JSON")
	cmd.Flags().IntVar(&limit, "limit", -1, "show at most N matches, the most relevant (0: all; default: 20 on a terminal, all otherwise)")
	cmd.PreRunE = func(*cobra.Command, []string) error {
		if limit < -1 || limit == -1 && cmd.Flags().Changed("limit") {
			return clierr.Usage(fmt.Errorf("--limit: %d is not a count (0 shows every match)", limit))
		}
		return nil
	}
	return cmd
}

// searchLimit is how many matches to show, 0 meaning all: --limit when given (flag >= 0); else
// defaultSearchLimit on a terminal without --json, where the screen is what the list fills; else every
// match. gh and npm cut every output, --json included, because their limit bounds what a server sends;
// skillctl's index is already on disk in full, so a limit only saves a screen, and a pipe, a file or a
// script reading --json wants every match.
func searchLimit(flag int, asJSON, terminal bool) int {
	switch {
	case flag >= 0:
		return flag
	case terminal && !asJSON:
		return defaultSearchLimit
	}
	return 0
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

// printSearch writes the table of matches. width > 0 is the terminal's: the columns are then cut to fit
// it (fitColumns), each cell between two characters of its text, never inside an escape sequence.
func printSearch(w io.Writer, found []registry.Candidate, color bool, width int) error {
	rows := [][]string{{"NAME", "REGISTRY", "PATH", "DESCRIPTION"}}
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
		rows = append(rows, []string{name, c.Registry, where, clip(c.Description, 72)})
	}
	// The columns are aligned first and the header painted after, so the colour codes never count as width.
	var buf strings.Builder
	tw := newTable(&buf)
	if width > 0 {
		cols := fitColumns(columnWidths(rows), []int{10, 6, 10, 10}, width-2*(len(rows[0])-1))
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, c := range r {
				cells[i] = textsafe.Cut(c, cols[i])
			}
			tw.escapedRow(cells...)
		}
	} else {
		for _, r := range rows {
			tw.row(r...)
		}
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

// columnWidths is each column's widest cell, escaped.
func columnWidths(rows [][]string) []int {
	out := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			out[i] = max(out[i], textsafe.Width(c))
		}
	}
	return out
}

// fitColumns shrinks column widths until they fit avail columns: the widest column gives up a column at
// a time (a long external URL before a description, both before a short name), none below its minimum
// (or its own width, when narrower). When even the minimums do not fit, they are what it returns.
func fitColumns(widths, mins []int, avail int) []int {
	out := append([]int(nil), widths...)
	total := 0
	for _, w := range out {
		total += w
	}
	for total > avail {
		widest := -1
		for i, w := range out {
			if w > min(mins[i], widths[i]) && (widest < 0 || w > out[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		out[widest]--
		total--
	}
	return out
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
