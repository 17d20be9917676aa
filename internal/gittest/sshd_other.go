//go:build !linux

package gittest

import "os/exec"

func dieWithParent(cmd *exec.Cmd) {}
