package manifest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ValidName reports whether name follows the specification's name rule: 1 to 64 characters from a-z, 0-9
// and '-', no leading, trailing or doubled '-'. It is the rule for names skillctl creates; Check accepts
// the wider Unicode rule of the reference validator, with a warning.
func ValidName(name string) bool {
	if name == "" || len(name) > maxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return nameProblem(name) == ""
}

// normName is the form names are compared in: trimmed and NFKC-normalised, as the reference does, so a
// name typed with a composed "é" matches a folder whose file system stored it decomposed.
func normName(s string) string {
	return norm.NFKC.String(strings.TrimSpace(s))
}

// nameProblem returns what is wrong with a normalised name's characters (not its length), or "".
// Letters and digits of any script pass, as in the reference validator.
func nameProblem(n string) string {
	switch {
	case n != strings.ToLower(n):
		return "must be lowercase"
	case strings.HasPrefix(n, "-") || strings.HasSuffix(n, "-"):
		return "must not start or end with '-'"
	case strings.Contains(n, "--"):
		return "must not contain '--'"
	}
	for _, r := range n {
		if r != '-' && !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return "must hold only lowercase letters, digits and '-'"
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// suggest turns s into the nearest valid ASCII name ("My_Skill v2" → "my-skill-v2"), or "" if nothing
// is left.
func suggest(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(norm.NFKD.String(s)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
			// drop accents left by NFKD: café → cafe
		default:
			dash = true
		}
		if b.Len() >= maxNameLen {
			break
		}
	}
	out := b.String()
	if len(out) > maxNameLen {
		out = strings.TrimRight(out[:maxNameLen], "-")
	}
	return out
}
