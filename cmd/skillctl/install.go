package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/skillctl/skillctl/internal/install"
	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

// addTargetFlags binds the flags every command that touches installed skills shares.
func addTargetFlags(cmd *cobra.Command, t *install.TargetOptions) {
	f := cmd.Flags()
	dir, agent := "install into this folder (one subfolder per skill)", "install where these agents look: names, comma-separated or repeated, or 'detected' (default claude; skillctl agents lists them)"
	if cmd.Name() != "install" {
		dir, agent = "the folder the skills were installed into (one subfolder per skill)", "the skills installed where these agents look: the same list as at install (default claude; skillctl agents lists them)"
	}
	f.StringVar(&t.Dir, "dir", "", dir)
	f.StringSliceVar(&t.Agents, "agent", nil, agent)
	if cmd.Name() == "install" {
		f.BoolVar(&t.Copy, "copy", false, "put real copies in the other agents' folders instead of links")
	}
	addLockFlags(cmd, t)
	_ = cmd.RegisterFlagCompletionFunc("agent", cobra.FixedCompletions(append(install.AgentNames(), "detected"), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagDirname("dir")
}

// addLockFlags binds the flags that choose the lock (and so the project or the user's global skills):
// every command that reads installed skills has them, audit included (see install.ResolveTarget).
func addLockFlags(cmd *cobra.Command, t *install.TargetOptions) {
	f := cmd.Flags()
	f.BoolVarP(&t.Global, "global", "g", false, "the agents' user-level folders, recorded in your own lock in the config folder, instead of the project's")
	f.StringVar(&t.Lock, "lock", "", "lock file (default: skills.lock at the project root, found from the current folder)")
}

func addLimitFlags(cmd *cobra.Command, l *limits.Limits) {
	f := cmd.Flags()
	f.Int64Var(&l.MaxFileSize, "max-file-size", limits.DefaultMaxFileSize, "refuse a skill with a file larger than this many bytes")
	f.Int64Var(&l.MaxTotalSize, "max-total-size", limits.DefaultMaxTotalSize, "refuse a skill larger than this many bytes in all")
	f.IntVar(&l.MaxFiles, "max-files", limits.DefaultMaxFiles, "refuse a skill with more files than this")
}

// signalContext is cancelled by Ctrl-C or SIGTERM, so an install stops between steps and undoes itself;
// see stoppable for what ends a command that does not stop.
func signalContext() (context.Context, context.CancelFunc) {
	return stoppable()
}

func newInstallCmd(ios *streams.IO) *cobra.Command {
	var opts install.Options
	cmd := &cobra.Command{
		Use:     "install [SOURCE...]",
		Aliases: []string{"add"},
		Short:   "Install skills and their dependencies, pinned in skills.lock",
		Long: `Install fetches each SOURCE's skill folder and every skill it depends on, checks them,
and writes them into the target folder all at once, recording each in skills.lock by
commit and content hash.

A SOURCE is one of:
` + source.FormsText("  ") + `

` + source.ReadingRule + `

Only the folders needed are fetched, never the whole repository. A skill is refused
when its SKILL.md is invalid (unless --force), when it holds a symlink that leaves
the skill, or when it exceeds the size limits. With no SOURCE, install restores
exactly what skills.lock records.

Before writing, install lists what deserves a look in skills from outside the
binary: executables and scripts, hidden HTML comments and invisible or
bidirectional Unicode in Markdown, curl|sh lines, the hosts linked to, and what a
marketplace's skill-report.json in the folder rates; info and audit judge the same
way. When the verdict is medium or high it asks on a terminal; otherwise (or with
--yes) it proceeds after printing the summary; --deny-risky refuses.

With several --agent values (a comma-separated list, or the flag repeated; 'detected'
for every agent installed here), each skill is stored once: in .agents/skills when one
of the agents reads it, else in the first agent's folder, and linked into every other
agent's folder that does not already show it (--copy makes copies instead; where links
need a privilege, a junction or a copy is made and said on stderr).`,
		Example: `  skillctl install python-async-patterns
  skillctl install https://github.com/OWNER/REPO/tree/main/skills/AUTHOR/python-async-patterns
  skillctl install OWNER/REPO/skills/pdf@v1.2.0 --agent codex
  skillctl install python-async-patterns --agent claude,codex --agent windsurf   # stored once, linked for the others
  skillctl install python-async-patterns --agent detected --global --copy
  skillctl install plugin-dev@official --all   # every skill of a marketplace plugin
  skillctl install https://skills.example.com/ --skill pdf   # from a site's well-known index
  skillctl install ./my-skill --dir /tmp/demo --dry-run
  skillctl install            # reproduce skills.lock (like npm ci)
  skillctl install --frozen   # fail if the lock would change (CI)`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: completeSource,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			opts.Sources, opts.IO = args, ios
			defer ios.StopProgress()
			reps, err := install.Run(ctx, opts)
			if err != nil {
				return err
			}
			return printInstall(ios.Stdout(), reps, opts.JSON, opts.DryRun)
		},
	}
	addTargetFlags(cmd, &opts.Target)
	addLimitFlags(cmd, &opts.Limits)
	f := cmd.Flags()
	f.BoolVar(&opts.DryRun, "dry-run", false, "print the plan (skills, sources, commits, files, bytes) and write nothing")
	f.BoolVar(&opts.Frozen, "frozen", false, "fail instead of changing skills.lock (for CI)")
	f.BoolVar(&opts.Force, "force", false, "install invalid skills, and replace skills installed from elsewhere or edited locally")
	f.BoolVar(&opts.WithRelated, "with-related", false, "also install the requested skills' related-skills")
	f.BoolVar(&opts.All, "all", false, "a marketplace plugin named as a SOURCE installs every skill it holds (each recorded as PLUGIN/SKILL); a site, every skill its index lists")
	f.StringSliceVar(&opts.Skills, "skill", nil, "the skills to take from a site's index (https://HOST/): names, comma-separated or repeated")
	f.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	f.BoolVarP(&opts.Review.Yes, "yes", "y", false, "install without asking when a skill carries scripts or hidden text (the summary is still printed)")
	f.BoolVar(&opts.Review.DenyRisky, "deny-risky", false, "refuse skills whose risk is medium or high: scripts, hidden text, pipe-to-shell lines, a marketplace's rating")
	return cmd
}

// printInstall prints what install did, target by target; with --json, one document for all targets.
func printInstall(w io.Writer, reps []install.Report, asJSON, dryRun bool) error {
	if asJSON {
		all := install.Report{Installed: []install.Installed{}, Suggested: []string{}, DryRun: dryRun}
		for _, r := range reps {
			all.Installed = append(all.Installed, r.Installed...)
			all.Suggested = append(all.Suggested, r.Suggested...)
		}
		return writeJSON(w, all)
	}
	for _, rep := range reps {
		printInstallReport(w, rep)
	}
	return nil
}

func printInstallReport(w io.Writer, rep install.Report) {
	t := rep.Target
	verb := map[string]string{"install": "installed", "replace": "replaced", "unchanged": "unchanged"}
	if rep.DryRun {
		verb = map[string]string{"install": "would install", "replace": "would replace", "unchanged": "unchanged"}
		fmt.Fprintf(w, "plan for %s (nothing written):\n", esc(t.Dir))
	}
	tw := newTable(w)
	for _, in := range rep.Installed {
		why := "requested"
		if !in.Requested {
			why = "dependency"
		}
		from := in.Repo
		if from == "" {
			from = in.Path
		}
		if in.URL != "" {
			from = in.URL
		}
		if in.Commit != "" {
			from += "@" + short(in.Commit)
		}
		if in.Repo != "" && in.Path != "" {
			from += ":" + in.Path
		}
		if in.Registry == registry.BuiltinName {
			from = registry.BuiltinName
		}
		tw.row(verb[in.Action], in.Name, why, from, fmt.Sprintf("%d %s, %s", in.Files, plural(in.Files, "file", "files"), human(in.Bytes)))
	}
	tw.flush()
	if len(rep.Installed) > 0 && !rep.DryRun {
		fmt.Fprintf(w, "into %s, pinned in %s\n", esc(t.Dir), esc(t.Lock))
		if p := install.PlacedIn(rep.Installed); p != "" {
			fmt.Fprintf(w, "placed for the other agents in %s\n", esc(p))
		}
	}
	if len(rep.Suggested) > 0 {
		fmt.Fprintf(w, "related skills you may want: %s\n", esc(strings.Join(rep.Suggested, ", ")))
		fmt.Fprintf(w, "  (install them with --with-related, or by name)\n")
	}
}
