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

var (
	// inline links and images: [text](target "title"); the target may be wrapped in <>.
	mdLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)
	// reference definitions: [id]: target
	refDef = regexp.MustCompile(`^ {0,3}\[[^\]^][^\]]*\]:\s*(<[^>]*>|\S+)`)
	// bare paths into the folders skills conventionally ship, ending in a file extension. Other bare
	// paths ("./setup.cfg at the project root") name the user's files as often as the skill's. The
	// character before must not be part of a word, a path or a URL.
	barePath = regexp.MustCompile("(?:^|[\\s(\"'`*])((?:\\./)?(?:references|reference|scripts|assets|templates)/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\\.[A-Za-z0-9]{1,8})")
	scheme   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

// checkBody reports an overlong body and links to files the folder lacks. Fenced code blocks are
// skipped (they show commands for other projects as often as this one); inline code is scanned for bare
// paths but not for links, since `[a](b)` in backticks is an example, not a link.
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
	check := func(target string, line, off int, raw []byte, link bool) {
		p, ok := cleanTarget(target)
		if !ok || reported[p] {
			return
		}
		pos := Position{sk.BodyLine + line, 1 + utf8.RuneCount(raw[:off])}
		if p == ".." || strings.HasPrefix(p, "../") {
			if link {
				reported[p] = true
				c.add(pos, Warning, "link-outside-skill", "link %s leaves the skill folder, so it breaks once the skill is installed: copy the file into the skill and link it from there", target)
			}
			return
		}
		if hasPath(files, p) {
			return
		}
		reported[p] = true
		c.add(pos, Warning, "broken-link", "%s is not in the skill folder: add the file or fix the path", p)
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
		if fence != "" {
			continue
		}
		// Cheap byte tests first: the regexps are most of Check's time on long bodies.
		hasLink := bytes.Contains(raw, []byte("]("))
		hasDef := len(trim) > 0 && trim[0] == '[' && bytes.Contains(raw, []byte("]:"))
		hasBare := mayHoldBarePath(raw)
		if !hasLink && !hasDef && !hasBare {
			continue
		}
		masked := maskCode(raw)
		if hasLink {
			links := mdLink.FindAllSubmatchIndex(masked, -1)
			for _, m := range links {
				check(string(raw[m[2]:m[3]]), i, m[2], raw, true)
			}
		}
		if hasDef {
			if m := refDef.FindSubmatchIndex(masked); m != nil {
				check(string(raw[m[2]:m[3]]), i, m[2], raw, true)
			}
		}
		if !hasBare {
			continue
		}
		// Bare paths, outside link syntax even in inline code (blanked so an example link is not read as a
		// path), but inside inline code otherwise.
		bare := append([]byte(nil), raw...)
		if hasLink {
			for _, m := range mdLink.FindAllIndex(raw, -1) {
				for j := m[0]; j < m[1]; j++ {
					bare[j] = ' '
				}
			}
		}
		for _, m := range barePath.FindAllSubmatchIndex(bare, -1) {
			check(string(raw[m[2]:m[3]]), i, m[2], raw, false)
		}
	}
}

var bareDirs = [][]byte{[]byte("reference"), []byte("scripts/"), []byte("assets/"), []byte("templates/")}

// mayHoldBarePath is a cheap test that must be true wherever barePath matches. Every such path has a
// '/', which most prose lines lack, so one IndexByte settles most lines.
func mayHoldBarePath(line []byte) bool {
	if bytes.IndexByte(line, '/') < 0 {
		return false
	}
	for _, d := range bareDirs {
		if bytes.Contains(line, d) {
			return true
		}
	}
	return false
}

// maskCode returns line with inline code spans' contents replaced by NUL bytes, so link patterns skip
// them: `[a](b)` in backticks is an example, not a link.
func maskCode(line []byte) []byte {
	out := append([]byte(nil), line...)
	for i := 0; i < len(out); {
		if out[i] != '`' {
			i++
			continue
		}
		n := 0
		for i+n < len(out) && out[i+n] == '`' {
			n++
		}
		ticks := bytes.Repeat([]byte{'`'}, n)
		end := bytes.Index(out[i+n:], ticks)
		if end < 0 {
			break
		}
		for j := i + n; j < i+n+end; j++ {
			out[j] = 0
		}
		i += 2*n + end
	}
	return out
}

// cleanTarget turns a link target into a folder-relative path, or reports false for targets that are
// not local files: URLs, anchors, absolute paths, templates and globs.
func cleanTarget(t string) (string, bool) {
	t = strings.TrimSuffix(strings.TrimPrefix(t, "<"), ">")
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
