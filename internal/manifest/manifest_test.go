package manifest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// diagKeys renders diagnostics as "LINE:COL severity rule", the part of a finding a test pins down.
func diagKeys(d []Diagnostic) []string {
	out := []string{}
	for _, x := range d {
		out = append(out, fmt.Sprintf("%d:%d %s %s", x.Line, x.Column, x.Severity, x.Rule))
	}
	return out
}

const okFM = "---\nname: my-skill\ndescription: Does a thing. Use when testing.\n"

func TestCheckRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name  string
		dir   string
		files []string
		data  string
		mode  Mode
		want  []string
	}{
		{"ok", "my-skill", nil, okFM + "---\n# Body\n", Mode{}, nil},
		{"ok crlf bom", "my-skill", nil, "\ufeff" + strings.ReplaceAll(okFM+"---\nbody\n", "\n", "\r\n"), Mode{}, nil},
		{"no dir check", "", nil, okFM + "---\n", Mode{}, nil},
		{"frontmatter missing", "", nil, "# Title\nname: x\n", Mode{}, []string{"1:1 error frontmatter-missing"}},
		{"frontmatter missing empty", "", nil, "", Mode{}, []string{"1:1 error frontmatter-missing"}},
		{"unclosed", "", nil, okFM + "body\n", Mode{}, []string{"1:1 error frontmatter-unclosed"}},
		{"closing must be a whole line", "", nil, okFM + "---- \n", Mode{}, []string{"1:1 error frontmatter-unclosed"}},
		{"dashes inside a value stay", "my-skill", nil, "---\nname: my-skill\ndescription: a---b\n---\n", Mode{}, nil},
		{"yaml syntax", "", nil, "---\nname: x\ndescription: Use when: y\n---\n", Mode{}, []string{"3:1 error yaml-syntax"}},
		{"not a mapping", "", nil, "---\n- a\n- b\n---\n", Mode{}, []string{"2:1 error frontmatter-not-mapping"}},
		{"empty frontmatter", "", nil, "---\n---\n", Mode{}, []string{"1:1 error description-missing", "1:1 error name-missing"}},
		{"alias", "", nil, "---\nname: &a x\ndescription: *a\n---\n", Mode{}, []string{"2:7 error yaml-alias"}},
		{"duplicate", "my-skill", nil, okFM + "name: my-skill\n---\n", Mode{}, []string{"4:1 error duplicate-field"}},
		{"name missing", "", nil, "---\ndescription: d\n---\n", Mode{}, []string{"1:1 error name-missing"}},
		{"name empty", "", nil, "---\nname:\ndescription: d\n---\n", Mode{}, []string{"2:1 error name-missing"}},
		{"name type", "", nil, "---\nname: [a]\ndescription: d\n---\n", Mode{}, []string{"2:7 error name-type"}},
		{"name upper", "", nil, "---\nname: MySkill\ndescription: d\n---\n", Mode{}, []string{"2:7 error name-format"}},
		{"name underscore", "", nil, "---\nname: my_skill\ndescription: d\n---\n", Mode{}, []string{"2:7 error name-format"}},
		{"name hyphens", "", nil, "---\nname: -a--b\ndescription: d\n---\n", Mode{}, []string{"2:7 error name-format"}},
		{"name double hyphen", "", nil, "---\nname: a--b\ndescription: d\n---\n", Mode{}, []string{"2:7 error name-format"}},
		{"name too long", "", nil, "---\nname: " + long(65) + "\ndescription: d\n---\n", Mode{}, []string{"2:7 error name-too-long"}},
		{"name 64 ok", "", nil, "---\nname: " + long(64) + "\ndescription: d\n---\n", Mode{}, nil},
		{"name unicode", "café", nil, "---\nname: café\ndescription: d\n---\n", Mode{}, []string{"2:7 warning name-non-ascii"}},
		{"name nfkc dir", "cafe\u0301", nil, "---\nname: café\ndescription: d\n---\n", Mode{}, []string{"2:7 warning name-non-ascii"}},
		{"name cjk", "技能", nil, "---\nname: 技能\ndescription: d\n---\n", Mode{Spec: true}, []string{"2:7 warning name-non-ascii"}},
		{"name dir mismatch", "other", nil, okFM + "---\n", Mode{}, []string{"2:7 error name-dir-mismatch"}},
		{"name numeric text", "123", nil, "---\nname: 123\ndescription: d\n---\n", Mode{}, nil},
		{"description blank", "", nil, "---\nname: a\ndescription: '  '\n---\n", Mode{}, []string{"3:1 error description-missing"}},
		{"description type", "", nil, "---\nname: a\ndescription:\n  k: v\n---\n", Mode{}, []string{"4:3 error description-type"}},
		{"description cut by an agent", "", nil, "---\nname: a\ndescription: " + long(11) + "\n---\n", Mode{Cuts: []Cut{{"claude", 10, "https://docs.test"}}}, []string{"3:14 warning description-cut"}},
		{"description at the cut", "", nil, "---\nname: a\ndescription: " + long(10) + "\n---\n", Mode{Cuts: []Cut{{"claude", 10, "https://docs.test"}}}, nil},
		{"description cut counts characters", "", nil, "---\nname: a\ndescription: " + strings.Repeat("é", 10) + "\n---\n", Mode{Cuts: []Cut{{"claude", 10, "https://docs.test"}}}, nil},
		{"description cut, no agent cuts", "", nil, "---\nname: a\ndescription: " + long(1000) + "\n---\n", Mode{}, nil},
		{"description cut and too long", "", nil, "---\nname: a\ndescription: " + long(1600) + "\n---\n", Mode{Cuts: []Cut{{"claude", 1536, "https://docs.test"}}}, []string{"3:14 warning description-cut", "3:14 error description-too-long"}},
		{"description cut under --strict", "", nil, "---\nname: a\ndescription: " + long(11) + "\n---\n", Mode{Strict: true, Cuts: []Cut{{"claude", 10, "https://docs.test"}}}, []string{"3:14 error description-cut"}},
		{"description 1024", "", nil, "---\nname: a\ndescription: " + long(1024) + "\n---\n", Mode{}, nil},
		{"description too long", "", nil, "---\nname: a\ndescription: " + long(1025) + "\n---\n", Mode{}, []string{"3:14 error description-too-long"}},
		{"description counts characters", "", nil, "---\nname: a\ndescription: " + strings.Repeat("é", 1024) + "\n---\n", Mode{}, nil},
		{"compatibility type", "", nil, okFM + "compatibility: [a]\n---\n", Mode{}, []string{"4:16 error compatibility-type"}},
		{"compatibility too long", "", nil, okFM + "compatibility: " + long(501) + "\n---\n", Mode{}, []string{"4:16 error compatibility-too-long"}},
		{"allowed-tools list", "", nil, okFM + "allowed-tools:\n  - Read\n  - Bash(git:*)\n---\n", Mode{}, []string{"5:3 warning allowed-tools-type"}},
		{"allowed-tools map", "", nil, okFM + "allowed-tools:\n  Read: yes\n---\n", Mode{}, []string{"5:3 error allowed-tools-type"}},
		{"metadata list", "", nil, okFM + "metadata: [a]\n---\n", Mode{}, []string{"4:11 warning metadata-type"}},
		{"metadata number", "", nil, okFM + "metadata:\n  version: 1.10\n  quoted: \"1.0\"\n---\n", Mode{}, []string{"5:12 warning metadata-type"}},
		{"metadata nested", "", nil, okFM + "metadata:\n  tags:\n    - a\n  who:\n    x: y\n---\n", Mode{}, []string{"6:5 warning metadata-type", "8:5 warning metadata-type"}},
		{"license type", "", nil, okFM + "license:\n  - MIT\n---\n", Mode{}, []string{"5:3 warning license-type"}},
		{"unknown field", "", nil, okFM + "version: 1.0\n---\n", Mode{}, []string{"4:1 warning unknown-field"}},
		{"unknown field spec", "", nil, okFM + "version: 1.0\n---\n", Mode{Spec: true}, []string{"4:1 error unknown-field"}},
		{"strict", "", nil, okFM + "version: 1.0\n---\n", Mode{Strict: true}, []string{"4:1 error unknown-field"}},
		{"depends-on list", "", nil, okFM + "depends-on: [a-b, c]\nrelated-skills:\n  - d\n---\n", Mode{}, nil},
		{"depends-on empty", "", nil, okFM + "depends-on: []\nrelated-skills:\n---\n", Mode{}, nil},
		{"depends-on spec", "", nil, okFM + "depends-on: [a]\n---\n", Mode{Spec: true}, []string{"4:1 error unknown-field", "4:13 error yaml-flow-style"}},
		{"depends-on single", "", nil, okFM + "depends-on: a\n---\n", Mode{}, []string{"4:13 warning depends-on-format"}},
		{"depends-on comma", "", nil, okFM + "depends-on: a, b\n---\n", Mode{}, []string{"4:13 warning depends-on-format"}},
		{"depends-on type", "", nil, okFM + "depends-on:\n  a: b\n---\n", Mode{}, []string{"5:3 error depends-on-type"}},
		{"depends-on nested", "", nil, okFM + "depends-on:\n  - [a]\n---\n", Mode{}, []string{"5:5 error depends-on-type"}},
		{"depends-on invalid", "", nil, okFM + "depends-on:\n  - Bad_Name\n  - ''\n---\n", Mode{}, []string{"5:5 error depends-on-invalid-name", "6:5 error depends-on-invalid-name"}},
		{"depends-on duplicate", "", nil, okFM + "depends-on:\n  - a\n  - a\n---\n", Mode{}, []string{"6:5 warning depends-on-duplicate"}},
		{"depends-on self", "", nil, okFM + "depends-on:\n  - my-skill\n---\n", Mode{}, []string{"5:5 error depends-on-self"}},
		{"depends-on versions", "", nil, okFM + "depends-on:\n  - a@v1\n  - b@v1.2\n  - c@v1.2.3\n---\n", Mode{}, nil},
		{"depends-on bad versions", "", nil, okFM + "depends-on:\n  - a@1.2\n  - b@v1.2.3-rc.1\n  - c@latest\n  - d@\n  - Bad@v1\n---\n", Mode{},
			[]string{"5:5 error depends-on-version", "6:5 error depends-on-version", "7:5 error depends-on-version", "8:5 error depends-on-version", "9:5 error depends-on-invalid-name"}},
		{"related self", "", nil, okFM + "related-skills: [my-skill, X]\n---\n", Mode{}, []string{"4:18 warning related-skills-self", "4:28 warning related-skills-invalid-name"}},
		{"related type", "", nil, okFM + "related-skills: {a: b}\n---\n", Mode{}, []string{"4:17 warning related-skills-type"}},
		{"lookalike field", "", nil, okFM + "depends_on: [a]\n---\n", Mode{}, []string{"4:1 warning unknown-field"}},
		{"spec tag", "", nil, okFM + "license: !!str MIT\n---\n", Mode{Spec: true}, []string{"4:10 error yaml-tag"}},
		{"body too long", "", nil, okFM + "---\n" + strings.Repeat("line\n", 501), Mode{}, []string{"505:1 warning body-too-long"}},
		{"body 500 ok", "", nil, okFM + "---\n" + strings.Repeat("line\n", 500), Mode{}, nil},
		{"binary", "", nil, okFM + "---\nab\x00", Mode{}, []string{"5:3 error binary-file"}},
		{"not utf8", "", nil, okFM + "---\né\xff", Mode{}, []string{"5:2 error not-utf8"}},
		{"links", "", []string{"SKILL.md", "references/a.md", "scripts/run.sh", "assets/img/x.png"},
			okFM + "---\n" +
				"See [a](references/a.md#part) and [b](references/b.md \"B\").\n" + // line 5
				"Run `./scripts/run.sh` or `scripts/missing.py`: code, not links.\n" + // line 6
				"![img](assets/img/) [web](https://example.com/x.md) [top](#top) [abs](/etc/x)\n" +
				"```sh\npython scripts/in-fence.py\n[x](references/in-fence.md)\n```\n" +
				"`[code](references/in-code.md)` [out](../other/SKILL.md) [enc](references/a%2Emd)\n" + // line 12
				"[ref]: references/def.md\n" + // line 13
				"Again [b](references/b.md).\n", // reported once
			Mode{}, []string{"5:39 warning broken-link", "12:39 warning link-outside-skill", "13:8 warning broken-link"}},
		{"links unchecked without files", "", nil, okFM + "---\n[b](references/b.md)\n", Mode{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := Check(Input{File: "SKILL.md", Dir: tt.dir, Data: []byte(tt.data), Files: tt.files}, tt.mode)
			got := diagKeys(d)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			for _, x := range d {
				if x.Message == "" || x.File != "SKILL.md" || strings.HasSuffix(x.Message, ".") {
					t.Errorf("bad diagnostic %+v", x)
				}
			}
			if Valid(d) != !strings.Contains(strings.Join(got, " "), "error") {
				t.Errorf("Valid(%v) disagrees with severities", got)
			}
		})
	}
}

