// Package textsafe makes text from untrusted places (file and folder names, SKILL.md contents, server
// messages) safe to print on a terminal or in a CI log: what cannot be seen, would act on the terminal, or
// would make a CI runner act is escaped, so a line of output shows exactly what it says and cannot be
// forged, recoloured or turned into a command by the text in it. It is the one escaping rule: the text
// formats use Escape, JSON output JSON, and GitHub workflow commands WorkflowData and WorkflowProperty.
package textsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Escape returns s with invalid UTF-8 bytes written as \xHH and control characters (C0, DEL, C1), line
// and paragraph separators and format characters (zero-width, bidirectional controls, tag characters:
// Unicode category Cf) written as \u{HEX}. Everything else, tabs excepted, is kept as it is, but for
// what a CI runner reads as a workflow command (see ciCommand): a ':' that starts s (after spaces) is
// written \u{3A} and the '[' of "##[" \u{5B}. Untrusted text starts many output lines (a path in
// validate's report, a name in a table), and GitHub Actions runs a line that starts with "::" and any
// line holding "##[" (its older syntax).
func Escape(s string) string {
	if !needs(s) {
		return s
	}
	var b strings.Builder
	pieces(s, func(_ int, piece string) bool {
		b.WriteString(piece)
		return true
	})
	return b.String()
}

// pieces calls fn with each character of s (at byte offset i) as Escape writes it, in order, until fn
// returns false. What a character becomes depends only on it and the text before it, so Escape of a
// prefix of s is the first pieces of Escape(s).
func pieces(s string, fn func(i int, piece string) bool) {
	lead := leadingColon(s)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		var piece string
		switch {
		case r == utf8.RuneError && n == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case hidden(r), i == lead, r == '[' && strings.HasSuffix(s[:i], "##"):
			piece = fmt.Sprintf(`\u{%X}`, r)
		default:
			piece = s[i : i+n]
		}
		if !fn(i, piece) {
			return
		}
		i += n
	}
}

// Width is the columns Escape(s) takes, a character counting one: what an aligned table measures.
func Width(s string) int { return utf8.RuneCountInString(Escape(s)) }

// Cut is Escape(s) in at most width columns: when that is wider, the escaped form of the longest prefix
// of s that fits width-1 columns, and "…". The cut falls between characters of s, never inside the
// escape sequence one became, so what is shown is still exactly what the text says, only shorter.
func Cut(s string, width int) string {
	esc := Escape(s)
	if utf8.RuneCountInString(esc) <= width {
		return esc
	}
	if width < 1 {
		return ""
	}
	var b strings.Builder
	used := 0
	pieces(s, func(_ int, piece string) bool {
		n := utf8.RuneCountInString(piece)
		if used+n > width-1 {
			return false
		}
		b.WriteString(piece)
		used += n
		return true
	})
	return b.String() + "…"
}

// escapeHidden is Escape without the workflow-command rule, for text inside a workflow command's
// properties and data, which the runner never reads as another command.
func escapeHidden(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case hidden(r):
			fmt.Fprintf(&b, `\u{%X}`, r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}

func needs(s string) bool {
	if leadingColon(s) >= 0 || strings.Contains(s, "##[") {
		return true
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || hidden(r) {
			return true
		}
		i += n
	}
	return false
}

// leadingColon is the index of a ':' that starts s after white space (as the runner trims it: Unicode
// spaces included), or -1.
func leadingColon(s string) int {
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) && !unicode.Is(unicode.Zs, r) })
	if i >= 0 && s[i] == ':' {
		return i
	}
	return -1
}

func hidden(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r)
}

// GitHub's workflow-command escaping: the data escapes %, CR and LF; a property also escapes the ':' and
// ',' that would end it.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// WorkflowData makes untrusted text the data of a GitHub workflow command (after its "::"): hidden
// characters escaped as Escape does, then GitHub's escaping, so the command ends at the end of its line.
func WorkflowData(s string) string { return dataEscaper.Replace(escapeHidden(s)) }

// WorkflowProperty makes untrusted text a property value of a GitHub workflow command (file=, title=).
func WorkflowProperty(s string) string { return propertyEscaper.Replace(escapeHidden(s)) }

// JSON makes encoding/json's output safe to print: the characters Escape hides that encoding/json leaves
// raw (C1 controls, bidi overrides, zero-width and other format characters) and the '[' of "##[" are
// written as \u escapes. The decoded strings stay exactly what they were. Outside strings JSON has only
// ASCII and no '#', so every rune changed is inside a string, and no line of JSON starts with ':'.
func JSON(b []byte) []byte {
	s := string(b)
	if !strings.Contains(s, "##[") {
		clean := true
		for _, r := range s {
			if r >= 0x80 && hidden(r) {
				clean = false
				break
			}
		}
		if clean {
			return b
		}
	}
	var out strings.Builder
	for i, r := range s {
		if r >= 0x80 && hidden(r) || r == '[' && strings.HasSuffix(s[:i], "##") {
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&out, `\u%04x`, u)
			}
			continue
		}
		out.WriteRune(r)
	}
	return []byte(out.String())
}

// ShellWord makes s one word of a command line in a hint: escaped as Escape does, and single-quoted when
// a POSIX shell would otherwise read any character of it specially.
func ShellWord(s string) string {
	s = Escape(s)
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>*?#~(){}[]!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// RedactURL drops the user-info (a token, a user and password) from the first URL in s, so a credential
// is never printed: "https://TOKEN@host/x" reads "https://***@host/x". Text that names no URL is returned
// as it is. The one rule for every message that shows a URL it did not build itself.
func RedactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return scheme + "://***@" + rest[at+1:]
	}
	return s
}
