package gittest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes sshd end with the test process, even one killed by a timeout, so no listener
// outlives the tests.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
