package localfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/snapshot"
)

func TestRoundTrip(t *testing.T) {
	f := &snapshot.Folder{Files: []snapshot.File{
		{Path: "SKILL.md", Mode: snapshot.Regular, Data: []byte("x")},
		{Path: "link.md", Mode: snapshot.Symlink, Data: []byte("references/a.md")},
		{Path: "references/a.md", Mode: snapshot.Regular, Data: []byte("a")},
		{Path: "scripts/run.sh", Mode: snapshot.Executable, Data: []byte("#!/bin/sh\n")},
	}}
	dir := filepath.Join(t.TempDir(), "s")
	if err := Write(dir, f); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, ".git", "HEAD"), []byte("ignored"), 0o644)
	back, err := Read(dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if back.Hash() != f.Hash() {
		t.Fatalf("round trip changed the folder: %v", back.Paths())
	}
	if err := Write(dir, f); err == nil {
		t.Fatal("Write into an existing folder succeeded")
	}
}

func TestLimitsAndRefusals(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), []byte("12345"), 0o644)
	os.WriteFile(filepath.Join(dir, "b"), []byte("12345"), 0o644)
	for _, tt := range []struct {
		lim  Limits
		want string
	}{
		{Limits{MaxFileSize: 4}, "per-file limit"},
		{Limits{MaxTotalSize: 9}, "total size limit"},
		{Limits{MaxFiles: 1}, "more than 1 files"},
		{Limits{MaxFileSize: 5, MaxTotalSize: 10, MaxFiles: 2}, ""},
	} {
		_, err := Read(dir, tt.lim)
		if (tt.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.lim, err, tt.want)
		}
	}
	if _, err := Read(filepath.Join(dir, "a"), Limits{}); err == nil {
		t.Error("Read of a file succeeded")
	}
	bad := &snapshot.Folder{Files: []snapshot.File{{Path: "../x", Mode: snapshot.Regular}}}
	if err := Write(filepath.Join(t.TempDir(), "w"), bad); err == nil {
		t.Error("Write of ../x succeeded")
	}
}

// TestSync flushes a written tree both ways: the one call of the platform (syncfs on Linux) and the
// file-by-file fallback every other system takes; a folder that is not there is an error, not a silent
// success.
func TestSync(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"a", "b", "c"} {
		f := &snapshot.Folder{Files: []snapshot.File{
			{Path: "SKILL.md", Mode: snapshot.Regular, Data: []byte(n)},
			{Path: "references/x/y.md", Mode: snapshot.Regular, Data: []byte("y")},
			{Path: "run.sh", Mode: snapshot.Executable, Data: []byte("#!/bin/sh\n")},
			{Path: "link", Mode: snapshot.Symlink, Data: []byte("SKILL.md")},
		}}
		if err := Write(filepath.Join(root, n), f); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(filepath.Join(root, n, "run.sh")); err != nil || fi.Mode().Perm()&0o100 == 0 {
			t.Fatalf("%s/run.sh lost its executable bit: %v %v", n, fi.Mode(), err)
		}
	}
	if err := Sync(root); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if err := syncEach(root); err != nil {
		t.Fatalf("syncEach: %v", err)
	}
	missing := filepath.Join(root, "nope")
	if err := Sync(missing); err == nil {
		t.Fatal("Sync of a missing folder succeeded")
	}
	if err := syncEach(missing); err == nil {
		t.Fatal("syncEach of a missing folder succeeded")
	}
}

// TestMatches: the staged listing is checked against what was written. Each case writes want, then
// changes the disk as a folding, truncating or meddling disk would; Matches names the difference.
func TestMatches(t *testing.T) {
	want := &snapshot.Folder{Files: []snapshot.File{
		{Path: "SKILL.md", Mode: snapshot.Regular, Data: []byte("skill")},
		{Path: "link.md", Mode: snapshot.Symlink, Data: []byte("references/a.md")},
		{Path: "references/a.md", Mode: snapshot.Regular, Data: []byte("a")},
		{Path: "scripts/run.sh", Mode: snapshot.Executable, Data: []byte("#!/bin/sh\n")},
	}}
	for _, tc := range []struct {
		name   string
		change func(dir string)
	}{
		{"as written", func(string) {}},
		{"a name folded", func(d string) { os.Rename(filepath.Join(d, "SKILL.md"), filepath.Join(d, "skill.md")) }},
		{"a file more", func(d string) { os.WriteFile(filepath.Join(d, "extra"), nil, 0o644) }},
		{"a file less", func(d string) { os.Remove(filepath.Join(d, "references", "a.md")) }},
		{"a size", func(d string) { os.WriteFile(filepath.Join(d, "SKILL.md"), []byte("skil"), 0o644) }},
		{"the executable bit", func(d string) { os.Chmod(filepath.Join(d, "scripts", "run.sh"), 0o644) }},
		{"a link's target", func(d string) {
			os.Remove(filepath.Join(d, "link.md"))
			os.Symlink("SKILL.md", filepath.Join(d, "link.md"))
		}},
		{"a link made a file", func(d string) {
			os.Remove(filepath.Join(d, "link.md"))
			os.WriteFile(filepath.Join(d, "link.md"), []byte("references/a.md"), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "s")
			if err := Write(dir, want); err != nil {
				t.Fatal(err)
			}
			tc.change(dir)
			err := Matches(dir, want)
			if (err == nil) != (tc.name == "as written") {
				t.Fatalf("Matches = %v", err)
			}
		})
	}
}
