package validate

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/sarif"
	"github.com/skillctl/skillctl/internal/sarif/sariftest"
)

// The SARIF report is valid SARIF 2.1.0 and says what the JSON report says: one result per diagnostic,
// in the same order, with the same rule, level, file, line and column.
func TestSARIFMatchesJSON(t *testing.T) {
	root := tree(t, map[string]string{
		"skills/good/SKILL.md":     skill("good"),
		"skills/bad/SKILL.md":      "---\nname: Bad_Name\ndescription: x\nversion: 1.0\n---\nSee [ref](references/missing.md).\n",
		"skills/a b/SKILL.md":      skill("a b"),
		"skills/cyc1/SKILL.md":     skill("cyc1", "depends-on:\n  - cyc2\n  - nowhere\n"),
		"skills/cyc2/SKILL.md":     skill("cyc2", "depends-on: [cyc1]\n"),
		"skills/nofm/SKILL.md":     "# no frontmatter\n",
		"skills/ünï/SKILL.md":      skill("ünï", "metadata:\n  v: 1.10\n"),
		"skills/unclosed/SKILL.md": "---\nname: unclosed\n",
	})
	chdir(t, root)
	schema := sariftest.Schema(t)
	for _, opts := range []Options{{}, {Strict: true}, {Spec: true}} {
		opts.Paths = []string{"skills"}
		var js, sf bytes.Buffer
		opts.Format = "json"
		sumJ, err := Run(opts, &js)
		if err != nil {
			t.Fatal(err)
		}
		opts.Format, opts.Version = "sarif", "v9.9.9"
		sumS, err := Run(opts, &sf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(sumJ, sumS) {
			t.Errorf("%+v: summaries differ: %+v vs %+v", opts, sumJ, sumS)
		}
		doc := sariftest.Validate(t, schema, sf.Bytes())

		var report struct {
			Skills []struct {
				Diagnostics []jsonDiag `json:"diagnostics"`
			} `json:"skills"`
			Summary jsonSummary `json:"summary"`
		}
		if err := json.Unmarshal(js.Bytes(), &report); err != nil {
			t.Fatal(err)
		}
		var diags []jsonDiag
		for _, s := range report.Skills {
			diags = append(diags, s.Diagnostics...)
		}
		if len(diags) != report.Summary.Errors+report.Summary.Warnings || len(diags) < 8 {
			t.Fatalf("%+v: the JSON report has %d diagnostics, summary %+v", opts, len(diags), report.Summary)
		}

		run := doc["runs"].([]any)[0].(map[string]any)
		driver := run["tool"].(map[string]any)["driver"].(map[string]any)
		if driver["name"] != "skillctl" || driver["version"] != "v9.9.9" {
			t.Errorf("driver = %v %v", driver["name"], driver["version"])
		}
		rules := driver["rules"].([]any)
		if len(rules) != len(manifest.Rules) {
			t.Errorf("%d rules in the driver, want %d", len(rules), len(manifest.Rules))
		}
		results := run["results"].([]any)
		if len(results) != len(diags) {
			t.Fatalf("%+v: %d SARIF results, %d JSON diagnostics", opts, len(results), len(diags))
		}
		levels := map[string]int{}
		for i, r := range results {
			res := r.(map[string]any)
			d := diags[i]
			levels[res["level"].(string)]++
			rule := rules[int(res["ruleIndex"].(float64))].(map[string]any)
			pl := res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
			reg := pl["region"].(map[string]any)
			if res["ruleId"] != d.Rule || rule["id"] != d.Rule || res["level"] != d.Severity ||
				res["message"].(map[string]any)["text"] != d.Message ||
				pl["artifactLocation"].(map[string]any)["uri"] != sarif.URI(d.File) ||
				int(reg["startLine"].(float64)) != d.Line || int(reg["startColumn"].(float64)) != d.Column {
				t.Errorf("%+v: result %d = %v\nJSON diagnostic %+v", opts, i, res, d)
			}
			if opts.Strict && rule["defaultConfiguration"].(map[string]any)["level"] != "error" {
				t.Errorf("--strict: rule %v keeps a lower default level", rule["id"])
			}
		}
		if levels["error"] != report.Summary.Errors || levels["warning"] != report.Summary.Warnings {
			t.Errorf("%+v: SARIF levels %v, JSON summary %+v", opts, levels, report.Summary)
		}
	}
}
