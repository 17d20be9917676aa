// Package review shows what deserves a person's look in skills about to be written (executables, hidden
// text, pipe-to-shell lines, the hosts linked to, what the marketplace's report says: risk.Judge's verdict) and asks, refuses or proceeds as the user chose. It is
// the pipeline's review step: it makes no network call, runs nothing, and is called with no file lock held,
// so a question may wait for its answer without blocking another skillctl run.
package review

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/report"
	"github.com/skillctl/skillctl/internal/risk"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/streams"
)

// Options decide what happens when a skill about to land carries something risky.
type Options struct {
	Yes       bool // proceed without asking (the summary is still printed)
	DenyRisky bool // refuse instead
}

// maxShown bounds the findings printed per skill; the rest are counted.
const maxShown = 12

// Item is one skill about to be written.
type Item struct {
	Name    string
	Folder  *snapshot.Folder
	Trusted bool    // bundled with skillctl: shipped with the binary, not reviewed
	Report  *Report // the folder's report.Check, when the caller has it already; nil: Run reads it
}

// Report is what report.Check gave for a folder: its marketplace security report (nil when it has
// none) or the error reading it.
type Report struct {
	Report *report.Report
	Err    error
}

// Judged is one skill's review: what the content scan found, and the risk verdict over those findings
// and the marketplace's report (risk.Judge, the verdict info and audit show too).
type Judged struct {
	Findings []risk.Finding
	Verdict  risk.Verdict
}

// Run judges every skill about to be written (the bundled ones ship with the binary and are trusted),
// notes what a person should look at, and, when a verdict is risky, asks (when the streams are a
// terminal), refuses (--deny-risky) or proceeds as the options say. It returns the judgements by skill
// name.
func Run(ctx context.Context, io *streams.IO, ro Options, items []Item) (map[string]Judged, error) {
	found := map[string]Judged{}
	risky := 0
	for _, it := range items {
		if it.Trusted {
			continue
		}
		fs := risk.Scan(it.Folder)
		if it.Report == nil {
			rep, err := report.Check(it.Folder)
			it.Report = &Report{Report: rep, Err: err}
		}
		v := risk.Judge(fs, it.Report.Report, it.Report.Err)
		if len(v.Reasons) == 0 {
			continue
		}
		found[it.Name] = Judged{Findings: fs, Verdict: v}
		risky += v.Count(risk.Medium)
	}
	if len(found) == 0 {
		return found, nil
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []string
	for _, name := range keys {
		v := found[name].Verdict
		lines = append(lines, fmt.Sprintf("  %s: risk %s: %s", name, v.Level, v.Summary()))
		shown := 0
		for _, r := range v.Reasons {
			if r.Rule == risk.KindExternalLink {
				continue
			}
			if shown == maxShown {
				lines = append(lines, "    ... and more")
				break
			}
			lines = append(lines, "    "+reasonLine(r))
			shown++
		}
	}
	io.Note("review what is about to be installed:")
	io.Detail(lines...)
	if risky == 0 {
		return found, nil
	}
	switch {
	case ro.DenyRisky:
		return nil, clierr.WithHint(fmt.Errorf("%s: refused by --deny-risky: %d findings above", strings.Join(riskyNames(found, keys), ", "), risky), "read the files listed, then run again without --deny-risky if you trust them")
	case ro.Yes || !io.Interactive():
		return found, nil
	}
	yes, err := io.Confirm(ctx, "install anyway?")
	switch {
	case err != nil:
		return nil, fmt.Errorf("install: %w", err)
	case yes:
		return found, nil
	}
	return nil, clierr.WithHint(fmt.Errorf("install: cancelled"), "pass --yes to install without being asked")
}

// riskyNames are the skills --deny-risky refuses, not those with only links or notes.
func riskyNames(found map[string]Judged, keys []string) []string {
	var out []string
	for _, k := range keys {
		if found[k].Verdict.Risky() {
			out = append(out, k)
		}
	}
	return out
}

// reasonLine is one reason as FILE[:LINE]: RULE: MESSAGE (streams escapes the line when printing it).
func reasonLine(r risk.Reason) string {
	loc := r.Path
	if r.Line > 0 {
		loc += fmt.Sprintf(":%d", r.Line)
	}
	return fmt.Sprintf("%s: %s: %s", loc, r.Rule, r.Message)
}
