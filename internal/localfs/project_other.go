//go:build !unix

package localfs

const openFlags = 0
