package validate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// tree writes files (slash path → content) under a new temp dir and returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, data := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func skill(name string, extra ...string) string {
	return "---\nname: " + name + "\ndescription: Test skill " + name + ". Use when testing.\n" + strings.Join(extra, "") + "---\n# " + name + "\n"
}

// chdir makes paths in the report relative and short; tests using it do not run in parallel.
func chdir(t *testing.T, dir string) {
	t.Helper()
	t.Chdir(dir)
}

// collect is Each collecting every result: the skills under opts.Paths sorted by folder, with the set
// checks applied.
func collect(opts Options) ([]Result, error) {
	var out []Result
	_, err := Each(opts, func(r *Result) error {
		out = append(out, *r)
		return nil
	})
	return out, err
}

func dirs(rs []Result) string {
	var out []string
	for _, r := range rs {
		out = append(out, filepath.ToSlash(r.File))
	}
	return strings.Join(out, " ")
}

func TestDiscover(t *testing.T) {
	root := tree(t, map[string]string{
		"skills/a/SKILL.md":                skill("a"),
		"skills/a/nested/SKILL.md":         skill("nested"),
		"skills/.curated/b/SKILL.md":       skill("b"),
		"skills/lower/skill.md":            skill("lower"),
		"skills/both/SKILL.md":             skill("both"),
		"skills/both/skill.md":             "junk",
		"node_modules/c/SKILL.md":          skill("c"),
		".git/d/SKILL.md":                  skill("d"),
		"skills/a/node_modules/e/SKILL.md": skill("e"),
		"notes/README.md":                  "hi",
	})
	if err := os.Mkdir(filepath.Join(root, "links"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "skills", "a"), filepath.Join(root, "links", "a")); err != nil {
		t.Fatal(err)
	}
	chdir(t, root)
	tests := []struct {
		paths []string
		want  string
	}{
		{[]string{"."}, "skills/.curated/b/SKILL.md skills/a/SKILL.md skills/a/nested/SKILL.md skills/both/SKILL.md skills/lower/skill.md"},
		{[]string{"skills/a"}, "skills/a/SKILL.md skills/a/nested/SKILL.md"},
		{[]string{"skills/a/SKILL.md", "skills/a"}, "skills/a/SKILL.md skills/a/nested/SKILL.md"},
		{[]string{"skills/lower/skill.md"}, "skills/lower/skill.md"},
		{[]string{"links/a"}, "links/a/SKILL.md links/a/nested/SKILL.md"}, // a link given by the user is followed
	}
	for _, tt := range tests {
		rs, err := collect(Options{Paths: tt.paths})
		if err != nil {
			t.Errorf("%v: %v", tt.paths, err)
			continue
		}
		if got := dirs(rs); got != tt.want {
			t.Errorf("%v:\n got %s\nwant %s", tt.paths, got, tt.want)
		}
		for _, r := range rs {
			if !r.Valid() {
				t.Errorf("%s: %v", r.File, r.Diagnostics)
			}
		}
	}
}

func TestRunErrors(t *testing.T) {
	root := tree(t, map[string]string{"empty/README.md": "x", "a/SKILL.md": skill("a")})
	chdir(t, root)
	tests := []struct {
		opts Options
		want string
	}{
		{Options{Paths: []string{"nope"}}, "nope: no such file or folder"},
		{Options{Paths: []string{"empty"}}, "empty: no skill found (a skill is a folder holding SKILL.md)"},
		{Options{Paths: []string{"empty/README.md"}}, "empty/README.md: not a SKILL.md file or a folder"},
		{Options{Paths: []string{"a"}, Format: "xml"}, `--format: unknown format "xml" (want text, json, github, sarif)`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		_, err := Run(tt.opts, &out)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%+v: err %v, want %q", tt.opts, err, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("%+v: wrote %q on error", tt.opts, out.String())
		}
	}
}

// fixture has one valid skill, one with an error and a warning, and a linked file that exists.
func fixture(t *testing.T) {
	chdir(t, tree(t, map[string]string{
		"skills/good/SKILL.md":          skill("good") + "See [ref](references/r.md).\n",
		"skills/good/references/r.md":   "r",
		"skills/bad/SKILL.md":           skill("Bad", "version: 1\n"),
		"skills/x,y/SKILL.md":           skill("x", "related-skills: good\n"),
		"skills/x,y/scripts/percent.sh": "",
	}))
}

