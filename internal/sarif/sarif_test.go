package sarif

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/sarif/sariftest"
)

var testRules = []Rule{
	{ID: "name-format", Short: "name is not lowercase", Help: "Use a-z, 0-9 and -.", HelpMarkdown: "Use `a-z`.", Level: Error},
	{ID: "broken-link", Short: "a link names a missing file", Help: "Add the file.", Level: Warning},
	{ID: "pipe-to-shell", Short: "downloads and runs a script", Level: Note},
}

func write(t *testing.T, results []Result) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := NewWriter(&b, Tool{Name: "skillctl", Version: "v1.2.3", InformationURI: "https://github.com/skillctl/skillctl"}, testRules)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWriterMatchesSchema(t *testing.T) {
	schema := sariftest.Schema(t)
	for name, results := range map[string][]Result{
		"empty": nil,
		"several": {
			{RuleID: "name-format", Level: Error, Message: `name "Bad_Name" must be lowercase <b>&`, File: "skills/bad/SKILL.md", Line: 2, Column: 7},
			{RuleID: "broken-link", Level: Warning, Message: "x\x1b[31m is not in the folder", File: "skills/a b/SKILL.md", Line: 9, Column: 1},
			{RuleID: "pipe-to-shell", Level: Error, Message: "curl | sh", File: "/abs/path/SKILL.md", Line: 1, Column: 0},
			{RuleID: "pipe-to-shell", Level: Note, Message: "no position", File: "skills/c/SKILL.md"},
			{RuleID: "pipe-to-shell", Level: Note, Message: "no file"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			out := write(t, results)
			doc := sariftest.Validate(t, schema, out)
			run := doc["runs"].([]any)[0].(map[string]any)
			got := run["results"].([]any)
			if len(got) != len(results) {
				t.Fatalf("%d results, want %d", len(got), len(results))
			}
			driver := run["tool"].(map[string]any)["driver"].(map[string]any)
			if driver["name"] != "skillctl" || driver["version"] != "v1.2.3" {
				t.Errorf("driver = %v", driver)
			}
			rules := driver["rules"].([]any)
			if len(rules) != len(testRules) {
				t.Fatalf("%d rules, want %d", len(rules), len(testRules))
			}
			r0 := rules[0].(map[string]any)
			if r0["id"] != "name-format" || r0["defaultConfiguration"].(map[string]any)["level"] != "error" ||
				r0["shortDescription"].(map[string]any)["text"] == "" || r0["help"].(map[string]any)["markdown"] != "Use `a-z`." {
				t.Errorf("rule 0 = %v", r0)
			}
			for i, g := range got {
				res := g.(map[string]any)
				want := results[i]
				if res["ruleId"] != want.RuleID || res["level"] != string(want.Level) || res["message"].(map[string]any)["text"] != want.Message {
					t.Errorf("result %d = %v, want %+v", i, res, want)
				}
				if int(res["ruleIndex"].(float64)) != indexOf(want.RuleID) {
					t.Errorf("result %d ruleIndex = %v", i, res["ruleIndex"])
				}
				locs, _ := res["locations"].([]any)
				if want.File == "" {
					if locs != nil {
						t.Errorf("result %d has a location without a file", i)
					}
					continue
				}
				pl := locs[0].(map[string]any)["physicalLocation"].(map[string]any)
				if uri := pl["artifactLocation"].(map[string]any)["uri"]; uri != URI(want.File) {
					t.Errorf("result %d uri = %v", i, uri)
				}
				reg, _ := pl["region"].(map[string]any)
				if want.Line == 0 {
					if reg != nil {
						t.Errorf("result %d: region without a line", i)
					}
					continue
				}
				if int(reg["startLine"].(float64)) != want.Line || int(reg["startColumn"].(float64)) != max(want.Column, 1) {
					t.Errorf("result %d region = %v", i, reg)
				}
			}
			if len(results) > 0 && !strings.Contains(string(out), "<b>&") {
				t.Errorf("HTML characters were escaped: %s", out)
			}
		})
	}
}

func indexOf(id string) int {
	for i, r := range testRules {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// The schema check must be able to fail, or it proves nothing.
func TestSchemaRejectsBadLog(t *testing.T) {
	schema := sariftest.Schema(t)
	good := write(t, []Result{{RuleID: "name-format", Level: Error, Message: "m", File: "a/SKILL.md", Line: 1, Column: 1}})
	for name, bad := range map[string]string{
		"level":     strings.Replace(string(good), `"level":"error","message"`, `"level":"fatal","message"`, 1),
		"startLine": strings.Replace(string(good), `"startLine":1`, `"startLine":0`, 1),
		"version":   strings.Replace(string(good), `"version":"2.1.0"`, `"version":"2.0.0"`, 1),
		"uri":       strings.Replace(string(good), `"uri":"a/SKILL.md"`, `"uri":"a b\\u0000"`, 1),
	} {
		if bad == string(good) {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		var v any
		if err := json.Unmarshal([]byte(bad), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := schema.Validate(v); err == nil {
			t.Errorf("%s: the schema accepted %s", name, bad)
		}
	}
}

func TestUnknownRule(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, Tool{Name: "x"}, testRules)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(Result{RuleID: "nope", Level: Error, Message: "m"}); err == nil {
		t.Fatal("a result naming an unknown rule was accepted")
	}
	if _, err := NewWriter(&b, Tool{Name: "x"}, append(testRules, testRules[0])); err == nil {
		t.Fatal("a duplicate rule was accepted")
	}
}

func TestURI(t *testing.T) {
	for in, want := range map[string]string{
		"skills/bad/SKILL.md":      "skills/bad/SKILL.md",
		"./skills/x/SKILL.md":      "skills/x/SKILL.md",
		"../up/SKILL.md":           "../up/SKILL.md",
		"skills/a b/SKILL.md":      "skills/a%20b/SKILL.md",
		"skills/50%/SKILL.md":      "skills/50%25/SKILL.md",
		"skills/q?#/SKILL.md":      "skills/q%3F%23/SKILL.md",
		"c:x/SKILL.md":             "./c:x/SKILL.md",
		"/home/u/s/SKILL.md":       "file:///home/u/s/SKILL.md",
		"/home/u/a b/SKILL.md":     "file:///home/u/a%20b/SKILL.md",
		`C:\Users\u\s\SKILL.md`:    "file:///C:/Users/u/s/SKILL.md",
		`skills\win\SKILL.md`:      "skills/win/SKILL.md",
		"skills/ünï/SKILL.md":      "skills/%C3%BCn%C3%AF/SKILL.md",
		"skills/\x1b[31m/SKILL.md": "skills/%1B%5B31m/SKILL.md",
	} {
		if got := URI(in); got != want {
			t.Errorf("URI(%q) = %q, want %q", in, got, want)
		}
	}
}

// Code scanning rejects a run past MaxResults results, so the writer refuses the one more.
func TestWriterRefusesPastMaxResults(t *testing.T) {
	w, err := NewWriter(&bytes.Buffer{}, Tool{Name: "skillctl"}, testRules)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < MaxResults; i++ {
		if err := w.Add(Result{RuleID: "broken-link", Level: Warning, Message: "m"}); err != nil {
			t.Fatalf("result %d: %v", i, err)
		}
	}
	if err := w.Add(Result{RuleID: "broken-link", Level: Warning, Message: "m"}); err == nil {
		t.Error("a run of more than MaxResults results was written")
	}
}
