package main

import (
	"fmt"
	"io"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/install"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/skillctl/skillctl/internal/textsafe"
	"github.com/spf13/cobra"
)

func newImportCmd(ios *streams.IO) *cobra.Command {
	var opts install.ImportOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import [FILE...]",
		Short: "Adopt the skills another installer put in this project, without rewriting them",
		Long: `Import reads what another installer recorded and adopts its skills into skills.lock:
vercel's skills-lock.json (installs in .agents/skills) and, with --global, its
~/.agents/.skill-lock.json; gh skill's provenance (metadata.github-repo and the other
github-* keys) in the SKILL.md of each skill in the agents' project folders; APM's
apm.lock.yaml; dotagents' agents.toml. With no
FILE, the files at the project root (or in your home folder with --global) are read.
A gh skill folder that differs from its repository only by those lines gets the
repository's SKILL.md.

Each skill is resolved to a commit of its repository and its installed folder compared
with the repository's folder. An identical folder is recorded as it is: no file of it
is written. A folder that differs is named and left alone (--force replaces it with
the repository's); a missing one is installed. The other installer's files are left in
place. Afterwards list, verify, update and install work on the skills as on any other.

The exit status is 1 when a skill could not be imported (it differs, or its source
cannot be fetched); the others are recorded all the same.`,
		Example: `  skillctl import --dry-run        # what would be adopted
  skillctl import                  # adopt skills-lock.json's skills
  skillctl import --global         # adopt ~/.agents/.skill-lock.json's
  skillctl import --force          # and replace the folders that differ`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			opts.Files, opts.IO = args, ios
			defer ios.StopProgress()
			rep, err := install.Import(ctx, opts)
			if err != nil && asJSON {
				return err // the error is the one JSON document (exit.go)
			}
			if perr := printImport(ios.Stdout(), rep, asJSON); perr != nil && err == nil {
				err = perr
			}
			if err != nil {
				return err
			}
			left, differ := 0, 0
			for _, in := range rep.Imported {
				switch in.Action {
				case "differs":
					left, differ = left+1, differ+1
				case "skip":
					left++
				}
			}
			if left > 0 && asJSON {
				return clierr.ErrFindings // each one's action and reason are in the document
			}
			if left == 0 {
				return nil
			}
			hint := "each skipped skill's line says why it cannot be adopted"
			if differ > 0 {
				again := "skillctl import"
				if opts.Target.Global {
					again += " --global"
				}
				for _, f := range opts.Files {
					again += " " + textsafe.ShellWord(f)
				}
				hint = "replace the folders that differ with their repository's: " + again + " --force"
			}
			return clierr.WithHint(fmt.Errorf("import: %d of %d %s not imported", left, len(rep.Imported), plural(len(rep.Imported), "skill", "skills")), hint)
		},
	}
	addLockFlags(cmd, &opts.Target)
	addLimitFlags(cmd, &opts.Limits)
	f := cmd.Flags()
	f.BoolVar(&opts.DryRun, "dry-run", false, "print what would be adopted, installed or left alone, and write nothing")
	f.BoolVar(&opts.Force, "force", false, "replace installed folders that differ from their repository's")
	f.BoolVarP(&opts.Review.Yes, "yes", "y", false, "install missing or replaced skills without asking when they carry scripts or hidden text")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func printImport(w io.Writer, rep install.ImportReport, asJSON bool) error {
	if asJSON {
		return writeJSON(w, rep)
	}
	verb := map[string]string{"adopt": "adopted", "install": "installed", "replace": "replaced", "unchanged": "unchanged",
		"differs": "differs", "skip": "skipped"}
	if rep.DryRun {
		verb["adopt"], verb["install"], verb["replace"] = "would adopt", "would install", "would replace"
	}
	tw := newTable(w)
	for _, in := range rep.Imported {
		what := in.Source
		if in.Commit != "" {
			what += "@" + short(in.Commit)
		}
		if in.Reason != "" {
			what = in.Reason
		}
		tw.row(verb[in.Action], in.Name, in.Dir, what)
	}
	return tw.flush()
}
