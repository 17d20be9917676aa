// Package risk flags what in a skill folder deserves a human look before it lands: code that can run,
// text a reader cannot see but an agent reads, shell one-liners that run whatever a server sends, and the
// hosts the skill points at. It only reads the folder in memory: no file, no network, no execution.
package risk

import (
	"bytes"
	"fmt"
	"net"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// Kinds of finding. Their strings are part of the CLI's JSON output.
const (
	// KindExecutable is a file that can run: executable bit, a shebang, or a script extension.
	KindExecutable = "executable"
	// KindHiddenComment is an HTML comment in markdown: invisible when rendered, read by the agent.
	KindHiddenComment = "hidden-html-comment"
	// KindInvisible is a zero-width, invisible or Unicode tag character: text an agent reads and a
	// reviewer cannot see.
	KindInvisible = "invisible-unicode"
	// KindBidi is a bidirectional embedding, override or isolate control: text shown in another order
	// than it is read ("Trojan Source").
	KindBidi = "bidi-control"
	// KindPipeToShell is a download piped into an interpreter (curl | sh, iwr | iex): it runs whatever
	// the server sends at that moment, which no review of the skill can see.
	KindPipeToShell = "pipe-to-shell"
	// KindExternalLink is the first http(s) link to each host outside loopback and reserved example
	// domains. It is informational: where the skill sends agents and readers.
	KindExternalLink = "external-link"
)

// Finding is one thing worth a look. Line is 1-based; 0 means the whole file, or the name itself for a
// finding about a file or folder name. Detail is printable: every control or invisible character in it is
// escaped, so a finding cannot hide or forge output itself. Path is the exact name; String escapes it.
type Finding struct {
	Path   string `json:"path"`
	Line   int    `json:"line"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// String is the finding as one line of text, the path escaped like the detail (JSON keeps it exact).
func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", printable(f.Path), f.Line, f.Kind, f.Detail)
	}
	return fmt.Sprintf("%s: %s: %s", printable(f.Path), f.Kind, f.Detail)
}

// maxPerFile bounds the findings of one kind in one file, so a hostile file cannot flood the output;
// the rest are counted in one last finding.
const maxPerFile = 10

// binaryProbe is how much of a file is looked at for a NUL byte, git's own test for binary content.
const binaryProbe = 8000

// Scan returns f's findings sorted by path, line and kind. Symlinks are not read through (their target is
// checked elsewhere); binary files are only checked for being executable.
func Scan(f *snapshot.Folder) []Finding {
	var out []Finding
	hosts := map[string]bool{}
	names := map[string]bool{}
	for _, fl := range f.Files {
		out = append(out, nameChecks(fl.Path, names)...)
		if fl.Mode == snapshot.Symlink {
			continue
		}
		if d := executable(fl); d != "" {
			out = append(out, Finding{Path: fl.Path, Line: firstLineIf(fl.Data), Kind: KindExecutable, Detail: d})
		}
		if isBinary(fl.Data) {
			continue
		}
		out = append(out, scanText(fl.Path, string(fl.Data), hosts)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Kind < b.Kind
	})
	return out
}

// scriptExt are extensions of files an agent is likely to be told to run.
var scriptExt = map[string]bool{
	".sh": true, ".bash": true, ".zsh": true, ".fish": true, ".ksh": true, ".py": true, ".pyw": true,
	".ps1": true, ".psm1": true, ".bat": true, ".cmd": true, ".vbs": true, ".js": true, ".mjs": true,
	".cjs": true, ".ts": true, ".rb": true, ".pl": true, ".php": true, ".lua": true, ".exe": true,
	".dll": true, ".so": true, ".dylib": true, ".jar": true, ".applescript": true, ".command": true,
}

func executable(fl snapshot.File) string {
	var why []string
	if fl.Mode == snapshot.Executable {
		why = append(why, "executable bit")
	}
	if len(fl.Data) > 2 && fl.Data[0] == '#' && fl.Data[1] == '!' {
		line, _, _ := strings.Cut(string(fl.Data[2:min(len(fl.Data), 200)]), "\n")
		why = append(why, "shebang "+printable(strings.TrimSpace(line)))
	}
	if ext := strings.ToLower(path.Ext(fl.Path)); scriptExt[ext] {
		why = append(why, ext+" file")
	}
	return strings.Join(why, ", ")
}

func firstLineIf(data []byte) int {
	if len(data) > 1 && data[0] == '#' && data[1] == '!' {
		return 1
	}
	return 0
}

func isBinary(b []byte) bool {
	for _, c := range b[:min(len(b), binaryProbe)] {
		if c == 0 {
			return true
		}
	}
	return false
}

func isMarkdown(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".md", ".markdown", ".mdx", ".mdown":
		return true
	}
	return false
}

// capper drops findings past maxPerFile per kind and counts them.
type capper struct {
	out   []Finding
	count map[string]int
	path  string
}

func (c *capper) add(line int, kind, detail string) {
	c.count[kind]++
	if c.count[kind] <= maxPerFile {
		c.out = append(c.out, Finding{Path: c.path, Line: line, Kind: kind, Detail: detail})
	}
}

func (c *capper) finish() []Finding {
	kinds := make([]string, 0, len(c.count))
	for k := range c.count {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if n := c.count[k]; n > maxPerFile {
			c.out = append(c.out, Finding{Path: c.path, Kind: k, Detail: fmt.Sprintf("and %d more lines like it", n-maxPerFile)})
		}
	}
	return c.out
}

func scanText(p, text string, hosts map[string]bool) []Finding {
	c := &capper{count: map[string]int{}, path: p}
	md := isMarkdown(p)
	fence := ""  // the open code fence's marker in markdown, or ""
	comment := 0 // line where an open HTML comment started, or 0
	var commentText string
	lineNo := 0
	var lower []byte
	for len(text) > 0 {
		lineNo++
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		unicodeChecks(c, lineNo, line, lineNo == 1)
		if pipesToShell(line, &lower) {
			c.add(lineNo, KindPipeToShell, clip(strings.TrimSpace(line)))
		}
		if strings.Contains(line, "://") {
			for _, m := range urlRe.FindAllStringSubmatch(line, -1) {
				h := hostOf(m[1])
				if h == "" || hosts[h] || !external(h) {
					continue
				}
				hosts[h] = true
				c.out = append(c.out, Finding{Path: p, Line: lineNo, Kind: KindExternalLink, Detail: h})
			}
		}
		if !md {
			continue
		}
		// Markdown: HTML comments outside code fences render as nothing.
		if comment == 0 {
			if m := fenceRe.FindStringSubmatch(line); m != nil {
				switch {
				case fence == "":
					fence = m[1]
				case strings.HasPrefix(m[1], fence[:1]) && len(m[1]) >= len(fence) && strings.TrimSpace(line[len(m[0]):]) == "":
					fence = ""
				}
				continue
			}
			if fence != "" {
				continue
			}
		}
		s := line
		for s != "" {
			if comment == 0 {
				i := strings.Index(s, "<!--")
				if i < 0 {
					break
				}
				if inCodeSpan(s, i) {
					s = s[i+4:]
					continue
				}
				comment, commentText, s = lineNo, "", s[i+4:]
				continue
			}
			j := strings.Index(s, "-->")
			if j < 0 {
				commentText += s + " "
				break
			}
			commentText += s[:j]
			c.add(comment, KindHiddenComment, describeComment(commentText))
			comment, s = 0, s[j+3:]
		}
		if comment != 0 {
			commentText = clipRaw(commentText, 400)
		}
	}
	if comment != 0 {
		c.add(comment, KindHiddenComment, "unclosed: hides the rest of the file: "+describeComment(commentText))
	}
	return c.finish()
}

// inCodeSpan reports whether byte i of line sits inside a `code span`, where "<!--" is shown, not hidden.
func inCodeSpan(line string, i int) bool {
	return strings.Count(line[:i], "`")%2 == 1
}

func describeComment(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "empty comment"
	}
	return fmt.Sprintf("%d characters: %s", utf8.RuneCountInString(s), clip(s))
}

