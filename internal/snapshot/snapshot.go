// Package snapshot holds a skill folder's files in memory, as read from git or disk, before anything is
// written. Every source (git fetch, embedded registry, local folder) produces a Folder, and everything
// that checks, hashes or installs a skill consumes one, so they all see the same bytes.
package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Mode is a file's kind as git records it. Only these three are ever installed.
type Mode uint32

const (
	Regular    Mode = 0o100644
	Executable Mode = 0o100755
	Symlink    Mode = 0o120000
)

func (m Mode) String() string { return fmt.Sprintf("%06o", uint32(m)) }

// File is one entry of a folder. Path is slash-separated and relative to the folder; for a symlink,
// Data holds the link target.
type File struct {
	Path string
	Mode Mode
	Data []byte
}

// Folder is a skill folder. Files are sorted by Path and paths are unique; use Sort after building one.
// Tree is the folder's git tree hash when it came from git, empty otherwise.
type Folder struct {
	Files []File
	Tree  string
}

// Sort orders the files by path, the order Hash and every writer relies on.
func (f *Folder) Sort() {
	sort.Slice(f.Files, func(i, j int) bool { return f.Files[i].Path < f.Files[j].Path })
}

// File returns the file at p, or nil.
func (f *Folder) File(p string) *File {
	i := sort.Search(len(f.Files), func(i int) bool { return f.Files[i].Path >= p })
	if i < len(f.Files) && f.Files[i].Path == p {
		return &f.Files[i]
	}
	return nil
}

// Paths lists the file paths, in order.
func (f *Folder) Paths() []string {
	out := make([]string, len(f.Files))
	for i, fl := range f.Files {
		out[i] = fl.Path
	}
	return out
}

// Size is the total of the files' lengths.
func (f *Folder) Size() int64 {
	var n int64
	for _, fl := range f.Files {
		n += int64(len(fl.Data))
	}
	return n
}

// Hash is the folder's content hash, "sha256-" and 64 hex digits: the sha256 of one line per file,
// in path order, "MODE SHA256(DATA) PATH\n". It depends only on paths, modes and bytes, so the same
// skill hashes alike whether it came from git, the cache or disk.
func (f *Folder) Hash() string {
	return HashFiles(f.Files)
}

// HashFiles is Hash over files that must already be sorted by path.
func HashFiles(files []File) string {
	h := sha256.New()
	for _, fl := range files {
		sum := sha256.Sum256(fl.Data)
		fmt.Fprintf(h, "%s %s %s\n", fl.Mode, hex.EncodeToString(sum[:]), fl.Path)
	}
	return "sha256-" + hex.EncodeToString(h.Sum(nil))
}

// ValidPath reports whether p is a clean relative slash path that stays inside its folder and names
// nothing git or the installer treats specially: no "..", no absolute path, no ".git" element, no NUL
// or control characters.
func ValidPath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return false
	}
	for _, el := range strings.Split(p, "/") {
		if el == "." || el == ".." || el == "" || strings.EqualFold(el, ".git") {
			return false
		}
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return false
		}
	}
	return true
}
