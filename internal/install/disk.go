package install

import (
	"errors"
	"os"
	"strings"

	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// readFolder reads a local source, or a staged folder, within the caps.
func readFolder(dir string, lim Limits) (*snapshot.Folder, error) {
	return localfs.Read(dir, lim.WithDefaults())
}

// readInstalled reads a skill folder skillctl wrote, to hash it against the lock (localfs.ReadInstalled: no
// caps, as for every command that compares an installed folder with the lock).
func readInstalled(dir string) (*snapshot.Folder, error) { return localfs.ReadInstalled(dir) }

// isHidden reports whether a target entry belongs to skillctl's own bookkeeping (staging folders).
func isHidden(name string) bool { return strings.HasPrefix(name, ".") }

func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, os.ErrNotExist)
}
