package manifest

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// checker carries one Check call. fmLine is the file line of the first YAML line, so node positions
// (relative to the YAML text) become file positions by adding fmLine-1.
type checker struct {
	in      Input
	mode    Mode
	diags   []Diagnostic
	fmLine  int
	lineMap []int // see fileLine
}

func (c *checker) add(p Position, sev Severity, rule, format string, args ...any) {
	if p.Line < 1 {
		p = Position{1, 1}
	}
	if p.Column < 1 {
		p.Column = 1
	}
	c.diags = append(c.diags, Diagnostic{
		File: c.in.File, Line: p.Line, Column: p.Column, Severity: sev, Rule: rule,
		Message: fmt.Sprintf(format, args...),
	})
}

func (c *checker) pos(n *yaml.Node) Position {
	return Position{c.fileLine(n.Line), n.Column}
}

// fileLine maps a YAML line of the frontmatter to a line of the file. They differ when the frontmatter
// holds line breaks YAML counts but a file's lines do not (a lone CR, NEL, U+2028, U+2029).
func (c *checker) fileLine(yamlLine int) int {
	if yamlLine >= 1 && yamlLine <= len(c.lineMap) {
		return c.fmLine + c.lineMap[yamlLine-1]
	}
	if n := len(c.lineMap); n > 0 && yamlLine > n {
		return c.fmLine + c.lineMap[n-1]
	}
	return yamlLine + c.fmLine - 1
}

// mapLines records, for each YAML line of fm, how many file lines (LF-terminated) precede it.
func mapLines(fm []byte) []int {
	m := []int{0}
	lf := 0
	for i := 0; i < len(fm); i++ {
		switch b := fm[i]; {
		case b == '\n':
			lf++
			m = append(m, lf)
		case b == '\r' && (i+1 >= len(fm) || fm[i+1] != '\n'):
			m = append(m, lf)
		case b == 0xc2 && i+1 < len(fm) && fm[i+1] == 0x85:
			m = append(m, lf)
		case b == 0xe2 && i+2 < len(fm) && fm[i+1] == 0x80 && (fm[i+2] == 0xa8 || fm[i+2] == 0xa9):
			m = append(m, lf)
		}
	}
	return m
}

var start = Position{1, 1}

