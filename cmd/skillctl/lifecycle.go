package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/install"
	"github.com/skillctl/skillctl/internal/project"
	"github.com/skillctl/skillctl/internal/scaffold"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

func newListCmd(ios *streams.IO) *cobra.Command {
	var opts install.ListOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List installed skills and whether they match the lock",
		Long: `List shows every skill in the target folder: its source, ref and commit, whether you
asked for it or it came as a dependency, and its state:

  ok         the files match skills.lock
  modified   the files differ from skills.lock (edited locally)
  missing    in skills.lock but not on disk
  untracked  on disk but not in skills.lock

With no --dir and no --agent it lists every folder skills.lock names, each under
its own heading when there are several.`,
		Example: `  skillctl list
  skillctl list --agent codex --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, rows, err := install.List(cmd.Context(), opts)
			if err != nil {
				return err
			}
			noteListRoot(ios, cmd, opts.Target)
			return printList(ios.Stdout(), t, rows, asJSON)
		},
	}
	addTargetFlags(cmd, &opts.Target)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print an array of {name, dir, source, ref, commit, requested, state, ...}")
	return cmd
}

func newVerifyCmd(ios *streams.IO) *cobra.Command {
	var opts install.VerifyOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check installed skills against the lock's content hashes",
		Long: `Verify recomputes every installed skill's content hash, compares it with skills.lock,
names the files added, removed or changed, and validates each SKILL.md again, in
every folder skills.lock names (or the one --dir or --agent names).
Exit status 1 when anything differs.`,
		Example: `  skillctl verify
  skillctl verify --json | jq '.[] | select(.state != "ok")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IO = ios
			out, err := install.Verify(cmd.Context(), opts)
			if err != nil {
				return err
			}
			return printVerify(ios.Stdout(), out, asJSON)
		},
	}
	addTargetFlags(cmd, &opts.Target)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the results as JSON")
	return cmd
}

func newRemoveCmd(ios *streams.IO) *cobra.Command {
	var opts install.RemoveOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "remove NAME...",
		Aliases: []string{"rm", "uninstall"},
		Short:   "Remove installed skills and their lock entries",
		Long: `Remove deletes skills and their skills.lock entries in one atomic step. A skill that
another installed skill depends on is refused (remove both, or the dependent first).
With --prune, dependencies that nothing else needs are removed as well; with --prune
and no NAME, only they are (as skillctl prune). An orphan with local edits is kept
and reported, not deleted, unless --force.

With no --dir and no --agent, a skill is removed from the folder skills.lock stores
it in, and from every agent's folder it is placed in. Skills stored in several folders
are removed from each, one step per folder, once every folder's plan has passed.`,
		Example: `  skillctl remove python-fastapi-patterns
  skillctl remove python-fastapi-patterns --prune
  skillctl remove --prune                 # only the dependencies nothing needs`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !opts.Prune {
				return fmt.Errorf("name the skills to remove, or pass --prune to remove only what nothing needs")
			}
			return nil
		},
		ValidArgsFunction: completeInstalled(func() install.TargetOptions { return opts.Target }),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			return runRemove(cmd, ios, opts, asJSON)
		},
	}
	addRemoveFlags(cmd, &opts, &asJSON)
	cmd.Flags().BoolVar(&opts.Prune, "prune", false, "also remove dependencies nothing else needs")
	return cmd
}

func newPruneCmd(ios *streams.IO) *cobra.Command {
	var opts install.RemoveOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove the dependencies no installed skill needs any more",
		Long: `Prune removes every skill that came as a dependency and that no skill you asked for
needs any more (after a remove without --prune, or an update that dropped a
dependency), with its skills.lock entry and its placements, in one atomic step.
An orphan with local edits is kept and reported, and what it needs stays with it;
--force removes it too. It is 'skillctl remove --prune' with no NAME.`,
		Example: `  skillctl prune --dry-run
  skillctl prune
  skillctl prune --global`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Prune = true
			return runRemove(cmd, ios, opts, asJSON)
		},
	}
	addRemoveFlags(cmd, &opts, &asJSON)
	return cmd
}

