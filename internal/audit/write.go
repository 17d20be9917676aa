package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/risk"
	"github.com/skillctl/skillctl/internal/sarif"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// Formats lists the formats Write prints.
var Formats = []string{"text", "json", "sarif"}

// Write prints res in format. min is the --level, named in the summary; version is skillctl's, for SARIF.
func Write(w io.Writer, format string, res *Result, min Level, version string) error {
	switch format {
	case "", "text":
		return writeText(w, res, min)
	case "json":
		return writeJSON(w, res, min)
	case "sarif":
		return writeSARIF(w, res, version)
	}
	return fmt.Errorf("--format: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// summaryLine is "N skills audited: H high, M medium, L low; K at or above LEVEL".
func summaryLine(res *Result, min Level) string {
	c := res.Count()
	skills := fmt.Sprintf("%d skills", len(res.Skills))
	if len(res.Skills) == 1 {
		skills = "1 skill"
	}
	return fmt.Sprintf("%s audited: %d high, %d medium, %d low; %d at or above %s\n",
		skills, c[High], c[Medium], c[Low], res.AtLeast(min), min)
}

// writeText prints one line per skill (name, state, folder), its findings indented below as
// FILE[:LINE[:COL]]: level: message [source rule], then the summary line. Untrusted text is escaped.
func writeText(w io.Writer, res *Result, min Level) error {
	b := bufio.NewWriter(w)
	for _, s := range res.Skills {
		state := s.State
		if s.Report != nil {
			state += ", marketplace report"
			if s.Report.Risk != "" {
				state += " (risk " + textsafe.Escape(s.Report.Risk) + ")"
			}
		}
		fmt.Fprintf(b, "%s: %s: %s\n", textsafe.Escape(s.Name), state, textsafe.Escape(s.Folder))
		for _, f := range s.Findings {
			loc := textsafe.Escape(f.File)
			if f.Line > 0 {
				loc += fmt.Sprintf(":%d", f.Line)
				if f.Column > 0 {
					loc += fmt.Sprintf(":%d", f.Column)
				}
			}
			fmt.Fprintf(b, "  %s: %s: %s [%s %s]\n", loc, f.Level, textsafe.Escape(f.Message), f.Source, f.Rule)
		}
	}
	b.WriteString(summaryLine(res, min))
	return b.Flush()
}

type jsonSummary struct {
	Skills  int    `json:"skills"`
	High    int    `json:"high"`
	Medium  int    `json:"medium"`
	Low     int    `json:"low"`
	Level   string `json:"level"`
	Failing int    `json:"failing"` // findings at or above level
}

func writeJSON(w io.Writer, res *Result, min Level) error {
	c := res.Count()
	doc := struct {
		*Result
		Summary jsonSummary `json:"summary"`
	}{res, jsonSummary{len(res.Skills), c[High], c[Medium], c[Low], min.String(), res.AtLeast(min)}}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(textsafe.JSON(b.Bytes()))
	return err
}

// Rules describes every rule an audit can report, for SARIF's tool.driver.rules: the audit's own, every
// validation rule, every content-review kind.
func Rules() []sarif.Rule {
	own := []struct {
		id    string
		level Level
		short string
	}{
		{"lock-modified", High, "the installed files differ from the content hash skills.lock pins"},
		{"lock-missing", Medium, "a skill skills.lock records is not installed"},
		{"folder-unreadable", Medium, "the installed folder cannot be read (or exceeds the installer's limits)"},
		{"folder-refused", High, "the lock places the skill where skillctl does not read: through a symbolic link or outside the project"},
		{"skill-md-missing", Medium, "the installed folder has no SKILL.md"},
		{"marketplace-blocked", High, "the marketplace's report marks the skill blocked"},
		{"marketplace-risk", Medium, "the marketplace's report rates the skill's risk medium or higher"},
		{"marketplace-finding", Medium, "an issue the marketplace's security audit lists, at its severity"},
		{"marketplace-report-stale", Low, "the marketplace's report was made for other files"},
		{"marketplace-report-unreadable", Low, "the skill-report.json in the folder is not a JSON object"},
		{"findings-omitted", Low, "findings left out of the SARIF log to stay within code scanning's limits (skillctl audit --json lists them all)"},
	}
	var out []sarif.Rule
	for _, r := range own {
		out = append(out, sarif.Rule{ID: r.id, Short: r.short, Help: r.short + ". Reported by skillctl audit.", Level: sarifLevel(r.level)})
	}
	for _, r := range manifest.Rules {
		l := Low
		if r.Severity == manifest.Error {
			l = Medium
		}
		plain := strings.ReplaceAll(r.Summary, "`", "")
		out = append(out, sarif.Rule{ID: r.ID, Short: plain, Help: plain + ". A validation rule: skillctl validate --help.", Level: sarifLevel(l)})
	}
	for _, k := range []struct{ kind, short string }{
		{risk.KindPipeToShell, "a download piped into an interpreter: it runs whatever the server sends"},
		{risk.KindBidi, "bidirectional control characters: text shown in another order than it is read"},
		{risk.KindInvisible, "invisible or zero-width characters an agent reads and a reviewer cannot see"},
		{risk.KindExecutable, "a file that can run: executable bit, shebang or script extension"},
		{risk.KindHiddenComment, "an HTML comment in Markdown: read by the agent, hidden when rendered"},
		{risk.KindExternalLink, "the first link to each external host"},
	} {
		out = append(out, sarif.Rule{ID: k.kind, Short: k.short, Help: k.short + ". From skillctl's content review.", Level: sarifLevel(risk.KindLevel(k.kind))})
	}
	return out
}

func sarifLevel(l Level) sarif.Level {
	switch l {
	case High:
		return sarif.Error
	case Medium:
		return sarif.Warning
	}
	return sarif.Note
}

func writeSARIF(w io.Writer, res *Result, version string) error {
	if version == "" {
		version = "devel"
	}
	sw, err := sarif.NewWriter(w, sarif.Tool{Name: "skillctl", Version: version, InformationURI: "https://github.com/skillctl/skillctl"}, Rules())
	if err != nil {
		return err
	}
	for _, r := range sarifResults(res) {
		if err := sw.Add(r); err != nil {
			return err
		}
	}
	return sw.Close()
}

// perRule is how many findings of one rule in one skill a SARIF log lists; the rest are counted in one
// more result of that rule.
const perRule = 100

// sarifResults is what a SARIF log carries. Code scanning rejects a whole run past sarif.MaxResults
// results, so one skill with thousands of findings (a file per finding, under the file cap) would hide
// every other skill's: each skill lists at most perRule findings of a rule and counts the rest in one
// result, and a run still too long keeps the most severe and says in one last result how many it left out.
// The text and JSON reports list everything.
func sarifResults(res *Result) []sarif.Result {
	var out []sarif.Result
	for _, s := range res.Skills {
		shown := map[string]int{}
		type rest struct {
			n     int
			level Level
		}
		more := map[string]*rest{}
		var order []string
		for _, f := range s.Findings {
			if shown[f.Rule] < perRule {
				shown[f.Rule]++
				out = append(out, sarif.Result{RuleID: f.Rule, Level: sarifLevel(f.Level), Message: fmt.Sprintf("%s: %s", s.Name, f.Message), File: f.File, Line: f.Line, Column: f.Column})
				continue
			}
			m := more[f.Rule]
			if m == nil {
				m = &rest{level: f.Level}
				more[f.Rule] = m
				order = append(order, f.Rule)
			}
			m.n++
			m.level = max(m.level, f.Level)
		}
		for _, rule := range order {
			m := more[rule]
			out = append(out, sarif.Result{RuleID: rule, Level: sarifLevel(m.level), File: s.Folder,
				Message: fmt.Sprintf("%s: and %d more findings of this rule, not listed here; skillctl audit --json lists them all", s.Name, m.n)})
		}
	}
	if len(out) <= sarif.MaxResults {
		return out
	}
	rank := map[sarif.Level]int{sarif.Error: 0, sarif.Warning: 1, sarif.Note: 2}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Level] < rank[out[j].Level] })
	left := out[sarif.MaxResults-1:]
	worst := left[0].Level
	out = append(out[:sarif.MaxResults-1:sarif.MaxResults-1], sarif.Result{RuleID: "findings-omitted", Level: worst,
		Message: fmt.Sprintf("%d findings not listed, the least severe, to stay within code scanning's %d results per run; skillctl audit --json lists them all", len(left), sarif.MaxResults)})
	return out
}
