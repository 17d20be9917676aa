// Package registry finds skills by name: in the registries a user configures (git repositories or local
// folders of skills) and, always last, in the skills bundled with skillctl, so a fresh machine with no
// network can still install them.
package registry

import (
	"io/fs"
	"path"
	"sort"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/skills"
)

// BuiltinName is the name the bundled registry goes by in messages, the lock and NAME@REGISTRY.
const BuiltinName = "builtin"

// Builtin is the registry of skills embedded in the binary.
type Builtin struct {
	fsys fs.FS
	exec map[string]bool
}

// NewBuiltin returns the bundled registry.
func NewBuiltin() *Builtin { return &Builtin{fsys: skills.FS, exec: skills.Executable} }

// Names lists the bundled skills, sorted.
func (b *Builtin) Names() []string {
	ents, _ := fs.ReadDir(b.fsys, ".")
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// Folder returns the bundled skill called name, or false when there is none.
func (b *Builtin) Folder(name string) (*snapshot.Folder, bool) {
	if !snapshot.ValidPath(name) || path.Dir(name) != "." {
		return nil, false
	}
	if _, err := fs.Stat(b.fsys, path.Join(name, manifest.FileName)); err != nil {
		return nil, false // every bundled skill spells it SKILL.md (a test holds that)
	}
	f := &snapshot.Folder{}
	err := fs.WalkDir(b.fsys, name, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(b.fsys, p)
		if err != nil {
			return err
		}
		mode := snapshot.Regular
		if b.exec[p] {
			mode = snapshot.Executable
		}
		f.Files = append(f.Files, snapshot.File{Path: p[len(name)+1:], Mode: mode, Data: data})
		return nil
	})
	if err != nil {
		return nil, false
	}
	f.Sort()
	return f, true
}
