// Package crashtest holds the end-to-end trust tests that drive the real skillctl binary against a git
// server on loopback and hostile disks: kill -9 at random moments, server faults, a full or read-only
// disk, concurrent runs, and trees no honest repository holds. It has no code of its own, only tests,
// because what it checks is the built program, not a package's API.
package crashtest
