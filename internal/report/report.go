// Package report reads the skill-report.json a marketplace puts in each skill folder (a security audit
// and hashes of the files it audited) and says whether it describes the files actually at hand. It is
// pure: a folder's bytes in, a verdict out.
//
// # Hashes
//
// meta.content_hash is the sha256 (hex) of SKILL.md's bytes. meta.tree_hash is the sha256 of the
// other files' records, one compact JSON object per line, joined by "\n" (no trailing newline), in byte
// order of path:
//
//	{"path":"scripts/run.sh","mode":"100755","sha256":"<hex>","size":123}
//
// Keys in that order; mode is git's octal mode as a string; sha256 of the file's bytes; size in bytes;
// JSON as JavaScript's JSON.stringify writes it (no HTML escaping, non-ASCII kept). skill-report.json is
// never part of it. The published description leaves room for readings, so these are accepted too and
// the one that matched is reported: SKILL.md among the records; mode as a JSON number (100644 or its
// value 33188); non-ASCII escaped as \uXXXX (Python's json.dumps). A hash may carry a "sha256:" or
// "sha256-" prefix. A report that matches no reading is stale: shown, not refused, because a third to
// a half of a large marketplace's reports are.
package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// FileName is the report's name inside a skill folder.
const FileName = "skill-report.json"

// MaxSize bounds the report read; real ones are a few kilobytes.
const MaxSize = 4 << 20

// Match is how a recorded hash compares with the files.
type Match string

const (
	Matches Match = "match"  // the hash describes these files
	Stale   Match = "stale"  // it describes other files: the report is about another version
	Absent  Match = "absent" // the report records no such hash
)

