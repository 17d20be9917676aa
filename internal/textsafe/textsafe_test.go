package textsafe

import "testing"

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
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("x\x1b[31m\u202e\xff")
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if needs(out) {
			t.Fatalf("Escape(%q) = %q still holds hidden text", s, out)
		}
		if Escape(out) != out {
			t.Fatalf("Escape is not idempotent on %q", out)
		}
	})
}
