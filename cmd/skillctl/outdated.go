package main

import (
	"fmt"
	"io"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/install"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

func newOutdatedCmd(ios *streams.IO) *cobra.Command {
	var opts install.OutdatedOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "outdated",
		Short: "List skills installed from a release that have a newer one",
		Long: `Outdated compares each skill you installed from a release (a vX.Y.Z tag) with its
repository's release tags, as npm outdated does: current is what skills.lock records,
wanted the newest release of its major (what update moves it to), latest the newest
of any major (update --major). Skills installed from a branch or a commit have no
versions and are not listed; nor are dependencies, whose release is chosen from
their dependents' depends-on (check says what update would change). Exit status: 0 when nothing is outdated, 1 when a skill
is, 2 on a usage error, 3 when it could not tell (a repository could not be reached).`,
		Example: `  skillctl outdated
  skillctl outdated --json`,
		Args: cobra.NoArgs,
		RunE: undecidedOnFailure(func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			opts.IO = ios
			rows, compared, err := install.ListOutdated(ctx, opts)
			if err != nil {
				return err
			}
			if asJSON {
				err = writeJSON(ios.Stdout(), struct {
					Skills []install.Outdated `json:"skills"`
				}{rows})
			} else {
				err = printOutdated(ios.Stdout(), rows, compared)
			}
			if err == nil && len(rows) > 0 {
				return clierr.ErrFindings
			}
			return err
		}),
	}
	addTargetFlags(cmd, &opts.Target)
	addLimitFlags(cmd, &opts.Limits)
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"skills":[{"name","dir","current","wanted","latest"}]}`)
	return cmd
}

func printOutdated(w io.Writer, rows []install.Outdated, compared int) error {
	if compared == 0 {
		_, err := fmt.Fprintln(w, "no skill requested here is installed from a release (a vX.Y.Z tag): nothing to compare")
		return err
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "every skill installed from a release is at its newest")
		return err
	}
	tw := newTable(w)
	tw.row("NAME", "CURRENT", "WANTED", "LATEST", "DIR")
	for _, r := range rows {
		tw.row(r.Name, r.Current, r.Wanted, r.Latest, r.Dir)
	}
	return tw.flush()
}
