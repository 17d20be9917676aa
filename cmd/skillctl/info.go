package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/report"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/risk"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

func newInfoCmd(ios *streams.IO) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info SOURCE|NAME",
		Short: "Show a skill's frontmatter, files, dependencies, origin and audit report without installing it",
		Long: `Info fetches one skill folder into memory (never to disk) and shows its frontmatter,
its files and sizes, the skills it depends on and suggests, and exactly where it would
come from (REPOSITORY@COMMIT:PATH). SOURCE takes every form install does; NAME,
NAME@REGISTRY and AUTHOR/NAME are looked up in the registries.

When the folder holds a marketplace skill-report.json, info shows its security audit
(risk level, summary, findings, whether it is blocked) and whether it describes these
exact files: its content_hash against SKILL.md and its tree_hash against the others.
The risk row is the verdict over that report and skillctl's own review, the one
install shows before writing, --deny-risky refuses (medium or high) and audit reports.
A stale report is shown, not refused; a blocked one makes install refuse the skill
unless --force.`,
		Example: `  skillctl info python-async-patterns
  skillctl info pdf-tools@team --json
  skillctl info https://github.com/OWNER/REPO/tree/main/skills/AUTHOR/NAME`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return registry.CompleteSkill(toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			defer ios.StopProgress()
			ios.StartProgress("fetching " + args[0])
			in, err := resolver.New(ios, limits.Default).For("skillctl info").Info(ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(ios.Stdout(), in)
			}
			printInfo(ios.Stdout(), in, ios.Color())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the skill's details as JSON")
	return cmd
}

func printInfo(w io.Writer, in *resolver.Info, color bool) {
	paint := func(code, s string) string {
		if !color || s == "" {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) { // v is escaped by the caller, so colour codes can wrap it
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("name", paint("1", esc(in.Name)))
	row("description", esc(in.Description))
	row("license", esc(in.License))
	row("compatibility", esc(in.Compatibility))
	row("allowed-tools", esc(in.AllowedTools))
	keys := make([]string, 0, len(in.Metadata))
	for k := range in.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		row("metadata."+esc(k), esc(in.Metadata[k]))
	}
	row("depends-on", esc(strings.Join(in.DependsOn, ", ")))
	row("related", esc(strings.Join(in.Related, ", ")))
	row("origin", esc(in.Origin))
	if in.Registry != "" {
		row("registry", esc(in.Registry))
	}
	if in.Ref != "" && in.Ref != in.Commit {
		row("ref", esc(in.Ref))
	}
	if in.Version != "" {
		row("version", esc(in.Version))
	}
	if len(in.Versions) > 0 {
		row("versions", esc(strings.Join(in.Versions, ", ")))
	}
	row("commit", in.Commit)
	row("hash", in.Hash)
	if in.Valid {
		row("valid", "yes")
	} else {
		row("valid", paint("31", "no"))
	}
	for _, p := range in.Problems {
		row("problem", esc(p))
	}
	row("files", fmt.Sprintf("%d, %d bytes", len(in.Files), in.Bytes))
	for _, f := range in.Files {
		note := ""
		switch f.Mode {
		case snapshot.Executable.String():
			note = "  executable"
		case snapshot.Symlink.String():
			note = "  symlink"
		}
		fmt.Fprintf(tw, "  %s\t%d%s\n", esc(f.Path), f.Size, note)
	}
	// The one risk verdict (risk.Judge): what install's review would say, and --deny-risky refuse.
	v := in.Verdict
	level := v.Level.String()
	switch v.Level {
	case risk.High:
		level = paint("31", level)
	case risk.Medium:
		level = paint("33", level)
	}
	if sum := v.Summary(); sum != "" {
		level += ": " + esc(sum)
	}
	if v.Risky() {
		level += " (install asks; --deny-risky refuses)"
	}
	row("risk", level)
	if r := in.Report; r != nil {
		risk := esc(r.Risk)
		if risk == "" {
			risk = "unknown"
		}
		switch risk {
		case "high", "critical":
			risk = paint("31", risk)
		case "medium":
			risk = paint("33", risk)
		case "low", "safe", "none":
			risk = paint("32", risk)
		}
		row("report", "risk "+risk+", "+reportVerdict(r, paint))
		row("  summary", esc(r.Summary))
		if r.Blocked {
			row("  blocked", paint("31", "yes: install refuses this skill unless --force"))
		}
		for _, f := range r.Findings {
			line := f.Title
			if f.Severity != "" {
				line = "[" + f.Severity + "] " + line
			}
			if f.Description != "" {
				line += ": " + f.Description
			}
			if f.File != "" {
				loc := f.File
				if f.Line > 0 {
					loc += fmt.Sprintf(":%d", f.Line)
				}
				line += " (" + loc + ")"
			}
			row("  finding", esc(line))
		}
	}
	// What skillctl's own review finds (the same as install shows before writing), computed here.
	var hosts []string
	for _, f := range in.Risks {
		if f.Kind == risk.KindExternalLink {
			hosts = append(hosts, f.Detail)
			continue
		}
		row("review", paint("33", esc(f.String())))
	}
	if len(hosts) > 0 {
		row("links to", esc(strings.Join(hosts, ", ")))
	}
	tw.Flush()
}

func reportVerdict(r *report.Report, paint func(code, s string) string) string {
	parts := []string{"SKILL.md " + string(r.Content), "other files " + string(r.Tree)}
	switch {
	case r.Current():
		return paint("32", "describes these files") + " (" + strings.Join(parts, ", ") + ")"
	case r.Content == report.Absent && r.Tree == report.Absent:
		return "records no hashes to check it against"
	}
	return paint("33", "stale: it describes other files") + " (" + strings.Join(parts, ", ") + ")"
}
