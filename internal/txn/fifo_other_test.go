//go:build !unix

package txn

import "errors"

func mkfifo(string) error { return errors.ErrUnsupported }
