package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/skillctl/skillctl/internal/audit"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/spf13/cobra"
)

type auditOptions struct {
	Lock, Format, Level string
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

Nothing is fetched, written or run. Exit status 1 when a finding is at or above
--level (default high), 0 otherwise, 2 on a usage error.`,
		Example: `  skillctl audit                          # fails on high findings
  skillctl audit --level medium           # fails on medium ones too
  skillctl audit --format json | jq '.skills[] | select(.state != "ok")'
  skillctl audit --format sarif > audit.sarif   # for code scanning upload`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAudit(cmd, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Lock, "lock", "skills.lock", "the lock file whose skills are audited")
	f.StringVar(&opts.Format, "format", "text", "output format: "+strings.Join(audit.Formats, ", "))
	f.StringVar(&opts.Level, "level", "high", "exit 1 when a finding is at or above this level: "+strings.Join(audit.Levels, ", "))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(audit.Formats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("level", cobra.FixedCompletions(audit.Levels, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runAudit(cmd *cobra.Command, opts auditOptions) error {
	if !slices.Contains(audit.Formats, opts.Format) {
		return clierr.WithHint(clierr.Usage(fmt.Errorf("--format: unknown format %q", opts.Format)), "use --format "+strings.Join(audit.Formats, ", "))
	}
	min, err := audit.ParseLevel(opts.Level)
	if err != nil {
		return clierr.WithHint(clierr.Usage(fmt.Errorf("--level: %w", err)), "use --level "+strings.Join(audit.Levels, ", "))
	}
	res, err := audit.Run(opts.Lock)
	if err != nil {
		return clierr.WithHint(err, "run skillctl audit where skills.lock is, or name it with --lock")
	}
	if err := audit.Write(cmd.OutOrStdout(), opts.Format, res, min, versionString()); err != nil {
		return err
	}
	if res.AtLeast(min) > 0 {
		return clierr.ErrFindings
	}
	return nil
}
