package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/snapshot"
)

func folder(files map[string]string) *snapshot.Folder {
	f := &snapshot.Folder{}
	for p, d := range files {
		mode := snapshot.Regular
		if strings.HasPrefix(p, "scripts/") {
			mode = snapshot.Executable
		}
		f.Files = append(f.Files, snapshot.File{Path: p, Mode: mode, Data: []byte(d)})
	}
	f.Sort()
	return f
}

func hexSum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// independentTreeHash follows the documented recipe with encoding/json, independently of TreeHash.
func independentTreeHash(t *testing.T, f *snapshot.Folder) string {
	type rec struct {
		Path   string `json:"path"`
		Mode   string `json:"mode"`
		SHA256 string `json:"sha256"`
		Size   int    `json:"size"`
	}
	var lines []string
	for _, fl := range f.Files {
		if fl.Path == "SKILL.md" || fl.Path == FileName {
			continue
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rec{fl.Path, fl.Mode.String(), hexSum(fl.Data), len(fl.Data)}); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.TrimSuffix(b.String(), "\n"))
	}
	return hexSum([]byte(strings.Join(lines, "\n")))
}

func TestVerify(t *testing.T) {
	files := map[string]string{
		"SKILL.md":           "---\nname: x\ndescription: d\n---\n",
		"scripts/run.sh":     "#!/bin/sh\n",
		"references/a&b.md":  "<tag>",
		"references/café.md": "é",
	}
	f := folder(files)
	content, tree := hexSum([]byte(files["SKILL.md"])), independentTreeHash(t, f)
	if got := TreeHash(f, Canonical); got != tree {
		t.Fatalf("TreeHash = %s, independent = %s", got, tree)
	}
	report := func(c, tr string, extra string) []byte {
		return []byte(`{"meta":{"content_hash":"` + c + `","tree_hash":"` + tr + `"},"security_audit":{"risk_level":"Medium","summary":"Runs\na script","findings":[{"severity":"HIGH","title":"shell","description":"runs sh","file":"scripts/run.sh","line":1},"plain text finding",7],"is_blocked":` + extra + `}}`)
	}
	tests := []struct {
		name          string
		data          []byte
		files         map[string]string // overrides
		content, tree Match
		blocked       bool
	}{
		{"matching", report(content, tree, "false"), nil, Matches, Matches, false},
		{"prefixed hashes", report("sha256:"+content, "sha256-"+strings.ToUpper(tree), "false"), nil, Matches, Matches, false},
		{"tampered script", report(content, tree, "true"), map[string]string{"scripts/run.sh": "#!/bin/sh\nrm -rf ~\n"}, Matches, Stale, true},
		{"tampered SKILL.md", report(content, tree, `"true"`), map[string]string{"SKILL.md": "changed"}, Stale, Matches, true},
		{"added file", report(content, tree, "0"), map[string]string{"extra.txt": ""}, Matches, Stale, false},
		{"no hashes", []byte(`{"security_audit":{}}`), nil, Absent, Absent, false},
		{"report itself ignored", report(content, tree, "false"), map[string]string{FileName: "{}"}, Matches, Matches, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := map[string]string{}
			for k, v := range files {
				fs[k] = v
			}
			for k, v := range tc.files {
				fs[k] = v
			}
			r, err := Parse(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			r.Verify(folder(fs))
			if r.Content != tc.content || r.Tree != tc.tree || r.Blocked != tc.blocked {
				t.Errorf("content %s tree %s blocked %v; want %s %s %v", r.Content, r.Tree, r.Blocked, tc.content, tc.tree, tc.blocked)
			}
		})
	}
	r, _ := Parse(report(content, tree, "false"))
	if r.Risk != "medium" || r.Summary != "Runs a script" || len(r.Findings) != 2 ||
		r.Findings[0] != (Finding{Severity: "high", Title: "shell", Description: "runs sh", File: "scripts/run.sh", Line: 1}) ||
		r.Findings[1].Title != "plain text finding" {
		t.Errorf("parsed %+v", r)
	}
}

func TestSchemes(t *testing.T) {
	f := folder(map[string]string{"SKILL.md": "x", "a/é.txt": "1", "scripts/s": "2"})
	seen := map[string]Scheme{}
	for _, s := range schemes {
		h := TreeHash(f, s)
		r := &Report{TreeHash: h}
		r.Verify(f)
		if r.Tree != Matches {
			t.Errorf("%s: own hash does not match", s)
		}
		if prev, dup := seen[h]; dup {
			t.Errorf("%s and %s hash alike on a folder where they differ", s, prev)
		}
		seen[h] = s
	}
	// Numeric modes: 100644 written as digits, and as its value.
	if !strings.Contains(jsString("é", true), `\u00e9`) || jsString("😀", true) != `"\ud83d\ude00"` {
		t.Errorf("ascii escaping: %s %s", jsString("é", true), jsString("😀", true))
	}
}

func TestParseRefuses(t *testing.T) {
	for _, bad := range []string{"", "[]", "null", "{", `"x"`, strings.Repeat(" ", MaxSize+1)} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%.20q) accepted", bad)
		}
	}
	// Odd shapes are read, not refused.
	for _, odd := range []string{`{}`, `{"meta":7,"security_audit":"x"}`, `{"security_audit":{"findings":{"a":1},"is_blocked":null}}`} {
		r, err := Parse([]byte(odd))
		if err != nil || r.Blocked || r.Content != Absent {
			t.Errorf("Parse(%s) = %+v, %v", odd, r, err)
		}
	}
}

func TestCheckWithoutReport(t *testing.T) {
	r, err := Check(folder(map[string]string{"SKILL.md": "x"}))
	if r != nil || err != nil {
		t.Errorf("Check = %v, %v", r, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"meta":{"content_hash":"sha256:ab","tree_hash":"cd"},"security_audit":{"risk_level":"low","summary":"s","findings":[{"severity":"high","line":3},"x"],"is_blocked":true}}`))
	f.Add([]byte(`{"security_audit":{"issues":[{"message":"\u001b[31mred"}]}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			return
		}
		for _, s := range append([]string{r.Risk, r.Summary}, findingText(r.Findings)...) {
			if strings.ContainsAny(s, "\x1b\n\r\x00") {
				t.Fatalf("control character survived: %q", s)
			}
		}
		r.Verify(folder(map[string]string{"SKILL.md": string(data)}))
	})
}

func findingText(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Severity, f.Title, f.Description, f.File)
	}
	return out
}

// BenchmarkVerifyStale checks a report whose tree hash matches no reading of a folder of a few files:
// every scheme is tried, as for most reports in a marketplace that moved on since they were written.
func BenchmarkVerifyStale(b *testing.B) {
	f := &snapshot.Folder{}
	for _, p := range []string{"SKILL.md", "references/guide.md", "scripts/run.sh", "assets/logo.bin", FileName} {
		f.Files = append(f.Files, snapshot.File{Path: p, Mode: snapshot.Regular, Data: bytes.Repeat([]byte(p+" some content\n"), 400)})
	}
	f.Sort()
	r := &Report{TreeHash: strings.Repeat("ab", 32), ContentHash: strings.Repeat("cd", 32)}
	b.SetBytes(int64(f.Size()))
	for i := 0; i < b.N; i++ {
		r.Verify(f)
	}
}