var fenceRe = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")

// unicodeChecks flags invisible and bidirectional characters on one line, naming each code point once.
func unicodeChecks(c *capper, lineNo int, line string, first bool) {
	if isASCII(line) {
		return // most lines: nothing here can be invisible or reorder text
	}
	var inv, bidi []string
	seen := map[rune]bool{}
	for i, r := range line {
		if r == utf8.RuneError || r < 0x80 {
			continue
		}
		if first && i == 0 && r == 0xFEFF {
			continue // a byte-order mark at the start of a file is an encoding marker, not hidden text
		}
		kind := classify(r)
		if kind == "" || seen[r] || joinsScript(line, i, r) {
			continue
		}
		seen[r] = true
		name := fmt.Sprintf("U+%04X", r)
		if n := names[r]; n != "" {
			name += " " + n
		}
		if kind == KindBidi {
			bidi = append(bidi, name)
		} else {
			inv = append(inv, name)
		}
	}
	if len(inv) > 0 {
		c.add(lineNo, KindInvisible, strings.Join(inv, ", "))
	}
	if len(bidi) > 0 {
		c.add(lineNo, KindBidi, strings.Join(bidi, ", "))
	}
}

// nameChecks flags invisible and bidirectional characters in the names of p and of the folders on its way,
// each folder once (seen holds those already checked). A name is shown in listings, reviews and prompts,
// where "read\u202Etxt.sh" reads as "readhs.txt": it deserves the same look as the text inside a file.
func nameChecks(p string, seen map[string]bool) []Finding {
	var out []Finding
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		prefix := p[:i]
		if seen[prefix] {
			continue
		}
		seen[prefix] = true
		name := path.Base(prefix)
		c := &capper{count: map[string]int{}, path: prefix}
		unicodeChecks(c, 0, name, false)
		for _, f := range c.out {
			what := "file"
			if i < len(p) {
				what = "folder"
			}
			f.Detail = "in the " + what + " name: " + f.Detail
			out = append(out, f)
		}
	}
	return out
}

