//go:build !unix

package install

// lockDirs is a no-op where advisory locks are not wired up; concurrent runs are then the user's care.
func lockDirs(dirs ...string) (unlock func(), err error) { return func() {}, nil }
