package gitfetch

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Git's tree entry modes, as they appear in tree objects.
const (
	modeTree    = 0o40000
	modeFile    = 0o100644
	modeExec    = 0o100755
	modeLink    = 0o120000
	modeGitlink = 0o160000
	modeOldFile = 0o100664 // written by very old git; installed as a regular file
)

// regular reports whether a tree entry's mode is a regular file (executable or not; old git's 664 too).
func regular(mode uint32) bool { return mode == modeFile || mode == modeExec || mode == modeOldFile }

// treeEntry is one line of a tree object. Name is the raw bytes the server sent, unchecked.
type treeEntry struct {
	Name string
	Mode uint32
	Hash plumbing.Hash
}

var errBadTree = errors.New("malformed tree object")

// parseTree decodes a tree object's content. It checks the encoding only; names are judged by
// entryProblem where they are used.
func parseTree(data []byte) ([]treeEntry, error) {
	var out []treeEntry
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp <= 0 || sp > 7 {
			return nil, errBadTree
		}
		mode, err := strconv.ParseUint(string(data[:sp]), 8, 32)
		if err != nil {
			return nil, errBadTree
		}
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if nul < 0 || len(data) < nul+1+20 {
			return nil, errBadTree
		}
		e := treeEntry{Name: string(data[:nul]), Mode: uint32(mode)}
		copy(e.Hash[:], data[nul+1:nul+21])
		data = data[nul+21:]
		out = append(out, e)
	}
	return out, nil
}

// entryProblem says why an entry must not be installed, or "" when it is fine. Names can hold anything a
// hostile server puts in them, so everything that could climb out of the folder, reach git internals,
// or forge terminal output is refused.
func entryProblem(e treeEntry) string {
	switch {
	case e.Name == "":
		return "empty file name"
	case e.Name == "." || e.Name == "..":
		return "file name " + strconv.Quote(e.Name) + " is not allowed"
	case strings.EqualFold(e.Name, ".git"):
		return ".git entries are not allowed"
	case strings.ContainsAny(e.Name, "/\\\x00"):
		return "file name contains a path separator or NUL"
	}
	for _, r := range e.Name {
		if r < 0x20 || r == 0x7f {
			return "file name contains control characters"
		}
	}
	switch e.Mode {
	case modeTree, modeFile, modeExec, modeLink, modeOldFile:
		return ""
	case modeGitlink:
		return "submodules are not supported (a gitlink to " + e.Hash.String() + ")"
	}
	return fmt.Sprintf("unknown file mode %o", e.Mode)
}

// commitTree returns the tree a commit object names.
func commitTree(data []byte) (plumbing.Hash, error) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	hex, ok := bytes.CutPrefix(line, []byte("tree "))
	if !ok || len(hex) != 40 || !plumbing.IsHash(string(hex)) {
		return plumbing.ZeroHash, errors.New("malformed commit object")
	}
	return plumbing.NewHash(string(hex)), nil
}
