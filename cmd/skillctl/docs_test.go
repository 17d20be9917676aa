package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/skillctl/skillctl/internal/source"
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

// TestSourceFormsDocs keeps every list of the accepted sources made from the one list, source.Forms:
// the README's table, the bundled skill's and its reference's. (install --help and the parse errors'
// hint are made from it in code; docs/cli follows from TestDocsCurrent.) With -update it rewrites the
// text between the markers.
func TestSourceFormsDocs(t *testing.T) {
	const (
		start = "[//]: # (source forms: made from internal/source Forms by go test ./cmd/skillctl -run TestSourceFormsDocs -args -update)\n"
		end   = "[//]: # (end of source forms)\n"
	)
	root := filepath.Join("..", "..")
	for file, block := range map[string]string{
		"README.md": source.FormsMarkdown(),
		"skills/skillctl/references/sources-and-lockfile.md": source.FormsMarkdown(),
		"skills/skillctl/SKILL.md":                           "```\n" + source.FormsText("") + "\n```\n\n" + source.ReadingRule + "\n",
	} {
		path := filepath.Join(root, filepath.FromSlash(file))
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		i, j := strings.Index(text, start), strings.Index(text, end)
		if i < 0 || j < i {
			t.Errorf("%s: no source forms markers", file)
			continue
		}
		// Blank lines around the block: a marker is a link definition, which cannot interrupt a paragraph.
		want := text[:i+len(start)] + "\n" + block + "\n" + text[j:]
		if want == text {
			continue
		}
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s: the source forms differ from source.Forms: run go test ./cmd/skillctl -run TestSourceFormsDocs -args -update", file)
	}
}

// TestREADMECommands keeps the README's command table complete: a row for every command, naming every
// alias of the command and of its subcommands, so the words people bring from other tools are findable.
func TestREADMECommands(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n## Commands\n")
	if i < 0 {
		t.Fatal("README.md: no ## Commands section")
	}
	section := text[i+1:]
	if j := strings.Index(section[1:], "\n## "); j >= 0 {
		section = section[:j+1]
	}
	rows := map[string]string{} // command name → its rows' first cells
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `skillctl ") {
			continue
		}
		cell := strings.SplitN(line[2:], " | ", 2)[0]
		name := strings.Fields(strings.TrimPrefix(cell, "`skillctl "))[0]
		rows[strings.Trim(name, "`,")] += cell
	}
	for _, c := range newRootCmd(nil).Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		cell, ok := rows[c.Name()]
		if !ok {
			t.Errorf("README.md: the command table has no row for skillctl %s", c.Name())
			continue
		}
		aliases := c.Aliases
		for _, sub := range c.Commands() {
			aliases = append(aliases, sub.Aliases...)
		}
		for _, a := range aliases {
			if !strings.Contains(cell, "`"+a+"`") {
				t.Errorf("README.md: the row for skillctl %s does not name its alias %s", c.Name(), a)
			}
		}
	}
}

// TestREADMEMergeDriver: the merge driver set up exactly as the README says is the one lock_merge.txtar
// runs under a real git merge, so the documented lines are the tested ones.
func TestREADMEMergeDriver(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ar, err := txtar.ParseFile(filepath.Join("testdata", "script", "lock_merge.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var attributes, driver string
	for _, f := range ar.Files {
		if f.Name == "gitattributes" {
			attributes = strings.TrimSpace(string(f.Data))
		}
	}
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		if rest, ok := strings.CutPrefix(line, "exec git config merge.skillctl.driver "); ok {
			driver = strings.Trim(rest, "'")
		}
	}
	if attributes == "" || driver == "" {
		t.Fatalf("lock_merge.txtar: no gitattributes file (%q) or git config merge.skillctl.driver line (%q)", attributes, driver)
	}
	for _, want := range []string{"\n" + attributes + "\n", "\ngit config merge.skillctl.driver \"" + driver + "\"\n"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md does not hold the line lock_merge.txtar tests: %q", strings.TrimSpace(want))
		}
	}
}
