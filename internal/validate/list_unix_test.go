//go:build unix

package validate

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/skillctl/skillctl/internal/manifest"
)

// list sees what filepath.WalkDir sees: every file, symlinks as files (never followed), .git and
// node_modules below the root skipped, with the same types.
func TestListMatchesWalkDir(t *testing.T) {
	root := tree(t, map[string]string{
		"a/SKILL.md": "x", "a/b/c/d.txt": "x", "a/.hidden/e": "x", "skill.md": "x",
		".git/config": "x", "x/node_modules/y/SKILL.md": "x", "z y/ünï/SKILL.md": "x",
	})
	for _, l := range [][2]string{{"a", "link-dir"}, {"a/SKILL.md", "a/b/SKILL.md"}, {"missing", "dangling"}} {
		if err := os.Symlink(filepath.Join(root, l[0]), filepath.Join(root, l[1])); err != nil {
			t.Skip("symlink:", err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "a", "b", "fifo"), 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	var want []string
	wantTypes := map[string]fs.FileMode{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (d.Name() == ".git" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		want = append(want, rel)
		if manifest.IsFileName(d.Name()) {
			wantTypes[rel] = d.Type()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, jobs := range []int{1, 2, 7} {
		l, err := list(root, jobs)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(l.files, want) {
			t.Errorf("jobs %d:\n got %q\nwant %q", jobs, l.files, want)
		}
		if fmt.Sprint(l.skillFiles) != fmt.Sprint(wantTypes) {
			t.Errorf("jobs %d: types %v, want %v", jobs, l.skillFiles, wantTypes)
		}
	}
	if _, err := list(filepath.Join(root, "missing"), 2); err == nil {
		t.Error("listing a missing folder did not fail")
	}
}
