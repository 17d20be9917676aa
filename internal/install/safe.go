package install

import (
	"fmt"
	"path"
	"strings"

	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// Limits cap what one skill may bring (see internal/limits, their one home). Zero fields take the defaults.
type Limits = limits.Limits

// UnsafeError is a folder refused for what it contains, not for its SKILL.md.
type UnsafeError struct {
	Skill, Path, Problem string
}

func (e *UnsafeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s: refused: %s", e.Skill, e.Problem)
	}
	return fmt.Sprintf("%s: refused: %s: %s", e.Skill, e.Path, e.Problem)
}

// checkContents enforces what may be written: clean relative paths with no .git, NUL or control characters;
// no two names that differ only in case (they collide on macOS and Windows); symlinks only to files inside
// the folder, resolved through other links too; and the size caps. It runs before anything is written.
func checkContents(skill string, f *snapshot.Folder, lim Limits) error {
	lim = lim.WithDefaults()
	if len(f.Files) > lim.MaxFiles {
		return &UnsafeError{Skill: skill, Problem: fmt.Sprintf("%d files, over the limit of %d (raise it with --max-files)", len(f.Files), lim.MaxFiles)}
	}
	var total int64
	lower := map[string]string{}
	dirs := map[string]bool{}
	links := map[string]string{}
	for _, fl := range f.Files {
		if !snapshot.ValidPath(fl.Path) {
			return &UnsafeError{Skill: skill, Path: quote(fl.Path), Problem: "unsafe file name (absolute, '..', '.git', or control characters)"}
		}
		if prev, ok := lower[strings.ToLower(fl.Path)]; ok {
			return &UnsafeError{Skill: skill, Path: fl.Path, Problem: fmt.Sprintf("differs from %s only in case; the two would overwrite each other on case-insensitive disks", prev)}
		}
		lower[strings.ToLower(fl.Path)] = fl.Path
		for d := path.Dir(fl.Path); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
		switch fl.Mode {
		case snapshot.Regular, snapshot.Executable:
		case snapshot.Symlink:
			links[fl.Path] = string(fl.Data)
		default:
			return &UnsafeError{Skill: skill, Path: fl.Path, Problem: fmt.Sprintf("unsupported entry mode %s", fl.Mode)}
		}
		if int64(len(fl.Data)) > lim.MaxFileSize {
			return &UnsafeError{Skill: skill, Path: fl.Path, Problem: fmt.Sprintf("%d bytes, over the per-file limit of %d (raise it with --max-file-size)", len(fl.Data), lim.MaxFileSize)}
		}
		total += int64(len(fl.Data))
	}
	if total > lim.MaxTotalSize {
		return &UnsafeError{Skill: skill, Problem: fmt.Sprintf("%d bytes in all, over the limit of %d (raise it with --max-total-size)", total, lim.MaxTotalSize)}
	}
	for p := range lower {
		if dirs[p] {
			return &UnsafeError{Skill: skill, Path: p, Problem: "is both a file and a folder"}
		}
	}
	for p, target := range links {
		if err := checkLink(f, links, p, target); err != "" {
			return &UnsafeError{Skill: skill, Path: p, Problem: err}
		}
	}
	return nil
}

// checkLink follows a symlink inside the folder, through any chain of links, and accepts it only when it
// ends at a regular file of the folder. Links to folders are refused too: what a folder link exposes
// depends on the disk, not on what was checked.
func checkLink(f *snapshot.Folder, links map[string]string, p, target string) string {
	seen := map[string]bool{}
	for {
		if seen[p] {
			return "symlink loop"
		}
		seen[p] = true
		if target == "" || strings.HasPrefix(target, "/") || strings.ContainsAny(target, "\x00\\") {
			return fmt.Sprintf("symlink to %s points outside the skill", quote(target))
		}
		next := path.Join(path.Dir(p), target)
		if next == ".." || strings.HasPrefix(next, "../") || next == "." {
			return fmt.Sprintf("symlink to %s points outside the skill", quote(target))
		}
		fl := f.File(next)
		if fl == nil {
			return fmt.Sprintf("symlink to %s points to nothing in the skill (links to folders are not kept)", quote(target))
		}
		if fl.Mode != snapshot.Symlink {
			return ""
		}
		p, target = next, links[next]
	}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
