//go:build !windows

package txn

import (
	"errors"
	"os"
)

// makeJunction exists on Windows only; elsewhere symbolic links never need a privilege.
func makeJunction(target, path string) error {
	return errors.New("junctions exist only on Windows")
}

// removeLink deletes a symbolic link itself.
func removeLink(p string) error { return os.Remove(p) }
