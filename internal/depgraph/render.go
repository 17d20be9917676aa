package depgraph

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/skillctl/skillctl/internal/textsafe"
)

// Formats lists what Render accepts.
var Formats = []string{"text", "json", "dot", "mermaid"}

// Render writes the graph reachable from roots (the whole graph when there are none) in format: "text", a
// tree with repeated subtrees shown once and marked "(*)", missing names "(missing: why)", edges that close
// a cycle "(cycle)", and related skills listed apart; "json", nodes and edges; "dot" and "mermaid", with
// related edges dashed. The output depends only on the graph and the roots.
//
// Names and reasons come from repositories and are untrusted: text, dot and mermaid show them through
// textsafe.Escape (no control, format or invalid byte reaches the output) and quote them for their syntax,
// so no name can add a line, a node, an edge or an attribute; JSON keeps the exact strings.
func (g *Graph) Render(w io.Writer, format string, roots ...string) error {
	if len(roots) == 0 {
		roots = g.defaultRoots()
	}
	roots = appendNew(nil, roots)
	v := g.view(roots)
	bw := bufio.NewWriter(w)
	switch format {
	case "text":
		g.renderText(bw, roots, v)
	case "json":
		if err := v.renderJSON(bw); err != nil {
			return err
		}
	case "dot":
		v.renderDot(bw)
	case "mermaid":
		v.renderMermaid(bw)
	default:
		return fmt.Errorf("render: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
	}
	return bw.Flush()
}

type node struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"` // the release it is at, when it is one
	Missing bool   `json:"missing,omitempty"`
	Why     string `json:"why,omitempty"`
}

type edge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Kind  string `json:"kind"`            // "depends" or "related"
	Cycle bool   `json:"cycle,omitempty"` // this depends edge closes a cycle
}

// view is the part of the graph reachable from the roots: nodes in the order a depth-first walk first meets
// them, then related names outside it; edges in node order, depends before related, each in declared order.
type view struct {
	Nodes []node `json:"nodes"`
	Edges []edge `json:"edges"`

	reached map[string]bool // names reached by depends-on edges or as roots, not only as suggestions
}

func (g *Graph) view(roots []string) view {
	var order []string
	seen := map[string]bool{}
	var pre func(string)
	pre = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		order = append(order, n)
		for _, d := range g.deps[n] {
			pre(d)
		}
	}
	for _, r := range roots {
		pre(r)
	}
	closing := map[[2]string]bool{}
	g.walk(roots, func(string) {}, func(string) {}, func(c []string) { closing[[2]string{c[len(c)-1], c[0]}] = true })

	v := view{reached: seen}
	listed := maps.Clone(seen)
	for _, n := range order {
		if !g.found(n) {
			v.Nodes = append(v.Nodes, node{Name: n, Missing: true, Why: g.why(n)})
		} else {
			v.Nodes = append(v.Nodes, node{Name: n, Version: g.version[n]})
		}
	}
	for _, n := range order {
		for _, d := range g.deps[n] {
			v.Edges = append(v.Edges, edge{From: n, To: d, Kind: "depends", Cycle: closing[[2]string{n, d}]})
		}
		for _, r := range g.related[n] {
			v.Edges = append(v.Edges, edge{From: n, To: r, Kind: "related"})
			if !listed[r] {
				listed[r] = true
				nd := node{Name: r}
				if why, ok := g.missing[r]; ok {
					nd = node{Name: r, Missing: true, Why: why}
				}
				v.Nodes = append(v.Nodes, nd)
			}
		}
	}
	if v.Nodes == nil {
		v.Nodes = []node{}
	}
	if v.Edges == nil {
		v.Edges = []edge{}
	}
	return v
}

