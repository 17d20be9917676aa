package manifest

import (
	"bytes"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

var scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// checkBody reports an overlong body and links to files the folder lacks. Only Markdown links are links:
// inline links and images ([text](target), ![alt](target)) and reference definitions ([id]: target), the
// form every reference-style link ([text][id], [id][], [id]) resolves through. A path in prose or in a
// code span is text, not a link: `references/finance.md` names a file as often in the user's project as in
// the skill. Fenced code blocks are skipped, and so are code spans, escaped brackets and footnotes.
func (c *checker) checkBody(sk *Skill) {
	lines := bytes.Split(sk.Body, []byte("\n"))
	if n := len(lines); n > 0 && len(lines[n-1]) == 0 {
		lines = lines[:n-1]
	}
	if len(lines) > MaxBodyLines {
		c.add(Position{sk.BodyLine + MaxBodyLines, 1}, Warning, "body-too-long", "the body is %d lines; keep SKILL.md under %d: move detail into references/ files and link them", len(lines), MaxBodyLines)
	}
	if c.in.Files == nil {
		return
	}
	files := append([]string(nil), c.in.Files...)
	sort.Strings(files)
	reported := map[string]bool{}
	check := func(target string, line, off int, raw []byte) {
		p, ok := cleanTarget(target)
		if !ok || reported[p] {
			return
		}
		pos := Position{sk.BodyLine + line, 1 + utf8.RuneCount(raw[:off])}
		if p == ".." || strings.HasPrefix(p, "../") {
			reported[p] = true
			c.add(pos, Warning, "link-outside-skill", "link %s leaves the skill folder, so it breaks once the skill is installed: copy the file into the skill and link it from there", target)
			return
		}
		if hasPath(files, p) {
			return
		}
		reported[p] = true
		c.add(pos, Warning, "broken-link", "%s is not in the skill folder: add the file or fix the link", p)
	}
	fence := ""
	for i, raw := range lines {
		trim := bytes.TrimLeft(raw, " ")
		if len(raw)-len(trim) <= 3 && (bytes.HasPrefix(trim, []byte("```")) || bytes.HasPrefix(trim, []byte("~~~"))) {
			mark := string(trim[:3])
			n := 3
			for n < len(trim) && trim[n] == mark[0] {
				n++
			}
			switch {
			case fence == "":
				fence = strings.Repeat(mark[:1], n)
			case strings.HasPrefix(string(trim), fence) && len(bytes.TrimSpace(trim[n:])) == 0:
				fence = ""
			}
			continue
		}
		if fence != "" || bytes.IndexByte(raw, '[') < 0 {
			continue // most prose lines hold no bracket: one byte search settles them
		}
		for _, l := range lineLinks(raw) {
			check(l.target, i, l.off, raw)
		}
	}
}

// link is one link target on a line: its text after backslash escapes are undone, and the byte offset
// where it starts.
type link struct {
	target string
	off    int
}

// lineLinks finds the link targets of one line outside fenced code: a reference definition when the line
// is one, else every inline link and image. Code spans are blanked first, so `[a](b)` in backticks is an
// example, not a link.
func lineLinks(raw []byte) []link {
	line := maskCode(raw)
	if l, ok := refDefinition(line); ok {
		return []link{l}
	}
	var out []link
	for i := 0; i < len(line); i++ {
		if line[i] != '[' || escaped(line, i) {
			continue
		}
		end := closeBracket(line, i)
		if end < 0 {
			continue
		}
		if end+1 < len(line) && line[end+1] == '(' {
			if l, next, ok := inlineTarget(line, end+2); ok {
				out = append(out, l)
				i = next - 1
				continue
			}
		}
		// Not an inline link: a bracket inside may still open one ([see [a](b)]).
	}
	return out
}

// maskCode returns line with its code spans, backticks included, replaced by NUL bytes, so link syntax
// inside them is not read. A span opens with a run of backticks (not escaped) and closes with a run of the
// same length; a run with no match is literal text, and the scan goes on after it.
func maskCode(line []byte) []byte {
	if bytes.IndexByte(line, '`') < 0 {
		return line
	}
	out := append([]byte(nil), line...)
	for i := 0; i < len(out); {
		if out[i] != '`' {
			i++
			continue
		}
		n := runLen(out, i, '`')
		if escaped(out, i) {
			i += n // the first backtick is literal; the rest of the run cannot open a span of n
			continue
		}
		end := -1
		for j := i + n; j < len(out); {
			if out[j] != '`' {
				j++
				continue
			}
			m := runLen(out, j, '`')
			if m == n {
				end = j
				break
			}
			j += m
		}
		if end < 0 {
			i += n
			continue
		}
		for j := i; j < end+n; j++ {
			out[j] = 0
		}
		i = end + n
	}
	return out
}

func runLen(b []byte, i int, c byte) int {
	n := 0
	for i+n < len(b) && b[i+n] == c {
		n++
	}
	return n
}

// escaped reports whether line[i] follows an odd number of backslashes.
func escaped(line []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && line[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// closeBracket finds the ']' that closes the '[' at open, counting nested unescaped brackets; -1 when the
// line has none.
func closeBracket(line []byte, open int) int {
	depth := 0
	for j := open; j < len(line); j++ {
		switch {
		case line[j] == '\\':
			j++ // skip the escaped character
		case line[j] == '[':
			depth++
		case line[j] == ']':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// inlineTarget reads an inline link's destination and optional title starting at i (just after "](")
// up to the closing ')'. It returns the target, the index after ')', and whether the syntax held.
func inlineTarget(line []byte, i int) (link, int, bool) {
	i = skipSpace(line, i)
	start, end, i, ok := destination(line, i)
	if !ok {
		return link{}, 0, false
	}
	j := skipSpace(line, i)
	if j < len(line) && j > i && (line[j] == '"' || line[j] == '\'' || line[j] == '(') {
		close := line[j]
		if close == '(' {
			close = ')'
		}
		k := j + 1
		for k < len(line) && (line[k] != close || escaped(line, k)) {
			k++
		}
		if k >= len(line) {
			return link{}, 0, false
		}
		j = skipSpace(line, k+1)
	}
	if j >= len(line) || line[j] != ')' {
		return link{}, 0, false
	}
	return link{target: unescape(line[start:end]), off: start}, j + 1, true
}

// destination reads a link destination at i: <...> (no line break, no unescaped '<' or '>'), or a run of
// non-space bytes whose unescaped parentheses balance. It returns the destination's bounds (without the
// angle brackets) and the index after it.
func destination(line []byte, i int) (start, end, next int, ok bool) {
	if i < len(line) && line[i] == '<' {
		for j := i + 1; j < len(line); j++ {
			switch {
			case line[j] == '\\':
				j++
			case line[j] == '<':
				return 0, 0, 0, false
			case line[j] == '>':
				return i + 1, j, j + 1, true
			}
		}
		return 0, 0, 0, false
	}
	depth := 0
	j := i
	for ; j < len(line); j++ {
		c := line[j]
		if c == '\\' && j+1 < len(line) {
			j++
			continue
		}
		if c == ' ' || c == '\t' || c < 0x20 {
			break
		}
		if c == '(' {
			depth++
		}
		if c == ')' {
			if depth == 0 {
				break
			}
			depth--
		}
	}
	if j == i || depth != 0 {
		return 0, 0, 0, false
	}
	return i, j, j, true
}

// refDefinition reads a reference definition, "[label]: target" indented at most three spaces. A label
// starting with '^' is a footnote, whose text is prose, not a target.
func refDefinition(line []byte) (link, bool) {
	i := 0
	for i < len(line) && i < 3 && line[i] == ' ' {
		i++
	}
	if i >= len(line) || line[i] != '[' || i+1 < len(line) && line[i+1] == '^' {
		return link{}, false
	}
	end := closeBracket(line, i)
	if end < 0 || end == i+1 || end+1 >= len(line) || line[end+1] != ':' {
		return link{}, false
	}
	j := skipSpace(line, end+2)
	start, stop, _, ok := destination(line, j)
	if !ok {
		return link{}, false
	}
	return link{target: unescape(line[start:stop]), off: start}, true
}

func skipSpace(line []byte, i int) int {
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i
}

// unescape undoes Markdown's backslash escapes of ASCII punctuation.
func unescape(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) && isPunct(b[i+1]) {
			i++
		}
		out = append(out, b[i])
	}
	return string(out)
}

func isPunct(c byte) bool {
	return c > ' ' && c < 0x7f && !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')
}

// cleanTarget turns a link target into a folder-relative path, or reports false for targets that are
// not local files: URLs, anchors, absolute paths, templates and globs.
func cleanTarget(t string) (string, bool) {
	if i := strings.IndexAny(t, "#?"); i >= 0 {
		t = t[:i]
	}
	if t == "" || scheme.MatchString(t) || strings.HasPrefix(t, "//") || strings.ContainsAny(t[:1], "/~${%\\") ||
		strings.ContainsAny(t, "*{}<>|") {
		return "", false
	}
	if u, err := url.PathUnescape(t); err == nil {
		t = u
	}
	p := path.Clean(t)
	if p == "." {
		return "", false
	}
	return p, true
}

// hasPath reports whether p is a file of the sorted list or a folder holding one.
func hasPath(files []string, p string) bool {
	i := sort.SearchStrings(files, p)
	if i < len(files) && files[i] == p {
		return true
	}
	j := sort.SearchStrings(files, p+"/")
	return j < len(files) && strings.HasPrefix(files[j], p+"/")
}
