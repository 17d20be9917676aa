package manifest

import (
	"errors"
	"path"

	"github.com/skillctl/skillctl/internal/snapshot"
)

// The skill reader: which file of a folder is its SKILL.md, and what it says. Every command that asks
// "is this folder a skill, and is it valid" (install and the resolver, verify, audit, validate, info,
// registry indexing, the fetcher's skill listing) asks here, so none can accept a folder another refuses.
//
// The case rule: a folder's skill file is its top-level file entry (a folder of that name is not one)
// named exactly "SKILL.md", else the one named exactly "skill.md" (the reference validator accepts both,
// in that order). No other spelling counts
// (Skill.md, SKILL.MD), and names are compared as a listing gives them, never by asking a file system
// whether a name exists: a case-insensitive disk would answer yes for any spelling, and a git tree, a
// disk and an archive must read the same folder the same way. The entry chosen by name must be a regular
// file; a link, even to a regular file, is never followed (a skill's files are what the folder holds).

// File names of the skill file: FileName, else LowerFileName.
const (
	FileName      = "SKILL.md"
	LowerFileName = "skill.md"
)

// IsFileName reports whether name, a base name, is a spelling of the skill file.
func IsFileName(name string) bool { return name == FileName || name == LowerFileName }

// SkillFile chooses a folder's skill file by the case rule: has reports whether the folder has a
// top-level file entry (a regular file, a link, anything but a folder) of that exact name. "" when it has neither.
func SkillFile(has func(name string) bool) string {
	switch {
	case has(FileName):
		return FileName
	case has(LowerFileName):
		return LowerFileName
	}
	return ""
}

// SkillFileOf is SkillFile of a folder in memory.
func SkillFileOf(f *snapshot.Folder) string {
	return SkillFile(func(n string) bool { return f.File(n) != nil })
}

// A folder that is not a skill: ErrNoSkillFile when no entry has either name, ErrNotRegular when the
// entry chosen by name is a link or another non-regular file.
var (
	ErrNoSkillFile = errors.New("not a skill: no SKILL.md in that folder")
	ErrNotRegular  = errors.New("not a skill: its SKILL.md is not a regular file")
)

// FolderInput is a folder in memory to read as a skill.
type FolderInput struct {
	Folder *snapshot.Folder
	Dir    string // the folder's base name; "" skips name-dir-mismatch
	Show   string // the folder as messages show it: a diagnostic's File is Show/SKILL.md ("" shows the file alone)
}

// Reading is a folder read as a skill.
type Reading struct {
	File  string // the skill file's name in the folder: FileName or LowerFileName; "" when there is none
	Skill *Skill // nil when the folder is not a skill or its frontmatter cannot be read
	Diags []Diagnostic
	Err   error // ErrNoSkillFile or ErrNotRegular: the folder is not a skill, and Skill and Diags are empty
}

// ReadFolder finds in.Folder's skill file by the case rule, then parses and checks it with Check.
func ReadFolder(in FolderInput, m Mode) Reading {
	f := in.Folder
	name := SkillFileOf(f)
	if name == "" {
		return Reading{Err: ErrNoSkillFile}
	}
	md := f.File(name)
	if md.Mode != snapshot.Regular && md.Mode != snapshot.Executable {
		return Reading{File: name, Err: ErrNotRegular}
	}
	sk, diags := Check(Input{File: path.Join(in.Show, name), Dir: in.Dir, Data: md.Data, Files: f.Paths()}, m)
	return Reading{File: name, Skill: sk, Diags: diags}
}

// Valid reports whether the folder is a skill with no error-severity diagnostic.
func (r Reading) Valid() bool { return r.Err == nil && Valid(r.Diags) }
