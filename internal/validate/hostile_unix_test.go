//go:build unix

package validate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHostileFiles: a FIFO must not block the run, a 50 MB file must not be read whole, and a symlinked
// folder inside a tree must not be followed.
func TestHostileFiles(t *testing.T) {
	root := tree(t, map[string]string{"ok/SKILL.md": skill("ok")})
	for _, d := range []string{"fifo", "huge"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo", "SKILL.md"), 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	f, err := os.Create(filepath.Join(root, "huge", "SKILL.md"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	f.Close()
	if err := os.Symlink(filepath.Join(root, "ok"), filepath.Join(root, "loop")); err != nil {
		t.Fatal(err)
	}
	chdir(t, root)
	start := time.Now()
	var out bytes.Buffer
	sum, err := Run(Options{Paths: []string{"."}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 20*time.Second { // a hang guard, not a speed test
		t.Errorf("took %v", el)
	}
	want := "fifo/SKILL.md:1:1: error: SKILL.md is not a regular file: replace it with one [not-regular-file]\n" +
		"huge/SKILL.md:1:1: error: SKILL.md is 52428800 bytes; the limit is 1048576: move detail into references/ files and link them [file-too-large]\n" +
		"3 skills checked: 2 invalid, 2 errors, 0 warnings: file-too-large 1, not-regular-file 1\n"
	if out.String() != want || sum.Skills != 3 || strings.Contains(out.String(), "loop") {
		t.Errorf("got\n%s", out.String())
	}
}

// TestEscapesUntrustedText: a folder name or link target with terminal escapes cannot recolour the
// terminal or forge lines through the text and github reports.
func TestEscapesUntrustedText(t *testing.T) {
	bad := "x\x1b[31mRED\nfake.md:1:1: error: forged"
	root := tree(t, map[string]string{bad + "/SKILL.md": "---\nname: x\ndescription: d\n---\n[r](references/\x1b[2Jwipe.md)\n"})
	chdir(t, root)
	for _, format := range []string{"text", "github"} {
		var out bytes.Buffer
		if _, err := Run(Options{Paths: []string{"."}, Format: format}, &out); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsRune(out.String(), '\x1b') || strings.Contains(out.String(), "\nfake.md") {
			t.Errorf("%s: raw control text reached the report:\n%q", format, out.String())
		}
		if !strings.Contains(out.String(), `\u{1B}`) {
			t.Errorf("%s: the escape is not shown escaped:\n%q", format, out.String())
		}
	}
}
