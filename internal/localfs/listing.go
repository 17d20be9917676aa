package localfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// Listed is one skill found in a folder an agent reads skills from.
type Listed struct {
	Path        string // the skill's folder as the agent reaches it (in the listed folder)
	Real        string // Path with links resolved
	Name        string // the frontmatter's name, else the folder's name
	Description string
}

// Unlisted is an entry of such a folder that was not read, and why.
type Unlisted struct {
	Path    string
	Problem string
}

// MaxListed caps the entries ListSkills looks at in one folder (limits.MaxListedSkills).
const MaxListed = limits.MaxListedSkills

// ListSkills reads the name and description of every skill in dir, a folder an agent reads skills from,
// as budget needs them. A folder is read as an agent reads it: an entry that is a link is followed (a
// placement is one), an entry whose name starts with "." is skipped (skillctl's stages; skillctl never
// names a skill so), and an entry without a skill file is not a skill. Each skill file is found by the one
// case rule (SkillFile), read only if it is a regular file under manifest.MaxFileSize (ReadProjectFile:
// no FIFO, device or swapped file; a link as the file itself is refused, as manifest.ReadFolder refuses
// one) and parsed by the one skill reader.
//
// project is the project root when dir is a project folder, "" for a user-level one: a project's folders
// are untrusted, so there a link (dir itself, or an entry) that leads out of the project is not followed
// and is reported instead; the user's own folders may link anywhere. A missing dir lists nothing.
func ListSkills(dir, project string) ([]Listed, []Unlisted, error) {
	realRoot := ""
	if project != "" {
		var err error
		if realRoot, err = filepath.EvalSymlinks(project); err != nil {
			return nil, nil, err
		}
	}
	outside := func(p string) bool { return realRoot != "" && !Inside(realRoot, p) }
	real, err := filepath.EvalSymlinks(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if fi, lerr := os.Lstat(dir); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, []Unlisted{{dir, "is a symbolic link that leads nowhere; not read"}}, nil
		}
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if outside(real) {
		return nil, []Unlisted{{dir, "is a symbolic link out of the project (to " + real + "); not followed"}}, nil
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return nil, []Unlisted{{dir, "is not a folder"}}, nil
	}
	entries, err := ReadDirCapped(real, MaxListed+1)
	if err != nil {
		return nil, nil, err
	}
	var out []Listed
	var skipped []Unlisted
	if len(entries) > MaxListed {
		entries = entries[:MaxListed]
		skipped = append(skipped, Unlisted{dir, fmt.Sprintf("holds more than %d entries; only the first %d were read", MaxListed, MaxListed)})
	}
	for _, name := range entries {
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		r, err := filepath.EvalSymlinks(filepath.Join(real, name))
		if err != nil {
			skipped = append(skipped, Unlisted{p, "is a symbolic link that leads nowhere; not read"})
			continue
		}
		if outside(r) {
			skipped = append(skipped, Unlisted{p, "is a symbolic link out of the project (to " + r + "); not followed"})
			continue
		}
		if fi, err := os.Stat(r); err != nil || !fi.IsDir() {
			continue // a file beside the skill folders is no skill
		}
		file := SkillFile(r)
		if file == "" {
			continue
		}
		pf, err := ReadProjectFile(r, filepath.Join(r, file), manifest.MaxFileSize)
		if err != nil {
			var pe *ProjectError
			if errors.As(err, &pe) {
				skipped = append(skipped, Unlisted{filepath.Join(p, file), pe.Problem})
				continue
			}
			skipped = append(skipped, Unlisted{filepath.Join(p, file), err.Error()})
			continue
		}
		if pf.Link != "" {
			skipped = append(skipped, Unlisted{filepath.Join(p, file), "is a symbolic link; a skill file is never followed"})
			continue
		}
		folder := &snapshot.Folder{Files: []snapshot.File{{Path: file, Mode: snapshot.Regular, Data: pf.Data}}}
		rd := manifest.ReadFolder(manifest.FolderInput{Folder: folder, Dir: name, Show: p}, manifest.Mode{})
		if rd.Skill == nil {
			skipped = append(skipped, Unlisted{filepath.Join(p, file), "its frontmatter cannot be read (skillctl validate " + p + " says why)"})
			continue
		}
		l := Listed{Path: p, Real: r, Name: rd.Skill.Name, Description: rd.Skill.Description}
		if l.Name == "" {
			l.Name = name
		}
		out = append(out, l)
	}
	return out, skipped, nil
}

// ReadDirCapped lists up to n names of dir, sorted, without reading more of a huge folder than that: the
// one way skillctl lists a folder a project or another tool made.
func ReadDirCapped(dir string, n int) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(n)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}
