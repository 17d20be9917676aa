package install

import (
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
)

func folder(content string) *snapshot.Folder {
	return &snapshot.Folder{Files: []snapshot.File{{Path: "SKILL.md", Mode: snapshot.Regular, Data: []byte(content)}}}
}

func entry(name string, f *snapshot.Folder) lockfile.Entry {
	return lockfile.Entry{Name: name, Dir: "sk", Source: name, Registry: "builtin", Path: name, Hash: f.Hash()}
}

// TestCheckContents: what a skill folder may hold before anything is written.
func TestCheckContents(t *testing.T) {
	reg := func(p string) snapshot.File { return snapshot.File{Path: p, Mode: snapshot.Regular, Data: []byte("x")} }
	link := func(p, to string) snapshot.File {
		return snapshot.File{Path: p, Mode: snapshot.Symlink, Data: []byte(to)}
	}
	tests := []struct {
		name  string
		files []snapshot.File
		lim   Limits
		want  string // "" = accepted
	}{
		{"plain", []snapshot.File{reg("SKILL.md"), reg("references/a.md")}, Limits{}, ""},
		{"link inside", []snapshot.File{reg("SKILL.md"), link("b.md", "references/a.md"), reg("references/a.md")}, Limits{}, ""},
		{"link chain inside", []snapshot.File{reg("SKILL.md"), link("a", "b"), link("b", "SKILL.md")}, Limits{}, ""},
		{"absolute link", []snapshot.File{reg("SKILL.md"), link("p", "/etc/passwd")}, Limits{}, "points outside the skill"},
		{"climbing link", []snapshot.File{reg("SKILL.md"), link("r/p", "../../x")}, Limits{}, "points outside the skill"},
		{"chain out", []snapshot.File{reg("SKILL.md"), link("a", "b"), link("b", "../x")}, Limits{}, "points outside the skill"},
		{"loop", []snapshot.File{reg("SKILL.md"), link("a", "b"), link("b", "a")}, Limits{}, "symlink loop"},
		{"link to folder", []snapshot.File{reg("SKILL.md"), link("d", "references"), reg("references/a.md")}, Limits{}, "links to folders are not kept"},
		{"dot dot", []snapshot.File{reg("SKILL.md"), reg("../x")}, Limits{}, "unsafe file name"},
		{"git", []snapshot.File{reg("SKILL.md"), reg(".git/config")}, Limits{}, "unsafe file name"},
		{"control", []snapshot.File{reg("SKILL.md"), reg("a\x01b")}, Limits{}, "unsafe file name"},
		{"case", []snapshot.File{reg("A.md"), reg("SKILL.md"), reg("a.md")}, Limits{}, "only in case"},
		{"too many", []snapshot.File{reg("SKILL.md"), reg("b")}, Limits{MaxFiles: 1}, "over the limit of 1"},
		{"too big", []snapshot.File{reg("SKILL.md")}, Limits{MaxFileSize: 0, MaxTotalSize: 0, MaxFiles: 0}, ""},
		{"total", []snapshot.File{reg("SKILL.md"), reg("b")}, Limits{MaxTotalSize: 1}, "in all, over the limit"},
		{"file and folder", []snapshot.File{reg("SKILL.md"), reg("x"), reg("x/y")}, Limits{}, "both a file and a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &snapshot.Folder{Files: tt.files}
			f.Sort()
			err := checkContents("s", f, tt.lim)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}
