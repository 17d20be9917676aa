package agents

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's agent table from the data")

const (
	readmeBegin = "<!-- agents table: generated from internal/agents; refresh with go test ./internal/agents -run TestREADME -update -->\n"
	readmeEnd   = "<!-- end of agents table -->\n"
)

// TestREADME keeps the README's targets table generated from the table, so the two cannot drift.
func TestREADME(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i, j := strings.Index(text, readmeBegin), strings.Index(text, readmeEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q ... %q", readmeBegin, readmeEnd)
	}
	want := text[:i+len(readmeBegin)] + MarkdownTable() + text[j:]
	if want == text {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's agent table is out of date: run go test ./internal/agents -run TestREADME -update")
}
