package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/skillctl/skillctl/internal/audit"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/install"
	"github.com/skillctl/skillctl/internal/risk"
	"github.com/spf13/cobra"
)

type auditOptions struct {
	Target        install.TargetOptions // --global and --lock: the same lock every command reads
	Format, Level string
	JSON          bool // --format json
}

func newAuditCmd() *cobra.Command {
	var opts auditOptions
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Audit every skill in skills.lock: drift, validity, content review, marketplace report",
		Long: `Audit checks every skill skills.lock records, like npm audit:

  lock         the installed files against the lock's content hash (modified, missing)
  validate     SKILL.md against the spec and marketplace rules (errors medium, warnings low)
  review       the content review, with file and line: pipe-to-shell lines, bidirectional
               and invisible characters (high), files that can run and hidden HTML
               comments (medium), external links (low)
  marketplace  the marketplace's own report, where the skill carries one: the
               skill-report.json a marketplace ships inside the skill folder, installed
               with it (blocked, its risk rating, each issue at its severity, and whether
               it was made for these files). skillctl fetches no report from a registry:
               none it knows publishes one outside the folder.

The lock is the one every command reads: skills.lock at the project root (found from
the current folder), --global for your own, or --lock. Installed folders are read
without size caps, as verify reads them: they were checked when installed.

Nothing is fetched, written or run. Exit status 1 when a finding is at or above
--level (default high), 0 otherwise, 2 on a usage error.`,
		Example: `  skillctl audit                          # fails on high findings
  skillctl audit --level medium           # fails on medium ones too
  skillctl audit --json | jq '.skills[] | select(.state != "ok")'
  skillctl audit --format sarif > audit.sarif   # for code scanning upload
  skillctl audit --global                 # the skills installed with --global`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAudit(cmd, opts)
		},
	}
	addLockFlags(cmd, &opts.Target)
	f := cmd.Flags()
	f.StringVar(&opts.Format, "format", "text", "output format: "+strings.Join(audit.Formats, ", "))
	f.BoolVar(&opts.JSON, "json", false, "print the audit as JSON (the same as --format json)")
	f.StringVar(&opts.Level, "level", "high", "exit 1 when a finding is at or above this level: "+strings.Join(risk.Levels, ", "))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(audit.Formats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("level", cobra.FixedCompletions(risk.Levels, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runAudit(cmd *cobra.Command, opts auditOptions) error {
	if opts.JSON {
		if cmd.Flags().Changed("format") && opts.Format != "json" {
			return clierr.WithHint(clierr.Usage(fmt.Errorf("--json: it is --format json, not --format %s", opts.Format)), "pass one of them")
		}
		opts.Format = "json"
	}
	if !slices.Contains(audit.Formats, opts.Format) {
		return clierr.WithHint(clierr.Usage(fmt.Errorf("--format: unknown format %q", opts.Format)), "use --format "+strings.Join(audit.Formats, ", "))
	}
	min, err := risk.ParseLevel(opts.Level)
	if err != nil {
		return clierr.WithHint(clierr.Usage(fmt.Errorf("--level: %w", err)), "use --level "+strings.Join(risk.Levels, ", "))
	}
	t, err := install.ResolveTarget(opts.Target)
	if err != nil {
		return clierr.Usage(err)
	}
	if err := t.NeedLock("nothing to audit"); err != nil {
		return err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	res, err := audit.Run(t.Lock, t.Base, cwd)
	if err != nil {
		return err
	}
	if err := audit.Write(cmd.OutOrStdout(), opts.Format, res, min, versionString()); err != nil {
		return err
	}
	if res.AtLeast(min) > 0 {
		return clierr.ErrFindings
	}
	return nil
}