func TestFormats(t *testing.T) {
	fixture(t)
	rules := map[string]int{"name-dir-mismatch": 2, "name-format": 1, "related-skills-format": 1, "unknown-field": 1}
	tests := []struct {
		format string
		strict bool
		want   string
		sum    Summary
	}{
		{"text", false, `skills/bad/SKILL.md:2:7: error: name "Bad" does not match the folder name "bad": set name: bad [name-dir-mismatch]
skills/bad/SKILL.md:2:7: error: name "Bad" must be lowercase: name: bad [name-format]
skills/bad/SKILL.md:4:1: warning: unknown field "version": clients ignore it; to keep it, indent it under metadata: [unknown-field]
skills/x,y/SKILL.md:2:7: error: name "x" does not match the folder name "x,y": rename the folder to "x" or set name: x,y [name-dir-mismatch]
skills/x,y/SKILL.md:4:17: warning: write related-skills as a YAML list: related-skills: [good] [related-skills-format]
3 skills checked: 2 invalid, 3 errors, 2 warnings: name-dir-mismatch 2, name-format 1, related-skills-format 1, unknown-field 1
`, Summary{3, 2, 3, 2, rules, 0}},
		{"", true, `skills/bad/SKILL.md:2:7: error: name "Bad" does not match the folder name "bad": set name: bad [name-dir-mismatch]
skills/bad/SKILL.md:2:7: error: name "Bad" must be lowercase: name: bad [name-format]
skills/bad/SKILL.md:4:1: error: unknown field "version": clients ignore it; to keep it, indent it under metadata: [unknown-field]
skills/x,y/SKILL.md:2:7: error: name "x" does not match the folder name "x,y": rename the folder to "x" or set name: x,y [name-dir-mismatch]
skills/x,y/SKILL.md:4:17: error: write related-skills as a YAML list: related-skills: [good] [related-skills-format]
3 skills checked: 2 invalid, 5 errors, 0 warnings: name-dir-mismatch 2, name-format 1, related-skills-format 1, unknown-field 1
`, Summary{3, 2, 5, 0, rules, 0}},
		{"github", false, `::error file=skills/bad/SKILL.md,line=2,col=7,title=name-dir-mismatch::name "Bad" does not match the folder name "bad": set name: bad
::error file=skills/bad/SKILL.md,line=2,col=7,title=name-format::name "Bad" must be lowercase: name: bad
::warning file=skills/bad/SKILL.md,line=4,col=1,title=unknown-field::unknown field "version": clients ignore it; to keep it, indent it under metadata:
::error file=skills/x%2Cy/SKILL.md,line=2,col=7,title=name-dir-mismatch::name "x" does not match the folder name "x,y": rename the folder to "x" or set name: x,y
::warning file=skills/x%2Cy/SKILL.md,line=4,col=17,title=related-skills-format::write related-skills as a YAML list: related-skills: [good]
3 skills checked: 2 invalid, 3 errors, 2 warnings: name-dir-mismatch 2, name-format 1, related-skills-format 1, unknown-field 1
`, Summary{3, 2, 3, 2, rules, 0}},
		// --quiet lists errors only; the summary still counts every finding.
		{"text", false, `skills/bad/SKILL.md:2:7: error: name "Bad" does not match the folder name "bad": set name: bad [name-dir-mismatch]
skills/bad/SKILL.md:2:7: error: name "Bad" must be lowercase: name: bad [name-format]
skills/x,y/SKILL.md:2:7: error: name "x" does not match the folder name "x,y": rename the folder to "x" or set name: x,y [name-dir-mismatch]
3 skills checked: 2 invalid, 3 errors, 2 warnings: name-dir-mismatch 2, name-format 1, related-skills-format 1, unknown-field 1
`, Summary{3, 2, 3, 2, rules, 0}},
		{"github", false, `::error file=skills/bad/SKILL.md,line=2,col=7,title=name-dir-mismatch::name "Bad" does not match the folder name "bad": set name: bad
::error file=skills/bad/SKILL.md,line=2,col=7,title=name-format::name "Bad" must be lowercase: name: bad
::error file=skills/x%2Cy/SKILL.md,line=2,col=7,title=name-dir-mismatch::name "x" does not match the folder name "x,y": rename the folder to "x" or set name: x,y
3 skills checked: 2 invalid, 3 errors, 2 warnings: name-dir-mismatch 2, name-format 1, related-skills-format 1, unknown-field 1
`, Summary{3, 2, 3, 2, rules, 0}},
	}
	for i, tt := range tests {
		for _, jobs := range []int{1, 3} {
			var out bytes.Buffer
			quiet := i >= 3
			sum, err := Run(Options{Paths: []string{"skills"}, Format: tt.format, Strict: tt.strict, Quiet: quiet, Jobs: jobs}, &out)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("format %q strict %v jobs %d:\n%s\nwant\n%s", tt.format, tt.strict, jobs, out.String(), tt.want)
			}
			if !reflect.DeepEqual(sum, tt.sum) {
				t.Errorf("format %q: summary %+v, want %+v", tt.format, sum, tt.sum)
			}
		}
	}
}