func (c *checker) run() *Skill {
	data := c.in.Data
	size := c.in.Size
	if int64(len(data)) > size {
		size = int64(len(data))
	}
	if size > MaxFileSize {
		c.add(start, Error, "file-too-large", "SKILL.md is %d bytes; the limit is %d: move detail into references/ files and link them", size, MaxFileSize)
		return nil
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		c.add(offsetPos(data, i), Error, "binary-file", "SKILL.md holds a NUL byte: it is binary, not Markdown text")
		return nil
	}
	if !utf8.Valid(data) {
		c.add(offsetPos(data, firstInvalid(data)), Error, "not-utf8", "SKILL.md is not valid UTF-8: save it as UTF-8")
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if bytes.Contains(data, []byte("\r\n")) {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}

	first, rest, _ := bytes.Cut(data, []byte("\n"))
	if !isDelim(first) {
		c.add(start, Error, "frontmatter-missing", "SKILL.md must start with YAML frontmatter: make the first line '---', then name: and description: fields, then a line '---'")
		return nil
	}
	// Find the closing line: the next line that is exactly "---" (trailing blanks allowed).
	fm, body, line, closed := rest, []byte(nil), 2, false
	for off := 0; off <= len(rest); {
		end := bytes.IndexByte(rest[off:], '\n')
		var ln []byte
		next := len(rest) + 1
		if end < 0 {
			ln = rest[off:]
		} else {
			ln = rest[off : off+end]
			next = off + end + 1
		}
		if isDelim(ln) {
			fm = rest[:off]
			if next <= len(rest) {
				body = rest[next:]
			}
			closed = true
			break
		}
		line++
		off = next
	}
	if !closed {
		c.add(start, Error, "frontmatter-unclosed", "the frontmatter opened on line 1 is never closed: add a line '---' after the last field")
		return nil
	}
	if len(fm) > MaxFrontmatter {
		c.add(start, Error, "frontmatter-too-large", "the frontmatter is %d bytes; the limit is %d: move long text into the body", len(fm), MaxFrontmatter)
		return nil
	}
	c.fmLine = 2
	c.lineMap = mapLines(fm)
	root := c.parseYAML(fm)
	if root == nil {
		return nil
	}
	sk := &Skill{Body: body, BodyLine: line + 1, Fields: map[string]Position{}, Extra: map[string]*yaml.Node{}}
	c.fields(root, sk)
	c.checkBody(sk)
	return sk
}

func isDelim(line []byte) bool {
	return string(bytes.TrimRight(line, " \t\r")) == "---"
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML decodes the frontmatter to nodes and enforces the size and shape bounds. It returns the
// top-level mapping, or nil after reporting why there is none. An empty frontmatter is an empty mapping,
// so the missing fields get their own findings.
func (c *checker) parseYAML(fm []byte) (root *yaml.Node) {
	var doc yaml.Node
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("yaml: %v", r)
			}
		}()
		return yaml.Unmarshal(fm, &doc)
	}()
	if err != nil {
		msg, p := err.Error(), start
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			p = Position{c.fileLine(n), 1}
			msg = m[2]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		hint := "fix the YAML; quote a value that starts with a special character"
		switch {
		case strings.Contains(msg, "mapping values are not allowed"):
			hint = "quote a value that holds ': ', e.g. description: \"Use when: ...\""
		case strings.Contains(msg, "tab character"):
			hint = "indent with spaces, not tabs"
		}
		c.add(p, Error, "yaml-syntax", "invalid YAML in frontmatter: %s: %s", msg, hint)
		return nil
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Line: 1, Column: 1}
	}
	if bad := c.walk(&doc); bad {
		return nil
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return &yaml.Node{Kind: yaml.MappingNode, Line: 1, Column: 1}
	}
	if top.Kind != yaml.MappingNode {
		c.add(c.pos(top), Error, "frontmatter-not-mapping", "the frontmatter must be a YAML mapping of fields, e.g. name: my-skill")
		return nil
	}
	return top
}

// walk bounds the node tree and refuses anchors and aliases: an alias is never followed, so nothing can
// expand, but a document that uses them is not one a strict reader accepts. In Mode.Spec it also reports
// what the reference's strict parser refuses. It returns true when the tree must not be read further.
func (c *checker) walk(doc *yaml.Node) bool {
	count := 0
	var visit func(n *yaml.Node, depth int) bool
	visit = func(n *yaml.Node, depth int) bool {
		count++
		if count > maxNodes || depth > maxDepth {
			c.add(start, Error, "frontmatter-too-large", "the frontmatter has more than %d YAML nodes or nests deeper than %d levels: flatten it", maxNodes, maxDepth)
			return true
		}
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			c.add(c.pos(n), Error, "yaml-alias", "YAML anchors and aliases are not allowed in frontmatter: write the value out")
			return true
		}
		if c.mode.Spec {
			if (n.Kind == yaml.SequenceNode || n.Kind == yaml.MappingNode) && n.Style&yaml.FlowStyle != 0 {
				c.add(c.pos(n), Error, "yaml-flow-style", "the reference validator refuses flow collections ([a, b] or {a: b}): write one item a line")
			}
			if n.Style&yaml.TaggedStyle != 0 {
				c.add(c.pos(n), Error, "yaml-tag", "the reference validator refuses YAML tags (%s): remove the tag", n.Tag)
			}
		}
		for _, k := range n.Content {
			if visit(k, depth+1) {
				return true
			}
		}
		return false
	}
	return visit(doc, 0)
}

// offsetPos turns a byte offset into a 1-based line and character column.
func offsetPos(data []byte, off int) Position {
	if off > len(data) {
		off = len(data)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	ls := bytes.LastIndexByte(data[:off], '\n') + 1
	return Position{line, 1 + utf8.RuneCount(data[ls:off])}
}

func firstInvalid(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}
