package validate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/sarif"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// Formats lists the report formats Run writes.
var Formats = []string{"text", "json", "github", "sarif"}

// A reporter writes one report as results arrive, in Result order (sorted by folder), so two runs over
// the same files print the same bytes and nothing but the current skill is held for printing.
type reporter interface {
	skill(r *Result) error
	end(sum Summary) error
}

func newReporter(format string, w io.Writer, opts Options) (reporter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case "", "text":
		return &textReporter{w: bw, lock: opts.Lock}, nil
	case "github":
		return &githubReporter{w: bw, lock: opts.Lock}, nil
	case "json":
		return &jsonReporter{w: bw}, nil
	case "sarif":
		return newSARIFReporter(w, opts)
	}
	return nil, fmt.Errorf("--format: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// textReporter prints FILE:LINE:COL: severity: message [rule-id] lines, then a summary line.
type textReporter struct {
	w    *bufio.Writer
	lock string
}

func (t *textReporter) skill(r *Result) error {
	for _, d := range r.Diagnostics {
		t.w.WriteString(d.String())
		t.w.WriteByte('\n')
	}
	return nil
}

func (t *textReporter) end(sum Summary) error {
	t.w.WriteString(skippedLine(sum, t.lock) + summaryLine(sum))
	return t.w.Flush()
}

// skippedLine says, before the summary, how many installed skills the run left out and where they are
// recorded; "" when none were.
func skippedLine(s Summary, lock string) string {
	if s.Skipped == 0 {
		return ""
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, lock); err == nil {
			lock = rel // the project's lock is at its root, above the current folder or in it
		}
	}
	return fmt.Sprintf("skipped %s recorded in %s; name them to check\n", plural(s.Skipped, "installed skill"), textsafe.Escape(lock))
}

// summaryLine is the run's last line: the counts, then the findings by rule, most frequent first, so a
// run of thousands of warnings still says at a glance what they are.
func summaryLine(s Summary) string {
	line := fmt.Sprintf("%s checked: %s invalid, %s, %s",
		plural(s.Skills, "skill"), thousands(s.Invalid), plural(s.Errors, "error"), plural(s.Warnings, "warning"))
	if by := byRule(s.Rules); len(by) > 0 {
		parts := make([]string, len(by))
		for i, r := range by {
			parts[i] = r.Rule + " " + thousands(r.Count)
		}
		line += ": " + strings.Join(parts, ", ")
	}
	return line + "\n"
}

// ruleCount is how many findings one rule made.
type ruleCount struct {
	Rule  string
	Count int
}

// byRule orders the counts by count, then by rule.
func byRule(m map[string]int) []ruleCount {
	out := make([]ruleCount, 0, len(m))
	for r, n := range m {
		out = append(out, ruleCount{r, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(n) + " " + word + "s"
}

// thousands writes n with a comma between groups of three digits: 8,927.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

type jsonDiag struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Message  string `json:"message"`
}

type jsonSkill struct {
	Dir         string     `json:"dir"`
	Name        string     `json:"name"`
	Valid       bool       `json:"valid"`
	Diagnostics []jsonDiag `json:"diagnostics"`
}

type jsonSummary struct {
	Skills   int            `json:"skills"`
	Invalid  int            `json:"invalid"`
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
	Rules    map[string]int `json:"rules"`   // findings by rule; {} when none, never null
	Skipped  int            `json:"skipped"` // installed skills left out (the project's lock records them)
}

// jsonReporter prints one document, {"skills":[...],"summary":{...}}, indented by two spaces, one skill
// at a time. Lists are never null, so a script can iterate without checks.
type jsonReporter struct {
	w *bufio.Writer
	n int
}

func indentJSON(v any, prefix string) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(textsafe.JSON([]byte(b.String()))), "\n"), nil
}

