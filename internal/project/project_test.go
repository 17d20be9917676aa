package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFind builds each case's tree under a temp folder: entries ending in "/" are folders, others files.
// from is where the walk starts; want is the root it must find ("" = not found: the start itself).
func TestFind(t *testing.T) {
	tests := []struct {
		name  string
		tree  []string
		from  string
		want  string
		found bool
	}{
		{"lock in the start folder", []string{"p/skills.lock"}, "p", "p", true},
		{"lock two levels up", []string{"p/skills.lock", "p/a/b/"}, "p/a/b", "p", true},
		{".skillctl folder marks the root", []string{"p/.skillctl/registries.json", "p/src/"}, "p/src", "p", true},
		{"top of a git work tree", []string{"repo/.git/HEAD", "repo/docs/deep/"}, "repo/docs/deep", "repo", true},
		{"a .git file (linked worktree, submodule)", []string{"wt/.git", "wt/x/"}, "wt/x", "wt", true},
		{"nearest marker wins: lock below the git top", []string{"repo/.git/", "repo/sub/skills.lock", "repo/sub/x/"}, "repo/sub/x", "repo/sub", true},
		{"nearest marker wins: git top below an outer lock", []string{"skills.lock", "repo/.git/", "repo/x/"}, "repo/x", "repo", true},
		{"a folder named skills.lock counts like the file", []string{"p/skills.lock/", "p/q/"}, "p/q", "p", true},
		{"no marker anywhere: the start folder", []string{"a/b/c/"}, "a/b/c", "a/b/c", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			for _, e := range tt.tree {
				p := filepath.Join(base, filepath.FromSlash(e))
				if strings.HasSuffix(e, "/") {
					must(t, os.MkdirAll(p, 0o755))
					continue
				}
				must(t, os.MkdirAll(filepath.Dir(p), 0o755))
				must(t, os.WriteFile(p, nil, 0o644))
			}
			root, found, err := Find(filepath.Join(base, tt.from))
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(base, filepath.FromSlash(tt.want))
			if tt.want == "" {
				want = base
			}
			if found != tt.found || (tt.found && root != want) || (!tt.found && root != filepath.Join(base, tt.from)) {
				t.Errorf("Find(%s) = %s, %v; want %s, %v", tt.from, root, found, want, tt.found)
			}
		})
	}
}

func TestFindRelative(t *testing.T) {
	base := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(base, "p", "a"), 0o755))
	must(t, os.WriteFile(filepath.Join(base, "p", "skills.lock"), nil, 0o644))
	t.Chdir(filepath.Join(base, "p", "a"))
	for _, from := range []string{".", ""} {
		root, found, err := Find(from)
		if err != nil || !found || root != filepath.Join(base, "p") {
			t.Errorf("Find(%q) = %s, %v, %v", from, root, found, err)
		}
	}
	root, found, err := Root()
	if err != nil || !found || root != filepath.Join(base, "p") {
		t.Errorf("Root() = %s, %v, %v", root, found, err)
	}
}

func TestGlobalLock(t *testing.T) {
	t.Setenv("SKILLCTL_CONFIG_DIR", "/cfg/skillctl")
	got, err := GlobalLock()
	if err != nil || got != filepath.FromSlash("/cfg/skillctl/global/skills.lock") {
		t.Errorf("GlobalLock = %s, %v", got, err)
	}
	t.Setenv("SKILLCTL_CONFIG_DIR", "")
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	t.Setenv("HOME", "/home/u")
	got, err = GlobalLock()
	if want, _ := os.UserConfigDir(); err != nil || got != filepath.Join(want, "skillctl", "global", "skills.lock") {
		t.Errorf("GlobalLock = %s, %v", got, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
