package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
)

// TestOrphans is the prune rule as a table. A lock is written as "name: deps | ..." where a name ending
// in * was requested, in ! has local edits, in ? is missing from the disk; gone are the names a remove
// takes first.
func TestOrphans(t *testing.T) {
	for _, c := range []struct {
		lock, gone  string
		force       bool
		prune, kept string // names; kept as name=reason
	}{
		{"app*: d1 | d1", "", false, "", ""},
		{"app*: d1 d2 | d1 | d2", "app", false, "d1 d2", ""},
		{"app* | old", "", false, "old", ""},
		{"app*: d1 | b*: d1 | d1", "app", false, "", ""},
		{"app*: d1 d2 | d1!: d3 | d2 | d3", "app", false, "d2", "d1=has local edits d3=needed by d1, which is kept"},
		{"app*: d1 d2 | d1!: d3 | d2 | d3", "app", true, "d1 d2 d3", ""},
		{"app*!: d1 | d1", "", false, "", ""},
		{"app*: d1 | d1?", "app", false, "d1", ""},
		{"x: y | y: x", "", false, "x y", ""}, // a cycle nothing requested reaches is no root of its own
		{"a!: b | b!", "", false, "", "a=has local edits b=needed by a, which is kept"},
	} {
		tg := pipelineTarget(t)
		lock := &lockfile.Lock{Version: lockfile.Version}
		for _, spec := range strings.Split(c.lock, "|") {
			head, deps, _ := strings.Cut(strings.TrimSpace(spec), ":")
			name := strings.TrimRight(head, "*!?")
			dir := filepath.Join(tg.Dir, name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "SKILL.md"), []byte("# "+name+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := localfs.ReadInstalled(dir)
			if err != nil {
				t.Fatal(err)
			}
			e := lockfile.Entry{Name: name, Dir: tg.Rel, Source: "./" + name, Hash: f.Hash(), Requested: strings.Contains(head, "*"),
				Dependencies: strings.Fields(deps)}
			if strings.Contains(head, "!") {
				e.Hash = "sha256-" + strings.Repeat("0", 64)
			}
			if strings.Contains(head, "?") {
				os.RemoveAll(dir)
			}
			lock.Put(e)
		}
		gone := map[string]bool{}
		for _, n := range strings.Fields(c.gone) {
			gone[n] = true
		}
		prune, kept := orphans(tg, lock, gone, c.force)
		var ks []string
		for _, k := range kept {
			ks = append(ks, k.Name+"="+k.Reason)
		}
		if got := strings.Join(prune, " "); got != c.prune {
			t.Errorf("%s (gone %q, force %v): prune %q, want %q", c.lock, c.gone, c.force, got, c.prune)
		}
		if got := strings.Join(ks, " "); got != c.kept {
			t.Errorf("%s (gone %q, force %v): kept %q, want %q", c.lock, c.gone, c.force, got, c.kept)
		}
	}
}
