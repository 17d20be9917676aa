package manifest

import (
	"errors"
	"testing"

	"github.com/skillctl/skillctl/internal/snapshot"
)

// TestReadFolder holds the case rule: SKILL.md, else skill.md, spelled exactly so, and a regular file
// (the one chosen by name; a link there is not passed over for the other spelling).
func TestReadFolder(t *testing.T) {
	const good = "---\nname: x\ndescription: d\n---\nbody\n"
	reg := func(p string) snapshot.File {
		return snapshot.File{Path: p, Mode: snapshot.Regular, Data: []byte(good)}
	}
	exe := func(p string) snapshot.File {
		return snapshot.File{Path: p, Mode: snapshot.Executable, Data: []byte(good)}
	}
	link := func(p string) snapshot.File {
		return snapshot.File{Path: p, Mode: snapshot.Symlink, Data: []byte("elsewhere.md")}
	}
	for _, tc := range []struct {
		name  string
		files []snapshot.File
		file  string // the chosen skill file
		err   error
	}{
		{"upper", []snapshot.File{reg("SKILL.md")}, "SKILL.md", nil},
		{"lower", []snapshot.File{reg("skill.md")}, "skill.md", nil},
		{"both: SKILL.md wins", []snapshot.File{reg("SKILL.md"), {Path: "skill.md", Mode: snapshot.Regular, Data: []byte("junk")}}, "SKILL.md", nil},
		{"executable is a regular file", []snapshot.File{exe("SKILL.md")}, "SKILL.md", nil},
		{"other spellings are not skill files", []snapshot.File{reg("Skill.md"), reg("SKILL.MD"), reg("sKILL.md")}, "", ErrNoSkillFile},
		{"nested is not the folder's", []snapshot.File{reg("sub/SKILL.md")}, "", ErrNoSkillFile},
		{"empty", nil, "", ErrNoSkillFile},
		{"link", []snapshot.File{link("SKILL.md")}, "SKILL.md", ErrNotRegular},
		{"link is not passed over", []snapshot.File{link("SKILL.md"), reg("skill.md")}, "SKILL.md", ErrNotRegular},
		{"lower link", []snapshot.File{reg("README.md"), link("skill.md")}, "skill.md", ErrNotRegular},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &snapshot.Folder{Files: tc.files}
			f.Sort()
			rd := ReadFolder(FolderInput{Folder: f, Dir: "x", Show: "at/x"}, Mode{})
			if rd.File != tc.file || !errors.Is(rd.Err, tc.err) {
				t.Fatalf("file %q err %v, want %q %v", rd.File, rd.Err, tc.file, tc.err)
			}
			if tc.err != nil {
				if rd.Skill != nil || rd.Diags != nil || rd.Valid() {
					t.Fatalf("not a skill, yet read: %+v", rd)
				}
				return
			}
			if rd.Skill == nil || rd.Skill.Name != "x" || !rd.Valid() {
				t.Fatalf("%+v", rd)
			}
		})
	}
	// Diagnostics name the file chosen, under Show.
	f := &snapshot.Folder{Files: []snapshot.File{{Path: "skill.md", Mode: snapshot.Regular, Data: []byte("---\nname: y\ndescription: d\n---\n")}}}
	rd := ReadFolder(FolderInput{Folder: f, Dir: "x", Show: "at/x"}, Mode{})
	if len(rd.Diags) == 0 || rd.Diags[0].File != "at/x/skill.md" || rd.Diags[0].Rule != "name-dir-mismatch" {
		t.Fatalf("%+v", rd.Diags)
	}
}
