package validate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// writers print a report. Each writes every diagnostic in Result order, which is sorted by folder, so two
// runs over the same files print the same bytes.
var writers = map[string]func(io.Writer, []Result, Summary) error{
	"":       writeText,
	"text":   writeText,
	"json":   writeJSON,
	"github": writeGitHub,
}

// writeText prints FILE:LINE:COL: severity: message [rule-id] lines, then a summary line.
func writeText(w io.Writer, results []Result, sum Summary) error {
	var b strings.Builder
	for _, r := range results {
		for _, d := range r.Diagnostics {
			b.WriteString(d.String())
			b.WriteByte('\n')
		}
	}
	b.WriteString(summaryLine(sum))
	_, err := io.WriteString(w, b.String())
	return err
}

func summaryLine(s Summary) string {
	return fmt.Sprintf("%s checked: %d invalid, %s, %s\n",
		plural(s.Skills, "skill"), s.Invalid, plural(s.Errors, "error"), plural(s.Warnings, "warning"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
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
	Skills   int `json:"skills"`
	Invalid  int `json:"invalid"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
}

// writeJSON prints one document: {"skills":[...],"summary":{...}}. Lists are never null, so a script
// can iterate without checks.
func writeJSON(w io.Writer, results []Result, sum Summary) error {
	doc := struct {
		Skills  []jsonSkill `json:"skills"`
		Summary jsonSummary `json:"summary"`
	}{Skills: []jsonSkill{}, Summary: jsonSummary(sum)}
	for _, r := range results {
		s := jsonSkill{Dir: r.Dir, Valid: r.Valid(), Diagnostics: []jsonDiag{}}
		if r.Skill != nil {
			s.Name = r.Skill.Name
		}
		for _, d := range r.Diagnostics {
			s.Diagnostics = append(s.Diagnostics, jsonDiag{d.File, d.Line, d.Column, d.Severity.String(), d.Rule, d.Message})
		}
		doc.Skills = append(doc.Skills, s)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// writeGitHub prints workflow commands GitHub Actions turns into annotations on the pull request, then
// the summary line as plain log text.
func writeGitHub(w io.Writer, results []Result, sum Summary) error {
	var b strings.Builder
	for _, r := range results {
		for _, d := range r.Diagnostics {
			kind := "warning"
			if d.Severity == manifest.Error {
				kind = "error"
			}
			fmt.Fprintf(&b, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", kind,
				escapeProperty(textsafe.Escape(d.File)), d.Line, d.Column, escapeProperty(d.Rule), escapeData(textsafe.Escape(d.Message)))
		}
	}
	b.WriteString(summaryLine(sum))
	_, err := io.WriteString(w, b.String())
	return err
}

// GitHub's workflow-command escaping: message data escapes %, CR and LF; property values also escape
// the ':' and ',' that would end them.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }
