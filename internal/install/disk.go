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

// readInstalled reads a skill folder skillctl wrote, to hash it against the lock. The install caps do not
// apply: the folder was checked when it was written, perhaps with caps the user raised, and a cap hit
// here would make an intact skill look edited (and let an edited one be overwritten without --force).
func readInstalled(dir string) (*snapshot.Folder, error) { return localfs.Read(dir, localfs.Limits{}) }

// isHidden reports whether a target entry belongs to skillctl's own bookkeeping (staging folders).
func isHidden(name string) bool { return strings.HasPrefix(name, ".") }

func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, os.ErrNotExist)
}
