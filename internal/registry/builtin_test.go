package registry

import (
	"strings"
	"testing"
)

func TestBuiltin(t *testing.T) {
	b := NewBuiltin()
	names := b.Names()
	if len(names) == 0 {
		t.Fatal("no bundled skills")
	}
	for _, n := range names {
		f, ok := b.Folder(n)
		if !ok || f.File("SKILL.md") == nil {
			t.Fatalf("%s: no SKILL.md", n)
		}
		if !strings.HasPrefix(f.Hash(), "sha256-") {
			t.Fatalf("%s: hash %q", n, f.Hash())
		}
	}
	for _, bad := range []string{"", "..", "../x", "a/b", "no-such-skill"} {
		if _, ok := b.Folder(bad); ok {
			t.Errorf("Folder(%q) found something", bad)
		}
	}
	f, _ := b.Folder("python-async-patterns")
	if f == nil {
		t.Skip("python-async-patterns not bundled yet")
	}
	exec := 0
	for _, fl := range f.Files {
		if strings.HasPrefix(fl.Path, "scripts/") && fl.Mode == 0o100755 {
			exec++
		}
	}
	if exec == 0 {
		t.Errorf("python-async-patterns: no executable script survived embedding")
	}
}