func (g *Graph) renderText(w io.Writer, roots []string, v view) {
	expanded := map[string]bool{}
	var line func(n, prefix, branch string, ancestors []string)
	line = func(n, prefix, branch string, ancestors []string) {
		label := textsafe.Escape(n)
		if ver := g.version[n]; ver != "" {
			label += " " + textsafe.Escape(ver)
		}
		expand := false
		switch {
		case !g.found(n):
			label += " (missing: " + textsafe.Escape(g.why(n)) + ")"
		case slices.Contains(ancestors, n):
			label += " (cycle)"
		case expanded[n] && len(g.deps[n]) > 0:
			label += " (*)"
		default:
			expand = true
		}
		fmt.Fprintf(w, "%s%s%s\n", prefix, branch, label)
		if !expand {
			return
		}
		expanded[n] = true
		switch branch {
		case "├── ":
			prefix += "│   "
		case "└── ":
			prefix += "    "
		}
		ds := g.deps[n]
		anc := append(slices.Clone(ancestors), n)
		for i, d := range ds {
			b := "├── "
			if i == len(ds)-1 {
				b = "└── "
			}
			line(d, prefix, b, anc)
		}
	}
	for _, r := range roots {
		line(r, "", "", nil)
	}

	// Related skills outside the tree, each once, with the skills that suggest it.
	var names []string
	from := map[string][]string{}
	for _, e := range v.Edges {
		if e.Kind != "related" || v.reached[e.To] {
			continue
		}
		if from[e.To] == nil {
			names = append(names, e.To)
		}
		from[e.To] = appendNew(from[e.To], []string{e.From})
	}
	for _, r := range names {
		froms := make([]string, len(from[r]))
		for i, f := range from[r] {
			froms[i] = textsafe.Escape(f)
		}
		fmt.Fprintf(w, "related: %s (from %s)\n", textsafe.Escape(r), strings.Join(froms, ", "))
	}
}

func (v view) renderJSON(w io.Writer) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", textsafe.JSON(b))
	return err
}

// dotQuote makes a DOT string literal; names are arbitrary strings to this package. Hidden characters are
// escaped first, so the literal holds no control character; then backslash and quote are escaped, so the
// literal cannot end early and no DOT escape (\n, \l, \N) is taken from the name.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(textsafe.Escape(s)) + `"`
}

// dotLabel is a DOT label of lines: each line quoted by dotQuote, joined by DOT's own line break.
func dotLabel(lines ...string) string {
	q := make([]string, len(lines))
	for i, l := range lines {
		q[i] = strings.TrimSuffix(strings.TrimPrefix(dotQuote(l), `"`), `"`)
	}
	return `"` + strings.Join(q, `\n`) + `"`
}

func (v view) renderDot(w io.Writer) {
	fmt.Fprintln(w, "digraph skills {")
	for _, n := range v.Nodes {
		if n.Missing {
			fmt.Fprintf(w, "\t%s [color=red, label=%s];\n", dotQuote(n.Name), dotLabel(n.Name, "missing: "+n.Why))
		} else if n.Version != "" {
			fmt.Fprintf(w, "\t%s [label=%s];\n", dotQuote(n.Name), dotLabel(n.Name, n.Version))
		} else {
			fmt.Fprintf(w, "\t%s;\n", dotQuote(n.Name))
		}
	}
	for _, e := range v.Edges {
		attrs := ""
		switch {
		case e.Kind == "related":
			attrs = " [style=dashed]"
		case e.Cycle:
			attrs = ` [color=red, label="cycle"]`
		}
		fmt.Fprintf(w, "\t%s -> %s%s;\n", dotQuote(e.From), dotQuote(e.To), attrs)
	}
	fmt.Fprintln(w, "}")
}

// mermaidLabel makes a quoted Mermaid node text. Hidden characters are escaped first; then every character
// Mermaid reads specially in a label (the quote that ends it, '#' that starts an entity, HTML's '<', '>'
// and '&', the backquote that starts Markdown text, '\' and the brackets and pipes of its shapes and edge
// labels) is written as an entity, so a name is shown as it is and cannot end the node, start
// another or inject HTML.
func mermaidLabel(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range textsafe.Escape(s) {
		switch r {
		case '"':
			b.WriteString("#quot;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '#', '&', '`':
			fmt.Fprintf(&b, "#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (v view) renderMermaid(w io.Writer) {
	fmt.Fprintln(w, "graph TD")
	id := map[string]string{}
	for i, n := range v.Nodes {
		id[n.Name] = fmt.Sprintf("n%d", i)
		label := n.Name
		if n.Version != "" {
			label += " " + n.Version
		}
		if n.Missing {
			label += " (missing: " + n.Why + ")"
		}
		fmt.Fprintf(w, "\t%s[%s]\n", id[n.Name], mermaidLabel(label))
	}
	for _, e := range v.Edges {
		arrow := "-->"
		switch {
		case e.Kind == "related":
			arrow = "-.->"
		case e.Cycle:
			arrow = "-->|cycle|"
		}
		fmt.Fprintf(w, "\t%s %s %s\n", id[e.From], arrow, id[e.To])
	}
}
