package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra/doc"
)

var update = flag.Bool("update", false, "rewrite docs/cli from the commands")

// TestDocsCurrent keeps the Markdown command reference in docs/cli generated from the commands
// themselves; run `go test ./cmd/skillctl -run TestDocsCurrent -args -update` after changing a command.
func TestDocsCurrent(t *testing.T) {
	want := filepath.Join("..", "..", "docs", "cli")
	dir := t.TempDir()
	root := newRootCmd(nil)
	root.DisableAutoGenTag = true
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		t.Fatal(err)
	}
	if *update {
		os.RemoveAll(want)
		if err := os.CopyFS(want, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, _ := os.ReadDir(dir)
	have, _ := os.ReadDir(want)
	if len(got) != len(have) {
		t.Errorf("docs/cli has %d files, the commands make %d: run go test ./cmd/skillctl -run TestDocsCurrent -args -update", len(have), len(got))
	}
	for _, e := range got {
		g, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		h, err := os.ReadFile(filepath.Join(want, e.Name()))
		if err != nil || string(g) != string(h) {
			t.Errorf("docs/cli/%s is out of date: run go test ./cmd/skillctl -run TestDocsCurrent -args -update", e.Name())
		}
	}
}