// addRemoveFlags binds the flags remove and prune share.
func addRemoveFlags(cmd *cobra.Command, opts *install.RemoveOptions, asJSON *bool) {
	addTargetFlags(cmd, &opts.Target)
	f := cmd.Flags()
	f.BoolVar(&opts.Force, "force", false, "remove skills even if they have local edits")
	f.BoolVar(&opts.DryRun, "dry-run", false, "print what would be removed and change nothing")
	f.BoolVar(asJSON, "json", false, "print {\"removed\": [...], \"kept\": [{name, reason}]} as JSON")
}

func runRemove(cmd *cobra.Command, ios *streams.IO, opts install.RemoveOptions, asJSON bool) error {
	rep, err := install.Remove(cmd.Context(), opts)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(ios.Stdout(), rep)
	}
	printRemoved(ios.Stdout(), rep)
	return nil
}

func newUpdateCmd(ios *streams.IO, check bool) *cobra.Command {
	var opts install.UpdateOptions
	var asJSON bool
	opts.Check = check
	cmd := &cobra.Command{
		Use:     "update [NAME...]",
		Aliases: []string{"upgrade"},
		Short:   "Move requested skills to the newest commit of their ref, or newest release of their major",
		Long: `Update re-resolves each requested skill's source: a branch or tag moves to its newest
commit, a source pinned by commit stays. A skill installed from a release (vX.Y.Z)
moves to the newest release of its major, or of any major with --major, and its
dependencies' versions are selected again; a release tag that was moved upstream is
reported and never followed. Only folders whose content changed are
fetched and replaced; new dependencies are added; dependencies no longer needed are
reported, and removed with --prune (one with local edits is kept and reported). A
skill with local edits is not overwritten unless --force; --dry-run shows such an
update, marked as needing --force. With no --dir and no --agent it covers every
folder skills.lock names.`,
		Example: `  skillctl update
  skillctl update python-async-patterns --dry-run
  skillctl update --prune`,
		ValidArgsFunction: completeInstalled(func() install.TargetOptions { return opts.Target }),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			defer ios.StopProgress()
			opts.Names, opts.IO = args, ios
			plan, pending, err := install.Update(ctx, opts)
			if err != nil {
				return err
			}
			if asJSON {
				err = writeJSON(ios.Stdout(), plan)
			} else {
				err = printUpdates(ios.Stdout(), plan, pending, opts.DryRun || opts.Check)
			}
			if err == nil && opts.Check && pending > 0 {
				return clierr.ErrFindings
			}
			return err
		},
	}
	if check {
		cmd.Use = "check [NAME...]"
		cmd.Aliases = nil
		cmd.Short = "Report available updates; exit 1 when there are any (for CI)"
		cmd.Long = `Check is 'update --dry-run' for CI and bots: it prints what update would change.
Exit status: 0 when everything is current, 1 when an update exists (also for a
skill edited locally, shown as modified: applying that update needs --force), 2 on
a usage error, 3 when it could not tell (a source could not be reached or read).`
		cmd.Example = `  skillctl check
  skillctl check --json`
		cmd.RunE = undecidedOnFailure(cmd.RunE)
	}
	addTargetFlags(cmd, &opts.Target)
	addLimitFlags(cmd, &opts.Limits)
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, `print the plan as JSON: [{"name","dir","action","from_commit","to_commit","from_version","to_version",...}]`)
	if !check {
		f.BoolVar(&opts.Prune, "prune", false, "remove dependencies no longer needed")
		f.BoolVar(&opts.Major, "major", false, "move skills installed from a release to the newest release of any major, not only of their own")
		f.BoolVar(&opts.Force, "force", false, "overwrite local edits and install invalid skills")
		f.BoolVar(&opts.DryRun, "dry-run", false, "show what would change, commit to commit, and write nothing")
		f.BoolVarP(&opts.Review.Yes, "yes", "y", false, "update without asking when new content carries scripts or hidden text (the summary is still printed)")
		f.BoolVar(&opts.Review.DenyRisky, "deny-risky", false, "refuse updates whose risk is medium or high: scripts, hidden text, pipe-to-shell lines, a marketplace's rating")
	}
	return cmd
}

