package snapshot

import "testing"

func TestHashDependsOnPathModeAndBytesOnly(t *testing.T) {
	base := Folder{Files: []File{{"SKILL.md", Regular, []byte("a")}, {"s.sh", Executable, []byte("b")}}}
	same := Folder{Files: []File{{"SKILL.md", Regular, []byte("a")}, {"s.sh", Executable, []byte("b")}}, Tree: "ignored"}
	if base.Hash() != same.Hash() {
		t.Fatal("the tree hash or identity changed the content hash")
	}
	for name, f := range map[string]Folder{
		"mode":  {Files: []File{{"SKILL.md", Regular, []byte("a")}, {"s.sh", Regular, []byte("b")}}},
		"bytes": {Files: []File{{"SKILL.md", Regular, []byte("a")}, {"s.sh", Executable, []byte("c")}}},
		"path":  {Files: []File{{"SKILL.md", Regular, []byte("a")}, {"t.sh", Executable, []byte("b")}}},
		"extra": {Files: []File{{"SKILL.md", Regular, []byte("a")}, {"s.sh", Executable, []byte("b")}, {"x", Regular, nil}}},
		"link":  {Files: []File{{"SKILL.md", Regular, []byte("a")}, {"s.sh", Symlink, []byte("b")}}},
	} {
		if f.Hash() == base.Hash() {
			t.Errorf("%s: a different folder hashed the same", name)
		}
	}
	// The format is pinned by a value computed outside Go (sha256 of "MODE SHA256(DATA) PATH\n" lines):
	// changing it would invalidate every lock ever written.
	if got, want := base.Hash(), "sha256-2cdefb54ca6c405d296292f6807ea0776a3f58c0713ee9d65acaab0e47013293"; got != want {
		t.Fatalf("Hash = %s, want %s", got, want)
	}
}

func TestFileAndPaths(t *testing.T) {
	f := Folder{Files: []File{{"b", Regular, []byte("22")}, {"a", Regular, []byte("1")}}}
	f.Sort()
	if f.File("a") == nil || f.File("b") == nil || f.File("c") != nil {
		t.Fatal("File lookup")
	}
	if p := f.Paths(); p[0] != "a" || p[1] != "b" || f.Size() != 3 {
		t.Fatalf("Paths %v Size %d", p, f.Size())
	}
}

func TestValidPath(t *testing.T) {
	for p, want := range map[string]bool{
		"SKILL.md": true, "references/a.md": true, ".curated/x": true, "a..b": true,
		"": false, "/etc/passwd": false, "..": false, "../x": false, "a/../b": false, "./a": false,
		"a//b": false, "a/": false, ".git": false, "x/.GIT/config": false, "a\x00b": false,
		"a\nb": false, "a\\b": false, "a\x7fb": false,
	} {
		if got := ValidPath(p); got != want {
			t.Errorf("ValidPath(%q) = %v, want %v", p, got, want)
		}
	}
}
