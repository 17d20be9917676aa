// Command skillctl is a package manager for Agent Skills: it validates, resolves, installs, pins and
// verifies skill folders from git repositories and registries.
package main

import "os"

func main() { os.Exit(Main()) }