// joinsScript reports whether a zero-width joiner or non-joiner at byte i sits between two non-ASCII
// characters, where it is part of an emoji sequence or of Persian or Indic spelling, not hidden text.
func joinsScript(line string, i int, r rune) bool {
	if r != 0x200D && r != 0x200C {
		return false
	}
	prev, _ := utf8.DecodeLastRuneInString(line[:i])
	next, _ := utf8.DecodeRuneInString(line[i+utf8.RuneLen(r):])
	return prev >= 0x80 && prev != utf8.RuneError && next >= 0x80 && next != utf8.RuneError && classify(prev) == "" && classify(next) == ""
}

func classify(r rune) string {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return KindBidi
	case r == 0x200B, r == 0x200C, r == 0x200D, r == 0x2060, r == 0xFEFF, r == 0x00AD, r == 0x180E,
		r >= 0x2061 && r <= 0x2064,                         // invisible math operators
		r >= 0xE0000 && r <= 0xE007F,                       // tag characters: ASCII smuggled past the eye
		r >= 0xE0100 && r <= 0xE01EF,                       // variation selectors supplement: another byte-smuggling channel
		r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0: // Hangul fillers render as blank
		return KindInvisible
	}
	return ""
}

var names = map[rune]string{
	0x200B: "zero width space", 0x200C: "zero width non-joiner", 0x200D: "zero width joiner",
	0x2060: "word joiner", 0xFEFF: "zero width no-break space", 0x00AD: "soft hyphen",
	0x202A: "left-to-right embedding", 0x202B: "right-to-left embedding", 0x202C: "pop directional formatting",
	0x202D: "left-to-right override", 0x202E: "right-to-left override", 0x2066: "left-to-right isolate",
	0x2067: "right-to-left isolate", 0x2068: "first strong isolate", 0x2069: "pop directional isolate",
}

func init() {
	for r := rune(0xE0000); r <= 0xE007F; r++ {
		names[r] = "tag"
	}
}

// Pipe-to-shell shapes: a downloader piped into an interpreter, PowerShell's iwr | iex, and an
// interpreter fed a download through $(...) or <(...).
var (
	pipeToShell = regexp.MustCompile(`(?i)\b(curl|wget|fetch|http|aria2c)\b[^|\n]*\|\s*(sudo\s+(-\S+\s+)*)?(env\s+)?(ba|z|k|da|fi|c|tc)?sh\b|(?i)\b(curl|wget)\b[^|\n]*\|\s*(sudo\s+)?(python[0-9.]*|perl|ruby|node|php|pwsh|powershell)\b`)
	psPipe      = regexp.MustCompile(`(?i)\b(iwr|irm|invoke-webrequest|invoke-restmethod|new-object\s+net\.webclient|downloadstring)\b.*(\|\s*(iex|invoke-expression)\b|\biex\b)|(?i)\b(iex|invoke-expression)\b\s*\(?\s*(\(\s*)?(iwr|irm|invoke-webrequest|invoke-restmethod|new-object\s+net\.webclient)`)
	subShell    = regexp.MustCompile(`(?i)\b(ba|z|k|da)?sh\s+(-c\s+)?["']?(\$\(|<\(|` + "`" + `)\s*(curl|wget)\b|(?i)\b(eval|source|\.)\s+["']?(\$\(|<\(|` + "`" + `)\s*(curl|wget)\b`)
)

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// pipeWords are the words one of the pipe-to-shell expressions needs on a line, in lower case.
var pipeWords = [][]byte{[]byte("curl"), []byte("wget"), []byte("fetch"), []byte("http"), []byte("aria2c"), []byte("iwr"), []byte("irm"), []byte("invoke-"), []byte("webclient"), []byte("downloadstring"), []byte("iex")}

