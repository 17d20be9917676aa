package textsafe

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain/SKILL.md":        "plain/SKILL.md",
		"café 技能":               "café 技能",
		"x\x1b[31mRED":          `x\u{1B}[31mRED`,
		"a\nb\r\tc":             `a\u{A}b\u{D}\u{9}c`,
		"zero\u200bwidth":       `zero\u{200B}width`,
		"bidi\u202eevil":        `bidi\u{202E}evil`,
		"tag\U000E0041":         `tag\u{E0041}`,
		"bad\xffbyte":           `bad\xffbyte`,
		"c1\u0085next\u2028sep": `c1\u{85}next\u{2028}sep`,
		// What GitHub Actions would run: "::" starting a line (after spaces), "##[" anywhere in it.
		"::error title=Forged::pwned/SKILL.md": `\u{3A}:error title=Forged::pwned/SKILL.md`,
		"  \u00a0::warning::x":                 "  \u00a0\\u{3A}:warning::x",
		":x":                                   `\u{3A}x`,
		"a::b":                                 "a::b",
		"x/##[add-mask]secret":                 `x/##\u{5B}add-mask]secret`,
		"##[stop-commands]tok ##[x":            `##\u{5B}stop-commands]tok ##\u{5B}x`,
		"# [a] #[b]":                           "# [a] #[b]",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWorkflow(t *testing.T) {
	if got := WorkflowProperty("::a,b%c\nd\x1b"); got != `%3A%3Aa%2Cb%25c\u{A}d\u{1B}` {
		t.Errorf("WorkflowProperty = %q", got)
	}
	if got := WorkflowData("a::b,c%\r\u202e ##[x"); got != `a::b,c%25\u{D}\u{202E} ##[x` {
		t.Errorf("WorkflowData = %q", got)
	}
}

func TestJSON(t *testing.T) {
	in := map[string]string{"name": "##[add-mask]x \u202e ::error::y é"}
	b, _ := json.Marshal(in)
	out := JSON(b)
	if strings.Contains(string(out), "##[") || strings.ContainsRune(string(out), '\u202e') {
		t.Errorf("JSON left %s", out)
	}
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil || back["name"] != in["name"] {
		t.Errorf("JSON changed the value: %s, %v", out, err)
	}
	if plain := []byte(`{"a":"é b"}`); string(JSON(plain)) != string(plain) {
		t.Errorf("JSON changed clean text")
	}
}

// ciSafe is what a line of text output must be for GitHub Actions to print it and do nothing else.
func ciSafe(s string) bool {
	return !strings.HasPrefix(strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) }), "::") &&
		!strings.Contains(s, "##[")
}

func FuzzEscape(f *testing.F) {
	f.Add("x\x1b[31m\u202e\xff")
	f.Add(" ::error title=x::y ##[add-mask]z")
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if needs(out) {
			t.Fatalf("Escape(%q) = %q still holds hidden text", s, out)
		}
		if Escape(out) != out {
			t.Fatalf("Escape is not idempotent on %q", out)
		}
		if !ciSafe(out) || !ciSafe(" "+out) {
			t.Fatalf("Escape(%q) = %q can start a workflow command", s, out)
		}
		for _, w := range []string{WorkflowData(s), WorkflowProperty(s)} {
			if strings.ContainsAny(w, "\r\n") {
				t.Fatalf("workflow text %q holds a line break", w)
			}
		}
		if strings.ContainsAny(WorkflowProperty(s), ":,") {
			t.Fatalf("property %q can end early", WorkflowProperty(s))
		}
		b, _ := json.Marshal(s)
		var back string
		if err := json.Unmarshal(JSON(b), &back); err != nil || strings.Contains(string(JSON(b)), "##[") {
			t.Fatalf("JSON(%s) = %s: %v", b, JSON(b), err)
		}
		if json.Unmarshal(b, new(string)) == nil {
			var orig string
			json.Unmarshal(b, &orig)
			if back != orig {
				t.Fatalf("JSON changed %q to %q", orig, back)
			}
		}
	})
}

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"pdf-tools@team":                  "pdf-tools@team",
		"./src/app":                       "./src/app",
		"https://h/r.git//skills/b#c1":    "'https://h/r.git//skills/b#c1'",
		"it's":                            `'it'\''s'`,
		"a b":                             "'a b'",
		"":                                "''",
		"x\x1b[31m":                       `'x\u{1B}[31m'`,
		"$(rm -rf ~)":                     "'$(rm -rf ~)'",
		"/tmp/.skillctl-stage-1":          "/tmp/.skillctl-stage-1",
		"C:\\Users\\me\\.skillctl-stage-": `'C:\Users\me\.skillctl-stage-'`,
	} {
		if got := ShellWord(in); got != want {
			t.Errorf("ShellWord(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCut: text cut to a width, escaped, never inside an escape sequence; the ellipsis counts.
func TestCut(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"pdf-tools", 20, "pdf-tools"},
		{"pdf-tools", 9, "pdf-tools"},
		{"pdf-tools", 8, "pdf-too…"},
		{"pdf-tools", 1, "…"},
		{"pdf-tools", 0, ""},
		{"ab\x1bcd", 20, `ab\u{1B}cd`},
		{"ab\x1bcd", 10, `ab\u{1B}cd`},
		{"ab\x1bcd", 9, `ab\u{1B}…`},
		{"ab\x1bcd", 8, "ab…"}, // \u{1B} does not fit after "ab" with the ellipsis: it is left out whole
		{"ab\x1bcd", 3, "ab…"},
		{"ab\xffcd", 7, `ab\xff…`},
		{"ab\xffcd", 6, "ab…"},
		{":evil", 20, `\u{3A}evil`},
		{":evil", 8, `\u{3A}e…`},
		{":evil", 7, `\u{3A}…`},
		{"##[cmd]", 20, `##\u{5B}cmd]`},
		{"##[cmd]", 5, "##…"},
		{"日本語のスキル", 4, "日本語…"},
	}
	for _, tt := range tests {
		got := Cut(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > tt.width {
			t.Errorf("Cut(%q, %d) = %q is %d wide", tt.in, tt.width, got, n)
		}
		if Width(tt.in) != utf8.RuneCountInString(Escape(tt.in)) {
			t.Errorf("Width(%q) disagrees with Escape", tt.in)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://ghp_secret@github.com/o/r":        "https://***@github.com/o/r",
		"https://user:pass@h:8443/x?q=a@b#f":       "https://***@h:8443/x?q=a@b#f",
		"https://h/x@y":                            "https://h/x@y",
		"git@github.com:o/r.git":                   "git@github.com:o/r.git",
		"o/r":                                      "o/r",
		"http://a@b@c/":                            "http://***@c/",
		"served from https://tok@evil.example/idx": "served from https://***@evil.example/idx",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