func TestJSON(t *testing.T) {
	fixture(t)
	var out bytes.Buffer
	if _, err := Run(Options{Paths: []string{"skills/good", "skills/bad"}, Format: "json"}, &out); err != nil {
		t.Fatal(err)
	}
	want := `{
  "skills": [
    {
      "dir": "skills/bad",
      "name": "Bad",
      "valid": false,
      "diagnostics": [
        {
          "file": "skills/bad/SKILL.md",
          "line": 2,
          "column": 7,
          "severity": "error",
          "rule": "name-dir-mismatch",
          "message": "name \"Bad\" does not match the folder name \"bad\": set name: bad"
        },
        {
          "file": "skills/bad/SKILL.md",
          "line": 2,
          "column": 7,
          "severity": "error",
          "rule": "name-format",
          "message": "name \"Bad\" must be lowercase: name: bad"
        },
        {
          "file": "skills/bad/SKILL.md",
          "line": 4,
          "column": 1,
          "severity": "warning",
          "rule": "unknown-field",
          "message": "unknown field \"version\": clients ignore it; to keep it, indent it under metadata:"
        }
      ]
    },
    {
      "dir": "skills/good",
      "name": "good",
      "valid": true,
      "diagnostics": []
    }
  ],
  "summary": {
    "skills": 2,
    "invalid": 1,
    "errors": 2,
    "warnings": 1,
    "rules": {
      "name-dir-mismatch": 1,
      "name-format": 1,
      "unknown-field": 1
    },
    "skipped": 0
  }
}
`
	if out.String() != want {
		t.Errorf("got\n%s", out.String())
	}
}

func TestSetChecks(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		opts   Options
		want   []string // FILE:LINE:COL severity rule
		errSub string   // a message fragment
	}{
		{"cycle", map[string]string{
			"a/SKILL.md": skill("a", "depends-on: [b]\n"),
			"b/SKILL.md": skill("b", "depends-on:\n  - c\n"),
			"c/SKILL.md": skill("c", "depends-on: [a, d]\n"),
			"d/SKILL.md": skill("d"),
		}, Options{}, []string{"a/SKILL.md:4:14 error depends-on-cycle", "b/SKILL.md:5:5 error depends-on-cycle", "c/SKILL.md:4:14 error depends-on-cycle"},
			"dependency cycle a -> b -> c -> a"},
		{"unresolved", map[string]string{
			"a/SKILL.md": skill("a", "depends-on: [b, reg-only]\n"),
			"b/SKILL.md": skill("b"),
		}, Options{}, []string{"a/SKILL.md:4:17 warning depends-on-unresolved"}, `"reg-only"`},
		{"unresolved strict", map[string]string{
			"a/SKILL.md": skill("a", "depends-on: [reg-only]\n"),
			"b/SKILL.md": skill("b"),
		}, Options{Strict: true}, []string{"a/SKILL.md:4:14 error depends-on-unresolved"}, ""},
		{"lone skill has no set checks", map[string]string{
			"a/SKILL.md": skill("a", "depends-on: [reg-only]\n"),
		}, Options{}, nil, ""},
		{"spec has no set checks", map[string]string{
			"a/SKILL.md": skill("a", "depends-on:\n  - b\n"),
			"b/SKILL.md": skill("b", "depends-on:\n  - a\n"),
		}, Options{Spec: true}, []string{"a/SKILL.md:4:1 error unknown-field", "b/SKILL.md:4:1 error unknown-field"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chdir(t, tree(t, tt.files))
			tt.opts.Paths = []string{"."}
			rs, err := collect(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			msgs := ""
			for _, r := range rs {
				for _, d := range r.Diagnostics {
					got = append(got, fmt.Sprintf("%s:%d:%d %s %s", filepath.ToSlash(d.File), d.Line, d.Column, d.Severity, d.Rule))
					msgs += d.Message + "\n"
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if !strings.Contains(msgs, tt.errSub) {
				t.Errorf("messages lack %q:\n%s", tt.errSub, msgs)
			}
		})
	}
}

// TestSkipInstalled: a walk leaves out the folders the project's lock records as installed, unless a PATH
// names them: the skill's folder, a path inside it, or the folder of installed skills holding it.
func TestSkipInstalled(t *testing.T) {
	root := tree(t, map[string]string{
		"skills/mine/SKILL.md":           "---\nname: mine\ndescription: d\n---\n",
		".claude/skills/theirs/SKILL.md": "---\nname: theirs\ndescription: d\n---\n",
		".claude/skills/copy/SKILL.md":   "---\nname: copy\ndescription: d\n---\n",
		".claude/skills/local/SKILL.md":  "---\nname: local\ndescription: d\n---\n",
	})
	installed := []string{filepath.Join(root, ".claude", "skills", "theirs"), filepath.Join(root, ".claude", "skills", "copy"),
		filepath.Join(root, "gone")}
	at := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	tests := []struct {
		paths   []string
		want    string
		skipped int
	}{
		{[]string{root}, "local mine", 2},
		{[]string{at(".claude")}, "local", 2},
		{[]string{at(".claude/skills")}, "copy local theirs", 0},
		{[]string{at(".claude/skills/theirs")}, "theirs", 0},
		{[]string{at(".claude/skills/theirs/SKILL.md")}, "theirs", 0},
		{[]string{root, at(".claude/skills/theirs")}, "local mine theirs", 1},
		{[]string{at(".claude/skills/theirs"), root}, "local mine theirs", 1},
	}
	for _, tt := range tests {
		var names []string
		skipped, err := Each(Options{Paths: tt.paths, Installed: installed}, func(r *Result) error {
			names = append(names, r.Name)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(names)
		if strings.Join(names, " ") != tt.want || skipped != tt.skipped {
			t.Errorf("%v: checked %v, skipped %d; want %s, %d", tt.paths, names, skipped, tt.want, tt.skipped)
		}
	}
}
