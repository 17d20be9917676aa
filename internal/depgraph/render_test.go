package depgraph

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/textsafe"
)

// hostileNames are names a repository could put in depends-on or related-skills if nothing validated
// them first: each tries to end a quoted string, add a line, drive the terminal or hide its order.
var hostileNames = []string{
	`a"];evil[shape=box`,
	"\x1b]0;owned\x07\x1b[2J",
	"x\ny -> z",
	"read\u202etxt.sh",
	"zero\u200bwidth",
	`back\"slash\l`,
	"#quot;#lt;ent",
	"<img src=x onerror=alert(1)>",
	"`**md**`",
	"bad\xffutf8",
	"x\r\nskillctl: forged",
}

func hostileGraph() *Graph {
	g := New()
	g.Add("root", hostileNames...)
	for i, n := range hostileNames {
		if i%2 == 0 {
			g.Add(n, hostileNames[(i+1)%len(hostileNames)])
		} else {
			g.SetMissing(n, "not found: "+n)
		}
	}
	g.Relate("root", "rel\x1b[31m\"ated")
	return g
}

// TestRenderHostileNames: whatever the names, text, dot and mermaid carry no hidden character, keep
// exactly the lines their structure calls for, and every name stays inside its quotes; JSON keeps the
// names exactly.
func TestRenderHostileNames(t *testing.T) {
	g := hostileGraph()
	render := func(format string) string {
		t.Helper()
		var b bytes.Buffer
		if err := g.Render(&b, format, "root"); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	v := g.view([]string{"root"})
	for _, format := range []string{"text", "dot", "mermaid"} {
		out := render(format)
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if l := strings.ReplaceAll(line, "\t", ""); textsafe.Escape(l) != l { // tabs are the formats' own indentation
				t.Errorf("%s: raw hidden character in %q", format, line)
			}
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		switch format {
		case "dot":
			lit := `"(?:[^"\\]|\\.)*"`
			node := regexp.MustCompile(`^\t` + lit + `(?: \[color=red, label=` + lit + `\])?;$`)
			edge := regexp.MustCompile(`^\t` + lit + ` -> ` + lit + `(?: \[style=dashed\]| \[color=red, label="cycle"\])?;$`)
			if len(lines) != len(v.Nodes)+len(v.Edges)+2 {
				t.Errorf("dot: %d lines for %d nodes and %d edges:\n%s", len(lines), len(v.Nodes), len(v.Edges), out)
			}
			for i, l := range lines[1 : len(lines)-1] {
				re := node
				if i >= len(v.Nodes) {
					re = edge
				}
				if !re.MatchString(l) {
					t.Errorf("dot: line broken out of its quotes: %q", l)
				}
			}
		case "mermaid":
			node := regexp.MustCompile(`^\tn\d+\["(?:[^"#<>&` + "`" + `]|#(?:quot|lt|gt|\d+);)*"\]$`)
			edge := regexp.MustCompile(`^\tn\d+ (?:-->|-\.->|-->\|cycle\|) n\d+$`)
			if len(lines) != len(v.Nodes)+len(v.Edges)+1 {
				t.Errorf("mermaid: %d lines for %d nodes and %d edges:\n%s", len(lines), len(v.Nodes), len(v.Edges), out)
			}
			for i, l := range lines[1:] {
				re := node
				if i >= len(v.Nodes) {
					re = edge
				}
				if !re.MatchString(l) {
					t.Errorf("mermaid: line broken out of its label: %q", l)
				}
			}
		case "text":
			for _, l := range lines {
				if strings.HasPrefix(l, "skillctl:") {
					t.Errorf("text: a name forged a line: %q", l)
				}
			}
		}
	}
	var back view
	if err := json.Unmarshal([]byte(render("json")), &back); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, n := range back.Nodes {
		got[n.Name] = true
	}
	for _, n := range hostileNames {
		if want := strings.ToValidUTF8(n, "\uFFFD"); !got[want] {
			t.Errorf("json lost the exact name %q", n)
		}
	}
}

func TestQuoting(t *testing.T) {
	for _, tc := range []struct{ in, dot, mermaid string }{
		{`plain-name`, `"plain-name"`, `"plain-name"`},
		{`a"b`, `"a\"b"`, `"a#quot;b"`},
		{`a\nb`, `"a\\nb"`, `"a\nb"`},
		{"a\nb", `"a\\u{A}b"`, `"a\u{A}b"`},
		{"\x1b[2J", `"\\u{1B}[2J"`, `"\u{1B}[2J"`},
		{"r\u202eb", `"r\\u{202E}b"`, `"r\u{202E}b"`},
		{"#quot;<&>`", `"#quot;<&>` + "`" + `"`, `"#35;quot;#lt;#38;#gt;#96;"`},
	} {
		if got := dotQuote(tc.in); got != tc.dot {
			t.Errorf("dotQuote(%q) = %s, want %s", tc.in, got, tc.dot)
		}
		if got := mermaidLabel(tc.in); got != tc.mermaid {
			t.Errorf("mermaidLabel(%q) = %s, want %s", tc.in, got, tc.mermaid)
		}
	}
}

// A release's version is shown beside its name in every format (deps).
func TestRenderVersions(t *testing.T) {
	g := New()
	g.Add("a", "b")
	g.Add("b")
	g.SetVersion("b", "v1.2.0")
	for format, want := range map[string]string{
		"text":    "└── b v1.2.0\n",
		"json":    `"version": "v1.2.0"`,
		"dot":     `"b" [label="b\nv1.2.0"];`,
		"mermaid": `["b v1.2.0"]`,
	} {
		var b bytes.Buffer
		if err := g.Render(&b, format, "a"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s: no %q in\n%s", format, want, b.String())
		}
	}
}
