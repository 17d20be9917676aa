//go:build !unix

package registry

import "errors"

func mkfifo(string) error { return errors.ErrUnsupported }
