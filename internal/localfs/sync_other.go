//go:build !linux

package localfs

import "errors"

// syncFS has no single call outside Linux; Sync syncs file by file.
func syncFS(string) error { return errors.ErrUnsupported }