var (
	iexWord    = []byte("iex")
	invokeExpr = []byte("invoke-expression")
	subOpeners = [][]byte{[]byte("$("), []byte("<("), []byte("`")}
)

// pipesToShell reports whether line pipes a download into a shell (pipeToShell, psPipe, subShell). Each
// expression runs only on a line that holds what it cannot match without: a download word for all three,
// then a '|' for pipeToShell, "iex" or "invoke-expression" for psPipe, and "$(", "<(" or a backquote for
// subShell. Most lines hold none, and the expressions backtrack, so this keeps a review's scan linear in
// practice. buf is scratch space for the line in lower case, reused from line to line: an ASCII line is
// lowered without an allocation; any other takes Unicode's full lower-casing, since folding reaches ASCII
// letters from others (the Kelvin sign folds to k, as the expressions' (?i) does).
func pipesToShell(line string, buf *[]byte) bool {
	b := (*buf)[:0]
	if isASCII(line) {
		for i := 0; i < len(line); i++ {
			ch := line[i]
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			b = append(b, ch)
		}
	} else {
		b = append(b, strings.ToLower(line)...)
	}
	*buf = b
	word := false
	for _, k := range pipeWords {
		if bytes.Contains(b, k) {
			word = true
			break
		}
	}
	if !word {
		return false
	}
	if bytes.IndexByte(b, '|') >= 0 && pipeToShell.MatchString(line) {
		return true
	}
	if (bytes.Contains(b, iexWord) || bytes.Contains(b, invokeExpr)) && psPipe.MatchString(line) {
		return true
	}
	for _, o := range subOpeners {
		if bytes.Contains(b, o) {
			return subShell.MatchString(line)
		}
	}
	return false
}

var urlRe = regexp.MustCompile(`(?i)\bhttps?://((?:\[[0-9a-f:.]+\])?[^\s<>"'\x60()\[\]{}|\\^]*)`)

// hostOf takes the host out of the part of a URL after "scheme://": no user-info, no port, lowercase.
func hostOf(rest string) string {
	end := strings.IndexAny(rest, "/?#")
	if end >= 0 {
		rest = rest[:end]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if strings.HasPrefix(rest, "[") {
		if i := strings.Index(rest, "]"); i > 0 {
			return strings.ToLower(rest[1:i])
		}
		return ""
	}
	if h, _, err := net.SplitHostPort(rest); err == nil {
		rest = h
	}
	rest = strings.TrimRight(strings.ToLower(rest), ".,;:!?*_~")
	if rest == "" || !utf8.ValidString(rest) || strings.ContainsFunc(rest, func(r rune) bool { return r < 0x21 || r == 0x7f || classify(r) != "" }) {
		return clip(rest)
	}
	return clipRaw(rest, 253) // the longest DNS name
}

// external reports whether a host is outside loopback and the names reserved for documentation
// (RFC 2606, RFC 6761), which no one can register.
func external(h string) bool {
	if ip := net.ParseIP(h); ip != nil {
		return !ip.IsLoopback() && !ip.IsUnspecified()
	}
	if h == "localhost" || h == "example.com" || h == "example.org" || h == "example.net" {
		return false
	}
	for _, s := range []string{".localhost", ".example", ".test", ".invalid", ".example.com", ".example.org", ".example.net"} {
		if strings.HasSuffix(h, s) {
			return false
		}
	}
	return true
}

// clip makes s printable and short enough for one line of output.
func clip(s string) string { return clipRaw(printable(s), 80) }

func clipRaw(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// printable escapes control, invisible and bidi characters and invalid UTF-8, so a detail prints as
// exactly what it says.
func printable(s string) string { return textsafe.Escape(s) }