func TestCheckSkill(t *testing.T) {
	data := "\ufeff---\r\nname: my-skill\r\ndescription: |\r\n  Two\r\n  lines\r\nlicense: MIT\r\ncompatibility: py3\r\n" +
		"allowed-tools: Read Bash(git:*)\r\nmetadata:\r\n  version: \"1.0\"\r\n  n: 2\r\ndepends-on: [a, b]\r\n" +
		"related-skills: c\r\nauthor:\r\n  name: me\r\n---\r\n# Title\r\n"
	sk, d := Check(Input{File: "f", Data: []byte(data)}, Mode{})
	if sk == nil {
		t.Fatal("nil skill")
	}
	if got := diagKeys(d); strings.Join(got, ",") != "11:6 warning metadata-type,13:17 warning related-skills-format,14:1 warning unknown-field" {
		t.Errorf("diagnostics %v", got)
	}
	checks := []struct{ got, want any }{
		{sk.Name, "my-skill"}, {sk.Description, "Two\nlines\n"}, {sk.License, "MIT"}, {sk.Compatibility, "py3"},
		{sk.AllowedTools, "Read Bash(git:*)"}, {sk.Metadata["version"], "1.0"}, {sk.Metadata["n"], "2"},
		{fmt.Sprint(sk.DependsOn), "[a b]"}, {fmt.Sprint(sk.RelatedSkills), "[c]"},
		{fmt.Sprint(sk.DependsOnPos), "[{12 14} {12 17}]"}, {sk.Extra["author"].Content[1].Value, "me"},
		{string(sk.Body), "# Title\n"}, {sk.BodyLine, 17}, {sk.Fields["license"], Position{6, 1}},
	}
	for i, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("check %d: got %q, want %q", i, c.got, c.want)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"a": true, "pdf-tools": true, "a1-b2": true, "": false, "-a": false, "a-": false, "a--b": false,
		"A": false, "a_b": false, "café": false, "a b": false, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	for in, want := range map[string]string{"My_Skill v2": "my-skill-v2", "café": "cafe", "--": "", "Ünïcode--X": "unicode-x"} {
		if got := suggest(in); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHostile feeds inputs built to crash, hang or exhaust a parser; each must give one clean error fast.
func TestHostile(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("---\na: &a [x, x, x, x, x, x, x, x, x]\n")
	for i := 'b'; i <= 'z'; i++ {
		fmt.Fprintf(&bomb, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	bomb.WriteString("---\n")
	tests := []struct {
		name, data string
		rule       string
	}{
		{"alias bomb", bomb.String(), "yaml-alias"},
		{"deep flow", "---\nname: " + strings.Repeat("[", 20000) + "\n---\n", "yaml-syntax"},
		{"deep flow closed", "---\nname: " + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + "\n---\n", "frontmatter-too-large"},
		{"deep block", "---\n" + deepBlock(200) + "---\n", "frontmatter-too-large"},
		{"many nodes", "---\nk: [" + strings.Repeat("a,", 20000) + "a]\n---\n", "frontmatter-too-large"},
		{"huge frontmatter", "---\ndescription: " + strings.Repeat("a", MaxFrontmatter) + "\n---\n", "frontmatter-too-large"},
		{"50 MB", "---\nname: a\n---\n" + strings.Repeat("x", 50<<20), "file-too-large"},
		{"unclosed huge", "---\n" + strings.Repeat("a: b\n", 200000), "frontmatter-unclosed"},
		{"binary", "\x7fELF\x02\x01\x01\x00\x00", "binary-file"},
		{"invalid utf8", "---\nname: \xc3\x28\n---\n", "not-utf8"},
		{"utf16", "\xff\xfe-\x00-\x00-\x00", "binary-file"},
		{"tabs", "---\nname:\ta\n\tdescription: b\n---\n", "yaml-syntax"},
		{"scalar doc", "---\njust text\n---\n", "frontmatter-not-mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			startT := time.Now()
			_, d := Check(Input{File: "SKILL.md", Data: []byte(tt.data)}, Mode{})
			if el := time.Since(startT); el > 20*time.Second { // a hang guard, not a speed test
				t.Errorf("took %v", el)
			}
			if Valid(d) {
				t.Fatalf("valid: %v", diagKeys(d))
			}
			found := false
			for _, x := range d {
				found = found || x.Rule == tt.rule
			}
			if !found {
				t.Errorf("want rule %s, got %v", tt.rule, diagKeys(d))
			}
		})
	}
}

func deepBlock(n int) string {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%sk:\n", strings.Repeat(" ", i))
	}
	fmt.Fprintf(&b, "%sk: v\n", strings.Repeat(" ", n))
	return b.String()
}

// TestRulesTable keeps Rules honest: unique IDs, kebab-case.
func TestRulesTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules {
		if seen[r.ID] || r.ID != strings.ToLower(r.ID) || strings.ContainsAny(r.ID, " _") || r.Summary == "" {
			t.Errorf("bad rule %+v", r)
		}
		seen[r.ID] = true
	}
}

// TestNameListMessages: an invalid depends-on or related-skills entry is refused with its rule and a
// message that reads as a sentence, and the entry is shown quoted, so a hostile one cannot drive the
// terminal or pass for another name.
func TestNameListMessages(t *testing.T) {
	for _, tc := range []struct {
		entry, rule, msg string
	}{
		{"Bad_Name", "depends-on-invalid-name", `depends-on entry "Bad_Name" is not a skill name: a name must be lowercase; did you mean bad-name?`},
		{"-ab", "depends-on-invalid-name", `a name must not start or end with '-'`},
		{"a--b", "depends-on-invalid-name", `a name must not contain '--'`},
		{"a_b", "depends-on-invalid-name", `a name must hold only lowercase letters, digits and '-'`},
		{`"\e]0;owned\a"`, "depends-on-invalid-name", `"\x1b]0;owned\a"`},
		{"\"pdf\u202e\"", "depends-on-invalid-name", `"pdf\u202e"`},
		{"\"p\u200bdf\"", "depends-on-invalid-name", `"p\u200bdf"`},
		{"рdf", "depends-on-invalid-name", `may use only a-z, 0-9 and '-'; did you mean df?`},
		{"ｐｄｆ", "depends-on-invalid-name", `may use only a-z, 0-9 and '-'; did you mean pdf?`},
		{"café", "depends-on-invalid-name", `may use only a-z`},
	} {
		for _, key := range []string{"depends-on", "related-skills"} {
			data := okFM + key + ":\n  - " + tc.entry + "\n---\n"
			_, d := Check(Input{File: "SKILL.md", Data: []byte(data)}, Mode{})
			rule := strings.Replace(tc.rule, "depends-on", key, 1)
			msg := strings.Replace(tc.msg, "depends-on", key, 1)
			found := false
			for _, x := range d {
				if x.Rule == rule {
					found = true
					if !strings.Contains(x.Message, msg) {
						t.Errorf("%s %q: message %q, want it to contain %q", key, tc.entry, x.Message, msg)
					}
					if x.Message != strings.ToValidUTF8(x.Message, "") || strings.ContainsAny(x.Message, "\x1b\a\u202e\u200b") {
						t.Errorf("%s %q: raw hidden character in %q", key, tc.entry, x.Message)
					}
					wantSev := Error
					if key == "related-skills" {
						wantSev = Warning
					}
					if x.Severity != wantSev {
						t.Errorf("%s %q: severity %v", key, tc.entry, x.Severity)
					}
				}
			}
			if !found {
				t.Errorf("%s %q: no %s in %v", key, tc.entry, rule, diagKeys(d))
			}
		}
	}
}

// TestLinks: only Markdown links and images are links. Each case is one body line; want lists the
// targets reported missing (the folder holds only SKILL.md and references/a.md), in order.
func TestLinks(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"inline link", "See [b](references/b.md).", []string{"references/b.md"}},
		{"image", "![chart](assets/chart.png)", []string{"assets/chart.png"}},
		{"present file", "[a](references/a.md) and [a](./references/a.md#x)", nil},
		{"title", `[b](references/b.md "The B") [c](references/c.md 'C') [d](references/d.md (D))`, []string{"references/b.md", "references/c.md", "references/d.md"}},
		{"angle brackets with a space", "[b](<references/b c.md>)", []string{"references/b c.md"}},
		{"parentheses balance", "[b](references/b(1).md)", []string{"references/b(1).md"}},
		{"escaped characters in the target", `[b](references/b\_c.md)`, []string{"references/b_c.md"}},
		{"path in a code span", "Read `references/finance.md` first.", nil},
		{"path in prose", "Read references/finance.md first, then scripts/run.py.", nil},
		{"link in a code span", "`[b](references/b.md)`", nil},
		{"link in a double-backtick span", "``[b](references/b.md)`` and `` `[c](references/c.md)` ``", nil},
		{"backtick inside a double-backtick span", "``a ` [b](references/b.md) ` c``", nil},
		{"unmatched backticks are text", "`` `x` [b](references/b.md)", []string{"references/b.md"}},
		{"run of another length does not close", "`a`` [b](references/b.md)` after", nil},
		{"escaped backtick opens nothing", "\\`[b](references/b.md)`", []string{"references/b.md"}},
		{"link after a code span", "`code` then [b](references/b.md)", []string{"references/b.md"}},
		{"escaped bracket", `\[b](references/b.md)`, nil},
		{"escaped closing bracket in the text", `[a\]](references/b.md)`, []string{"references/b.md"}},
		{"bracketed text", "[see [b](references/b.md)]", []string{"references/b.md"}},
		{"not a link: space before the parenthesis", "[b] (references/b.md)", nil},
		{"not a link: unclosed", "[b](references/b.md", nil},
		{"reference definition", "[ref]: references/b.md", []string{"references/b.md"}},
		{"reference definition in angle brackets with a title", `  [ref]: <references/b.md> "B"`, []string{"references/b.md"}},
		{"reference use is not a target", "[text][ref] and [ref][] and [ref]", nil},
		{"footnote", "[^1]: references/b.md is described here", nil},
		{"indented four spaces is no definition", "    [ref]: references/b.md", nil},
		{"urls, anchors, absolute, templates", "[u](https://x.test/b.md) [m](mailto:a@b) [h](#top) [abs](/etc/x) [t](${DIR}/x) [g](*.md)", nil},
		{"leaves the folder", "[up](../other/SKILL.md)", []string{"../other/SKILL.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := Check(Input{File: "SKILL.md", Data: []byte(okFM + "---\n" + tt.body + "\n"), Files: []string{"SKILL.md", "references/a.md"}}, Mode{})
			var got []string
			for _, x := range d {
				if x.Rule != "broken-link" && x.Rule != "link-outside-skill" {
					t.Errorf("unexpected %s", x)
					continue
				}
				if x.Line != 5 {
					t.Errorf("%s: line %d, want 5", x, x.Line)
				}
				target, _, _ := strings.Cut(strings.TrimPrefix(x.Message, "link "), " is not in the skill folder")
				target, _, _ = strings.Cut(target, " leaves the skill folder")
				got = append(got, target)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("reported %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLinksInFences: a fenced block of either kind, of any length, hides its links until the fence of at
// least its length closes it.
func TestLinksInFences(t *testing.T) {
	body := "```\n[a](references/x1.md)\n```\n" +
		"~~~~md\n[a](references/x2.md)\n~~~\n[a](references/x3.md)\n~~~~\n" +
		"  ```\n[a](references/x4.md)\n  ```\n" +
		"[a](references/after.md)\n"
	_, d := Check(Input{File: "SKILL.md", Data: []byte(okFM + "---\n" + body), Files: []string{"SKILL.md"}}, Mode{})
	if got := diagKeys(d); strings.Join(got, ",") != "16:5 warning broken-link" {
		t.Errorf("got %v, want only the link after the fences", got)
	}
}

// TestDescriptionCutMessage: the warning names each agent that cuts, its figure and its page.
func TestDescriptionCutMessage(t *testing.T) {
	_, d := Check(Input{Data: []byte("---\nname: a\ndescription: " + strings.Repeat("a", 30) + "\n---\n")},
		Mode{Cuts: []Cut{{"claude", 20, "https://one.test"}, {"other", 25, "https://two.test"}, {"roomy", 40, "https://three.test"}}})
	if len(d) != 1 || d[0].Rule != "description-cut" {
		t.Fatalf("diagnostics %v; want one description-cut", d)
	}
	for _, want := range []string{"30 characters", "claude lists only its first 20 (https://one.test)", "other lists only its first 25 (https://two.test)"} {
		if !strings.Contains(d[0].Message, want) {
			t.Errorf("message %q lacks %q", d[0].Message, want)
		}
	}
	if strings.Contains(d[0].Message, "roomy") {
		t.Errorf("message %q names an agent that does not cut", d[0].Message)
	}
}

// TestAgentFields: a field an agent documents is accepted, and never drawn the advice to move it under
// metadata:; --agent narrows the accepted set; --spec stays strict but says who reads the field; a
// lookalike of a known field gets its spelling.
func TestAgentFields(t *testing.T) {
	known := map[string][]string{
		"disable-model-invocation": {"claude", "copilot", "cursor"},
		"context":                  {"claude"},
		"user-invocable":           {"claude", "copilot"},
		"when_to_use":              {"claude"},
	}
	tests := []struct {
		name, field string
		mode        Mode
		want        string // "" for no finding; else severity and a part of the message
	}{
		{"documented", "disable-model-invocation: true", Mode{Fields: known}, ""},
		{"documented, one reader", "context: fork", Mode{Fields: known}, ""},
		{"no data: unknown as before", "disable-model-invocation: true", Mode{}, `warning unknown field "disable-model-invocation": clients ignore it; to keep it, indent it under metadata:`},
		{"undocumented", "version: \"1\"", Mode{Fields: known}, `warning unknown field "version": clients ignore it; to keep it, indent it under metadata:`},
		{"narrowed, read there", "context: fork", Mode{Fields: known, Agents: []string{"claude"}}, ""},
		{"narrowed, read by one of several", "user-invocable: false", Mode{Fields: known, Agents: []string{"codex", "copilot"}}, ""},
		{"narrowed, not read there", "context: fork", Mode{Fields: known, Agents: []string{"codex"}}, `warning field "context" is not one codex is known to read (read by claude): it does nothing there`},
		{"narrowed to two, read by neither", "context: fork", Mode{Fields: known, Agents: []string{"codex", "gemini"}}, `warning field "context" is not one codex or gemini is known to read`},
		{"narrowed, undocumented", "version: \"1\"", Mode{Fields: known, Agents: []string{"claude"}}, `warning unknown field "version": clients ignore it`},
		{"strict", "context: fork", Mode{Fields: known, Agents: []string{"codex"}, Strict: true}, `error field "context" is not one codex`},
		{"spec", "disable-model-invocation: true", Mode{Fields: known, Spec: true}, `error field "disable-model-invocation" is not one of the specification's six, so the reference validator rejects it; claude, copilot, cursor read it, and moving it under metadata: would switch it off there`},
		{"spec, undocumented", "version: \"1\"", Mode{Fields: known, Spec: true}, `error field "version" is not one of the specification's six`},
		{"snake case of an agent's field", "disable_model_invocation: true", Mode{Fields: known}, `warning unknown field "disable_model_invocation": did you mean disable-model-invocation:?`},
		{"camel case of an agent's field", "userInvocable: false", Mode{Fields: known}, `did you mean user-invocable:?`},
		{"one letter off", "user-invokable: false", Mode{Fields: known}, `did you mean user-invocable:?`},
		{"dashes for underscores", "when-to-use: x", Mode{Fields: known}, `did you mean when_to_use:?`},
		{"one letter off a field of ours", "licence: MIT", Mode{}, `did you mean license:?`},
		{"our synonyms", "requires: [a]", Mode{Fields: known}, `did you mean depends-on:?`},
		{"short names need an exact form", "mode: x", Mode{Fields: map[string][]string{"model": {"claude"}}}, `clients ignore it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := Check(Input{File: "SKILL.md", Data: []byte(okFM + tt.field + "\n---\n")}, tt.mode)
			if tt.want == "" {
				if len(d) != 0 {
					t.Errorf("got %v, want no finding", d)
				}
				return
			}
			if len(d) != 1 || d[0].Rule != "unknown-field" || d[0].Line != 4 {
				t.Fatalf("got %v, want one unknown-field on line 4", d)
			}
			if got := d[0].Severity.String() + " " + d[0].Message; !strings.Contains(got, tt.want) {
				t.Errorf("got  %q\nwant %q...", got, tt.want)
			}
			if len(tt.mode.Fields[strings.SplitN(tt.field, ":", 2)[0]]) > 0 && !tt.mode.Spec && strings.Contains(d[0].Message, "metadata") {
				t.Errorf("%q: advises metadata: for a field an agent reads", d[0].Message)
			}
		})
	}
}
