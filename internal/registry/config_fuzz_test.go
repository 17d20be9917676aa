package registry

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// FuzzReadConfig feeds arbitrary bytes as a cloned project's .skillctl/registries.json: reading it must not
// panic or hang, and whatever it accepts has valid names, URLs that print as they are, and git
// registries (and sites) only over the schemes skillctl fetches, and folder registries only inside the project.
func FuzzReadConfig(f *testing.F) {
	for _, s := range []string{
		`{"registries":[{"name":"team","url":"https://github.com/o/r"}]}`,
		`{"registries":[{"name":"team","url":"o/r"},{"name":"team","url":"x/y"}]}`,
		`{"registries":[{"name":"local","url":"./skills"}]}`,
		`{"registries":[{"name":"abs","url":"/etc"},{"name":"home","url":"~/.ssh"}]}`,
		`{"registries":[{"name":"f","url":"file:///etc"},{"name":"s","url":"ssh://git@h/x.git"},{"name":"j","url":"javascript:alert(1)"}]}`,
		`{"registries":[{"name":"e\u001b]0;x\u0007","url":"https://h/x.git\u202e"}]}`,
		`{"registries":[{"name":"site","url":"https://0/"}]}`,
		`{"registries":null}`, `[]`, `{`, ``, "\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		os.Mkdir(filepath.Join(root, "skills"), 0o755)
		file := filepath.Join(root, filepath.FromSlash(ProjectFile))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		regs, _, err := readConfig(file, ScopeProject)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
		if err != nil {
			return
		}
		for _, r := range regs {
			if !manifest.ValidName(r.Name) || r.Name == BuiltinName {
				t.Fatalf("accepted registry name %q", r.Name)
			}
			if textsafe.Escape(r.URL) != r.URL {
				t.Fatalf("accepted URL %q with hidden characters", r.URL)
			}
			if r.IsLocal() {
				if !filepath.IsAbs(r.dir) || !localfs.Inside(root, r.dir) {
					t.Fatalf("project registry %q reads the folder %q, outside the project", r.URL, r.dir)
				}
				continue
			}
			if r.site != "" {
				if !hasScheme(r.site, "https://", "http://") || r.repo != "" {
					t.Fatalf("site registry %q reads %q (repo %q)", r.URL, r.site, r.repo)
				}
				continue
			}
			if !hasScheme(r.repo, "https://", "http://") {
				t.Fatalf("git registry %q fetches from %q", r.URL, r.repo)
			}
		}
	})
}

func hasScheme(s string, schemes ...string) bool {
	for _, p := range schemes {
		if len(s) >= len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}