// Finding is one issue of the security audit.
type Finding struct {
	Severity    string `json:"severity,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	File        string `json:"file,omitempty"`
	Line        int    `json:"line,omitempty"`
}

// Report is what skillctl understands of a skill-report.json. Fields the file lacks stay empty.
type Report struct {
	Risk        string    `json:"risk,omitempty"`
	Summary     string    `json:"summary,omitempty"`
	Findings    []Finding `json:"findings"`
	Blocked     bool      `json:"is_blocked"`
	ContentHash string    `json:"content_hash,omitempty"`
	TreeHash    string    `json:"tree_hash,omitempty"`
	Content     Match     `json:"content"`
	Tree        Match     `json:"tree"`
	TreeScheme  string    `json:"tree_scheme,omitempty"` // which reading of tree_hash matched
}

// Current reports whether every recorded hash matches: the audit is about exactly these files.
func (r *Report) Current() bool {
	return r.Content != Stale && r.Tree != Stale && (r.Content == Matches || r.Tree == Matches)
}

// Parse reads a report defensively: any JSON object is accepted, and fields of unexpected types are
// ignored rather than failing, since the format is a marketplace's own and changes without notice.
func Parse(data []byte) (*Report, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", FileName, MaxSize)
	}
	var top map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil || top == nil {
		return nil, fmt.Errorf("%s: not a JSON object", FileName)
	}
	r := &Report{Findings: []Finding{}, Content: Absent, Tree: Absent}
	meta, _ := top["meta"].(map[string]any)
	r.ContentHash = hexHash(str(meta, "content_hash"))
	r.TreeHash = hexHash(str(meta, "tree_hash"))
	audit, _ := top["security_audit"].(map[string]any)
	r.Risk = strings.ToLower(oneLine(firstStr(audit, "risk_level", "riskLevel", "risk", "level", "overall_risk")))
	r.Summary = oneLine(firstStr(audit, "summary", "description"))
	r.Blocked = truthy(audit["is_blocked"]) || truthy(top["is_blocked"]) || truthy(meta["is_blocked"])
	list, _ := audit["findings"].([]any)
	if list == nil {
		list, _ = audit["issues"].([]any)
	}
	for _, x := range list {
		switch v := x.(type) {
		case string:
			r.Findings = append(r.Findings, Finding{Title: oneLine(v)})
		case map[string]any:
			f := Finding{
				Severity:    strings.ToLower(oneLine(firstStr(v, "severity", "level", "risk"))),
				Title:       oneLine(firstStr(v, "title", "name", "type", "category", "rule")),
				Description: oneLine(firstStr(v, "description", "message", "detail", "details")),
				File:        oneLine(firstStr(v, "file", "path", "location")),
			}
			if n, ok := v["line"].(json.Number); ok {
				if i, err := n.Int64(); err == nil && i > 0 && i < 1<<31 {
					f.Line = int(i)
				}
			}
			if f != (Finding{}) {
				r.Findings = append(r.Findings, f)
			}
		}
	}
	return r, nil
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func firstStr(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := str(m, k); s != "" {
			return s
		}
	}
	return ""
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true") || x == "1" || strings.EqualFold(x, "yes")
	case json.Number:
		return x.String() != "0"
	}
	return false
}

// oneLine collapses whitespace and drops control characters, so text from a report cannot forge lines
// or escape sequences on the user's terminal, and bounds its length.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 2000 {
		s = string(r[:2000]) + "…"
	}
	return s
}

func hexHash(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"sha256:", "sha256-"} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// Check finds skill-report.json in f, parses it and compares its hashes with f's files. It returns nil
// and no error when the folder has no report.
func Check(f *snapshot.Folder) (*Report, error) {
	rf := f.File(FileName)
	if rf == nil {
		return nil, nil
	}
	r, err := Parse(rf.Data)
	if err != nil {
		return nil, err
	}
	r.Verify(f)
	return r, nil
}

// Verify sets Content, Tree and TreeScheme by hashing f's files.
func (r *Report) Verify(f *snapshot.Folder) {
	r.Content, r.Tree, r.TreeScheme = Absent, Absent, ""
	if r.ContentHash != "" {
		r.Content = Stale
		md := f.File(manifest.SkillFileOf(f))
		if md != nil && sum(md.Data) == r.ContentHash {
			r.Content = Matches
		}
	}
	if r.TreeHash != "" {
		r.Tree = Stale
		// Each file is hashed once for all the schemes: a stale report tries all twelve.
		files, sums := sortedSums(f)
		for _, s := range schemes {
			if treeHash(files, sums, s) == r.TreeHash {
				r.Tree, r.TreeScheme = Matches, s.String()
				break
			}
		}
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Scheme is one reading of the tree hash's serialisation.
type Scheme struct {
	WithSkillMD bool // SKILL.md is among the records
	Mode        int  // 0: "100644"; 1: 100644 (octal digits as a number); 2: 33188 (the value)
	ASCII       bool // non-ASCII escaped as \uXXXX
}

func (s Scheme) String() string {
	out := []string{"mode-string", "mode-octal-number", "mode-number"}[s.Mode]
	if s.WithSkillMD {
		out += "+skill-md"
	}
	if s.ASCII {
		out += "+ascii"
	}
	return out
}

// Canonical is the documented reading: SKILL.md left out, mode a string, UTF-8 kept.
var Canonical = Scheme{}

var schemes = func() []Scheme {
	var out []Scheme
	for _, with := range []bool{false, true} {
		for mode := 0; mode < 3; mode++ {
			for _, ascii := range []bool{false, true} {
				out = append(out, Scheme{WithSkillMD: with, Mode: mode, ASCII: ascii})
			}
		}
	}
	return out
}()

// TreeHash computes the tree hash of f under scheme s (hex, no prefix).
func TreeHash(f *snapshot.Folder, s Scheme) string {
	files, sums := sortedSums(f)
	return treeHash(files, sums, s)
}

// sortedSums is f's files sorted by path, with the sha256 of each (hex) in the same order.
func sortedSums(f *snapshot.Folder) ([]snapshot.File, []string) {
	files := append([]snapshot.File(nil), f.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	sums := make([]string, len(files))
	for i, fl := range files {
		sums[i] = sum(fl.Data)
	}
	return files, sums
}

// treeHash is TreeHash over files sorted by path and their sums.
func treeHash(files []snapshot.File, sums []string, s Scheme) string {
	var lines []string
	for i, fl := range files {
		if fl.Path == FileName || (!s.WithSkillMD && manifest.IsFileName(fl.Path)) {
			continue
		}
		var mode string
		switch s.Mode {
		case 0:
			mode = `"` + fl.Mode.String() + `"`
		case 1:
			mode = strings.TrimLeft(fl.Mode.String(), "0")
		default:
			mode = strconv.FormatUint(uint64(fl.Mode), 10)
		}
		lines = append(lines, `{"path":`+jsString(fl.Path, s.ASCII)+`,"mode":`+mode+`,"sha256":"`+sums[i]+`","size":`+strconv.Itoa(len(fl.Data))+`}`)
	}
	return sum([]byte(strings.Join(lines, "\n")))
}

// jsString quotes s as JSON.stringify does (ascii=false) or as Python's json.dumps (ascii=true).
func jsString(s string, ascii bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (ascii && r > 0x7e):
			if r > 0xffff {
				r1, r2 := utf16Pair(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
