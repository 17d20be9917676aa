// Package textsafe makes text from untrusted places (file and folder names, SKILL.md contents, server
// messages) safe to print on a terminal: what cannot be seen or would act on the terminal is escaped, so
// a line of output shows exactly what it says and cannot be forged or recoloured by the text in it.
package textsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with invalid UTF-8 bytes written as \xHH and control characters (C0, DEL, C1), line
// and paragraph separators and format characters (zero-width, bidirectional controls, tag characters:
// Unicode category Cf) written as \u{HEX}. Everything else, tabs excepted, is kept as it is.
func Escape(s string) string {
	if !needs(s) {
		return s
	}
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
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || hidden(r) {
			return true
		}
		i += n
	}
	return false
}

func hidden(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r)
}
