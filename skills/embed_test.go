package skills

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEverySkillEmbedded keeps the //go:embed line in step with the folders on disk, so a new skill
// cannot ship in the repository yet be missing from the binary.
func TestEverySkillEmbedded(t *testing.T) {
	onDisk := skillDirs(t)
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	var embedded []string
	for _, e := range entries {
		embedded = append(embedded, e.Name())
	}
	if !slices.Equal(onDisk, embedded) {
		t.Errorf("skill folders on disk %v, embedded %v: list every folder in the //go:embed line of embed.go", onDisk, embedded)
	}
	for _, dir := range onDisk {
		if _, err := fs.Stat(FS, dir+"/SKILL.md"); err != nil {
			t.Errorf("%s: SKILL.md not embedded: %v", dir, err)
		}
	}
}

// TestEveryFileEmbedded catches files the embed patterns silently skip (names starting with "." or "_").
func TestEveryFileEmbedded(t *testing.T) {
	for _, dir := range skillDirs(t) {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if _, err := fs.Stat(FS, filepath.ToSlash(path)); err != nil {
				t.Errorf("%s is on disk but not embedded: use the all: prefix in embed.go or rename it", path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestExecutable checks Executable against the modes on disk in both directions: every listed file
// exists with an exec bit, and every executable file under a scripts/ folder is listed.
func TestExecutable(t *testing.T) {
	for path := range Executable {
		info, err := os.Stat(filepath.FromSlash(path))
		if err != nil {
			t.Errorf("Executable lists %s: %v", path, err)
			continue
		}
		if info.Mode().Perm()&0o111 == 0 {
			t.Errorf("Executable lists %s but its mode on disk is %v: chmod +x it", path, info.Mode())
		}
		if _, err := fs.Stat(FS, path); err != nil {
			t.Errorf("Executable lists %s but it is not embedded: %v", path, err)
		}
	}
	for _, dir := range skillDirs(t) {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			slash := filepath.ToSlash(path)
			if !slices.Contains(strings.Split(slash, "/"), "scripts") {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.Mode().Perm()&0o111 != 0 && !Executable[slash] {
				t.Errorf("%s is executable on disk but missing from Executable in embed.go", slash)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// skillDirs returns the sorted top-level folders of the package directory: each one is a skill.
func skillDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "testdata" {
			dirs = append(dirs, e.Name())
		}
	}
	return dirs
}
