package registry

import (
	"strings"
	"testing"
)

// TestRank: an exact name first, then names starting with the term, then names holding it, then matches in
// another field; within a tier the order the registries gave (registry order, then name).
func TestRank(t *testing.T) {
	// Each match is REGISTRY:[AUTHOR/]NAME, in the order Search collects them.
	tests := []struct {
		term string
		in   string
		want string
	}{
		{"pdf", "a:docx a:pdf-tools a:xpdf a:pdf b:alice/pdf b:pdf", "a:pdf b:alice/pdf b:pdf a:pdf-tools a:xpdf a:docx"},
		{"pdf", "a:x/gen-pdf a:pdf-a b:pdf-b", "a:pdf-a b:pdf-b a:x/gen-pdf"},
		{"pdf", "a:x/gen a:pdfkit/gen", "a:pdfkit/gen a:x/gen"}, // AUTHOR/NAME starts with the term
		{"PDF", "a:reader a:pdf", "a:reader a:pdf"},             // Search lowercases the term; rank takes it as given
		{"alice/pdf", "a:bob/pdf a:alice/pdf-tools a:alice/pdf", "a:alice/pdf a:alice/pdf-tools a:bob/pdf"},
		{"", "b:z a:a b:b", "b:z a:a b:b"},
		{"sheet", "a:notes a:sheets a:spreadsheet a:sheet", "a:sheet a:sheets a:spreadsheet a:notes"},
		{"tools", "a:pdf-tools b:tools c:tools-kit", "b:tools c:tools-kit a:pdf-tools"},
	}
	for _, tt := range tests {
		var cs []Candidate
		for _, f := range strings.Fields(tt.in) {
			reg, name, _ := strings.Cut(f, ":")
			author, n, ok := strings.Cut(name, "/")
			if !ok {
				author, n = "", name
			}
			cs = append(cs, Candidate{Registry: reg, Author: author, Name: n})
		}
		rank(tt.term, cs)
		var got []string
		for _, c := range cs {
			n := c.Name
			if c.Author != "" {
				n = c.Author + "/" + n
			}
			got = append(got, c.Registry+":"+n)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("rank(%q, %s)\n got  %s\n want %s", tt.term, tt.in, strings.Join(got, " "), tt.want)
		}
	}
}