func newInitCmd(ios *streams.IO) *cobra.Command {
	var opts scaffold.Options
	cmd := &cobra.Command{
		Use:   "init NAME",
		Short: "Create a new skill folder that passes validation",
		Long: `Init creates the folder NAME (inside --dir, default the current folder) with a SKILL.md
whose frontmatter carries the name, a description to replace and the license ` + scaffold.License + `
(said when it is written; change it if you license the skill otherwise), a body to fill
in, and a references/ folder. It passes 'skillctl validate --strict' as created; edit it, then
validate again. NAME is 1-64 lowercase letters, digits and single hyphens; an existing
folder is never overwritten.`,
		Example: `  skillctl init pdf-forms
  skillctl init pdf-forms --dir skills/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			dir, err := scaffold.Create(opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(ios.Stdout(), "created %s\n", esc(dir))
			fmt.Fprintf(ios.Stdout(), "license: %s, in SKILL.md's frontmatter; change it if you license the skill otherwise\n", scaffold.License)
			fmt.Fprintf(ios.Stdout(), "next: edit %s, then run: skillctl validate --strict %s\n", esc(filepath.Join(dir, "SKILL.md")), esc(dir))
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", ".", "folder to create the skill in")
	return cmd
}

// noteListRoot says which project root list looked in, and why, unless --verbose already did or the
// lock was named (--lock, --global).
func noteListRoot(ios *streams.IO, cmd *cobra.Command, t install.TargetOptions) {
	if v, _ := cmd.Flags().GetBool("verbose"); v || t.Lock != "" || t.Global {
		return
	}
	if d, err := project.Discover("."); err == nil {
		ios.Note(rootLine(d))
	}
}

// completeInstalled completes the names of installed skills for the target the other flags choose.
func completeInstalled(target func() install.TargetOptions) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return install.InstalledNames(target()), cobra.ShellCompDirectiveNoFileComp
	}
}

func printList(w io.Writer, t install.Target, rows []install.Listed, asJSON bool) error {
	if asJSON {
		return writeJSON(w, rows)
	}
	if len(rows) == 0 {
		if t.HasLock() {
			fmt.Fprintf(w, "no skills installed in %s, and %s records none for it\n", esc(t.Dir), esc(t.Lock))
		} else {
			fmt.Fprintf(w, "no skills installed in %s, and no lock file at %s\n", esc(t.Dir), esc(t.Lock))
		}
		return nil
	}
	// Rows come folder by folder; with several folders, each is named above its own table.
	var dirs []string
	byDir := map[string][]install.Listed{}
	for _, r := range rows {
		if _, ok := byDir[r.Dir]; !ok {
			dirs = append(dirs, r.Dir)
		}
		byDir[r.Dir] = append(byDir[r.Dir], r)
	}
	for i, d := range dirs {
		if len(dirs) > 1 {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "in %s:\n", esc(d))
		}
		if err := printListTable(w, byDir[d]); err != nil {
			return err
		}
	}
	return nil
}

func printListTable(w io.Writer, rows []install.Listed) error {
	tw := newTable(w)
	tw.row("NAME", "STATE", "KIND", "REF", "COMMIT", "SOURCE")
	for _, r := range rows {
		kind := "dependency"
		if r.Requested {
			kind = "requested"
		}
		if r.State == install.StateUntracked {
			kind = "-"
		}
		src := r.Source
		if r.Reads != "" { // what will be read, not the text the lock says
			src = r.Reads
		}
		if r.Refused != "" {
			src += " (refused: not read from outside the project)"
		}
		src = dash(src)
		if r.StoredIn != "" {
			src = r.Mode + " to " + r.StoredIn
		}
		tw.row(r.Name, r.State, kind, dash(shortRef(r.Ref)), dash(short(r.Commit)), src)
		for _, p := range r.Placements {
			tw.row("  "+p.Mode, p.State, "in "+p.Dir, "", "", "")
		}
	}
	return tw.flush()
}

func printRemoved(w io.Writer, rep install.Removed) {
	verb := "removed"
	if rep.DryRun {
		verb = "would remove"
	}
	for _, n := range rep.Removed {
		fmt.Fprintf(w, "%s %s\n", verb, esc(n))
	}
	for _, k := range rep.Kept {
		fmt.Fprintf(w, "kept %s: %s (--force removes it)\n", esc(k.Name), k.Reason)
	}
	if len(rep.Removed) == 0 && len(rep.Kept) == 0 {
		fmt.Fprintln(w, "nothing to remove")
	}
}

func printVerify(w io.Writer, out []install.Verified, asJSON bool) error {
	bad := 0
	for _, v := range out {
		if !v.Clean() {
			bad++
		}
	}
	if asJSON {
		if err := writeJSON(w, out); err != nil {
			return err
		}
	} else {
		for _, v := range out {
			fmt.Fprintf(w, "%s: %s\n", esc(v.Name), v.State)
			for _, p := range v.Added {
				fmt.Fprintf(w, "  added:   %s\n", esc(p))
			}
			for _, p := range v.Removed {
				fmt.Fprintf(w, "  removed: %s\n", esc(p))
			}
			for _, p := range v.Changed {
				fmt.Fprintf(w, "  changed: %s\n", esc(p))
			}
			for _, p := range v.Problems {
				fmt.Fprintf(w, "  problem: %s\n", esc(p))
			}
		}
		fmt.Fprintf(w, "%d %s verified, %d with differences\n", len(out), plural(len(out), "skill", "skills"), bad)
	}
	if bad > 0 {
		return clierr.ErrFindings
	}
	return nil
}

// release is how an update line names what a skill is at: its release (v1.2.0) when it came from one,
// as go get and npm say versions, else its commit.
func release(version, commit string) string {
	if version != "" {
		return esc(version)
	}
	return dash(short(commit))
}

func printUpdates(w io.Writer, plan []install.Updated, pending int, dryRun bool) error {
	tw := newTable(w)
	verbs := map[string]string{"update": "updated", "add": "added", "restore": "restored", "unchanged": "unchanged", "stale": "no longer needed", "remove": "removed"}
	if dryRun {
		verbs = map[string]string{"update": "would update", "add": "would add", "restore": "would restore", "unchanged": "unchanged", "stale": "no longer needed", "remove": "would remove"}
	}
	for _, u := range plan {
		what := ""
		switch u.Action {
		case "update":
			what = fmt.Sprintf("%s -> %s", release(u.FromVersion, u.FromCommit), release(u.ToVersion, u.ToCommit))
			if u.FromCommit == u.ToCommit {
				what = "content changed"
			}
			if u.Edited {
				what += " (modified locally: updating needs --force, which discards the edits)"
			}
		case "add", "unchanged", "restore":
			what = release(u.ToVersion, u.ToCommit)
			if u.Edited {
				what += " (local edits kept)"
			}
		case "stale":
			what = "(remove it with --prune)"
			if u.Kept != "" {
				what = "(--prune keeps it: " + u.Kept + "; --prune --force removes it)"
			}
		}
		tw.row(verbs[u.Action], u.Name, what)
	}
	if err := tw.flush(); err != nil {
		return err
	}
	switch {
	case len(plan) == 0:
		fmt.Fprintln(w, "nothing installed to update")
	case pending == 0:
		fmt.Fprintln(w, "everything is up to date")
	}
	return nil
}
