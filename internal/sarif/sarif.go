// Package sarif writes SARIF 2.1.0 logs, the format code-scanning services (GitHub code scanning, Azure
// DevOps, IDE viewers) read. A Writer streams: the tool and its rules go out first, then each result as it
// is added, so a report over thousands of skills is never held in memory. It writes one run.
package sarif

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/skillctl/skillctl/internal/textsafe"
)

// Version and SchemaURI identify the format written.
const (
	Version   = "2.1.0"
	SchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
)

// MaxResults is the most results one run may hold: GitHub code scanning rejects a whole log past it.
// Add refuses more, so a caller chooses what to leave out.
const MaxResults = 25_000

// Level is a result's or a rule's severity in SARIF's terms.
type Level string

const (
	Error   Level = "error"
	Warning Level = "warning"
	Note    Level = "note"
)

// Tool names the program that produced the log.
type Tool struct {
	Name, Version, InformationURI string
}

// Rule describes one check; Help is its documentation (plain text; Markdown may repeat it with formatting).
type Rule struct {
	ID, Short, Help, HelpMarkdown string
	Level                         Level // default level
}

// Result is one finding. File is a slash or OS path as the tool displays it: a relative path becomes a
// relative URI (what code scanning resolves against the repository root), an absolute one a file: URI.
// Line and Column are 1-based; Column counts Unicode code points (the run says so in columnKind).
type Result struct {
	RuleID  string
	Level   Level
	Message string
	File    string
	Line    int
	Column  int
}

// Writer streams one SARIF log. Call Add for each result, then Close; Close writes the end of the document
// and must be called even when there are no results.
type Writer struct {
	w     *bufio.Writer
	index map[string]int
	n     int
	err   error
}

// NewWriter writes the log's head (tool, rules) to w. Rule IDs must be unique: a result names its rule by
// ID and by index into this list.
func NewWriter(w io.Writer, t Tool, rules []Rule) (*Writer, error) {
	sw := &Writer{w: bufio.NewWriterSize(w, 64<<10), index: make(map[string]int, len(rules))}
	descs := make([]reportingDescriptor, 0, len(rules))
	for i, r := range rules {
		if _, dup := sw.index[r.ID]; dup {
			return nil, errors.New("sarif: rule " + r.ID + " listed twice")
		}
		sw.index[r.ID] = i
		d := reportingDescriptor{
			ID:                   r.ID,
			ShortDescription:     &text{Text: r.Short},
			DefaultConfiguration: &configuration{Level: r.Level},
		}
		if r.Help != "" {
			d.Help = &text{Text: r.Help, Markdown: r.HelpMarkdown}
		}
		descs = append(descs, d)
	}
	driver := toolComponent{Name: t.Name, Version: t.Version, InformationURI: t.InformationURI, Rules: descs}
	head, err := marshal(runHead{Tool: tool{Driver: driver}, ColumnKind: "unicodeCodePoints"})
	if err != nil {
		return nil, err
	}
	// The run object is left open after its head so the results can follow one by one.
	sw.write(`{"$schema":"` + SchemaURI + `","version":"` + Version + `","runs":[`)
	sw.write(strings.TrimSuffix(head, "}"))
	sw.write(`,"results":[`)
	return sw, sw.err
}

// marshal is json.Marshal without HTML escaping, so messages quoting <tags> stay readable.
func marshal(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(textsafe.JSON([]byte(b.String()))), "\n"), nil
}

func (sw *Writer) write(s string) {
	if sw.err == nil {
		_, sw.err = sw.w.WriteString(s)
	}
}

// Add writes one result. A rule ID not given to NewWriter is an error: code scanning drops such results.
func (sw *Writer) Add(r Result) error {
	if sw.err != nil {
		return sw.err
	}
	idx, ok := sw.index[r.RuleID]
	if !ok {
		return errors.New("sarif: result names unknown rule " + r.RuleID)
	}
	if sw.n >= MaxResults {
		return fmt.Errorf("sarif: more than %d results in a run: code scanning would reject the log", MaxResults)
	}
	res := result{
		RuleID:    r.RuleID,
		RuleIndex: idx,
		Level:     r.Level,
		Message:   text{Text: r.Message},
	}
	if r.File != "" {
		loc := location{PhysicalLocation: physicalLocation{ArtifactLocation: artifactLocation{URI: URI(r.File)}}}
		if r.Line >= 1 {
			loc.PhysicalLocation.Region = &region{StartLine: r.Line, StartColumn: max(r.Column, 1)}
		}
		res.Locations = []location{loc}
	}
	b, err := marshal(res)
	if err != nil {
		sw.err = err
		return err
	}
	if sw.n > 0 {
		sw.write(",")
	}
	sw.n++
	sw.write(b)
	return sw.err
}

// Close ends the document and flushes it.
func (sw *Writer) Close() error {
	sw.write("]}]}\n")
	if sw.err != nil {
		return sw.err
	}
	return sw.w.Flush()
}

// URI turns a displayed path into a URI reference: slashes for separators, each segment percent-encoded
// where URI syntax needs it, "./" and "../" kept relative. An absolute path becomes a file: URI.
func URI(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	abs := strings.HasPrefix(p, "/")
	if len(p) >= 3 && p[1] == ':' && p[2] == '/' { // a Windows drive
		abs = true
		p = "/" + p
	}
	p = path.Clean(p)
	if abs {
		u := url.URL{Scheme: "file", Path: p}
		return u.String()
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	out := strings.Join(segs, "/")
	// A first segment holding ':' would read as a scheme; "./" keeps it a path.
	if first, _, _ := strings.Cut(out, "/"); strings.Contains(first, ":") {
		out = "./" + out
	}
	return out
}

// The SARIF objects written, with the few properties this package sets.

type text struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type configuration struct {
	Level Level `json:"level"`
}

type reportingDescriptor struct {
	ID                   string         `json:"id"`
	ShortDescription     *text          `json:"shortDescription,omitempty"`
	Help                 *text          `json:"help,omitempty"`
	DefaultConfiguration *configuration `json:"defaultConfiguration,omitempty"`
}

type tool struct {
	Driver toolComponent `json:"driver"`
}

type runHead struct {
	Tool       tool   `json:"tool"`
	ColumnKind string `json:"columnKind"`
}

type toolComponent struct {
	Name           string                `json:"name"`
	Version        string                `json:"version,omitempty"`
	InformationURI string                `json:"informationUri,omitempty"`
	Rules          []reportingDescriptor `json:"rules"`
}

type region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
}

type artifactLocation struct {
	URI string `json:"uri"`
}

type physicalLocation struct {
	ArtifactLocation artifactLocation `json:"artifactLocation"`
	Region           *region          `json:"region,omitempty"`
}

type location struct {
	PhysicalLocation physicalLocation `json:"physicalLocation"`
}

type result struct {
	RuleID    string     `json:"ruleId"`
	RuleIndex int        `json:"ruleIndex"`
	Level     Level      `json:"level"`
	Message   text       `json:"message"`
	Locations []location `json:"locations,omitempty"`
}