func (j *jsonReporter) skill(r *Result) error {
	s := jsonSkill{Dir: r.Dir, Name: r.Name, Valid: r.Valid(), Diagnostics: make([]jsonDiag, 0, len(r.Diagnostics))}
	for _, d := range r.Diagnostics {
		s.Diagnostics = append(s.Diagnostics, jsonDiag{d.File, d.Line, d.Column, d.Severity.String(), d.Rule, d.Message})
	}
	out, err := indentJSON(s, "    ")
	if err != nil {
		return err
	}
	if j.n == 0 {
		j.w.WriteString("{\n  \"skills\": [\n    ")
	} else {
		j.w.WriteString(",\n    ")
	}
	j.n++
	j.w.WriteString(out)
	return nil
}

func (j *jsonReporter) end(sum Summary) error {
	if j.n == 0 {
		j.w.WriteString("{\n  \"skills\": [],\n")
	} else {
		j.w.WriteString("\n  ],\n")
	}
	rules := sum.Rules
	if rules == nil {
		rules = map[string]int{}
	}
	out, err := indentJSON(jsonSummary{sum.Skills, sum.Invalid, sum.Errors, sum.Warnings, rules, sum.Skipped}, "  ")
	if err != nil {
		return err
	}
	j.w.WriteString("  \"summary\": " + out + "\n}\n")
	return j.w.Flush()
}

// githubReporter prints workflow commands GitHub Actions turns into annotations on the pull request,
// then the summary line as plain log text.
type githubReporter struct {
	w    *bufio.Writer
	lock string
}

func (g *githubReporter) skill(r *Result) error {
	for _, d := range r.Diagnostics {
		kind := "warning"
		if d.Severity == manifest.Error {
			kind = "error"
		}
		fmt.Fprintf(g.w, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", kind,
			textsafe.WorkflowProperty(d.File), d.Line, d.Column, textsafe.WorkflowProperty(d.Rule), textsafe.WorkflowData(d.Message))
	}
	return nil
}

func (g *githubReporter) end(sum Summary) error {
	g.w.WriteString(skippedLine(sum, g.lock) + summaryLine(sum))
	return g.w.Flush()
}

// sarifReporter writes a SARIF 2.1.0 log for code scanning: every rule of manifest.Rules in tool.driver
// (default level from the rule's severity, error for all with --strict), one result per diagnostic.
type sarifReporter struct{ w *sarif.Writer }

func newSARIFReporter(w io.Writer, opts Options) (*sarifReporter, error) {
	sw, err := sarif.NewWriter(w, Tool(opts.Version), SARIFRules(opts.Strict))
	if err != nil {
		return nil, err
	}
	return &sarifReporter{w: sw}, nil
}

// Tool is skillctl as a SARIF tool.driver.
func Tool(version string) sarif.Tool {
	if version == "" {
		version = "devel"
	}
	return sarif.Tool{Name: "skillctl", Version: version, InformationURI: "https://github.com/skillctl/skillctl"}
}

// SARIFRules describes manifest.Rules for SARIF's tool.driver.rules.
func SARIFRules(strict bool) []sarif.Rule {
	out := make([]sarif.Rule, 0, len(manifest.Rules))
	for _, r := range manifest.Rules {
		sev := r.Severity
		if strict {
			sev = manifest.Error
		}
		plain := strings.ReplaceAll(r.Summary, "`", "")
		out = append(out, sarif.Rule{
			ID:           r.ID,
			Short:        plain,
			Help:         fmt.Sprintf("%s. Each finding's message says how to fix it; see 'skillctl validate --help' and the README's rule table (%s).", plain, r.ID),
			HelpMarkdown: fmt.Sprintf("%s. Each finding's message says how to fix it; see `skillctl validate --help` and the README's rule table (`%s`).", r.Summary, r.ID),
			Level:        Level(sev),
		})
	}
	return out
}

// Level maps a severity to SARIF's.
func Level(s manifest.Severity) sarif.Level {
	if s == manifest.Error {
		return sarif.Error
	}
	return sarif.Warning
}

func (s *sarifReporter) skill(r *Result) error {
	for _, d := range r.Diagnostics {
		if err := s.w.Add(sarif.Result{RuleID: d.Rule, Level: Level(d.Severity), Message: d.Message,
			File: d.File, Line: d.Line, Column: d.Column}); err != nil {
			return err
		}
	}
	return nil
}

func (s *sarifReporter) end(Summary) error { return s.w.Close() }
