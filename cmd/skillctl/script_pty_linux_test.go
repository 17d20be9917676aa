//go:build linux

package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal cols columns wide: the controller, and the path of the terminal end a
// program opens as its standard output (and our own open end, which keeps it alive until closed).
func openPTY(cols int) (ctl, term *os.File, path string, err error) {
	ctl, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, "", err
	}
	fail := func(err error) (*os.File, *os.File, string, error) {
		ctl.Close()
		return nil, nil, "", err
	}
	if err := unix.IoctlSetPointerInt(int(ctl.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return fail(err)
	}
	n, err := unix.IoctlGetInt(int(ctl.Fd()), unix.TIOCGPTN)
	if err != nil {
		return fail(err)
	}
	path = "/dev/pts/" + strconv.Itoa(n)
	term, err = os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fail(err)
	}
	if err := unix.IoctlSetWinsize(int(term.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: uint16(cols), Row: 50}); err != nil {
		term.Close()
		return fail(err)
	}
	return ctl, term, path, nil
}

// onterminal COLS FILE PROGRAM [ARGS...]: runs PROGRAM with its standard output on a terminal COLS
// columns wide (a pseudo-terminal) and writes what it showed there to FILE, line ends as "\n". Standard
// error stays a pipe, read by the stderr command as after exec; standard input is empty.
func cmdOnTerminal(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: onterminal COLS FILE PROGRAM [ARGS...]")
	}
	cols, err := strconv.Atoi(args[0])
	ts.Check(err)
	ctl, term, path, err := openPTY(cols)
	ts.Check(err)
	defer ctl.Close()
	var shown bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&shown, ctl) // ends with EIO once every terminal end is closed
		close(done)
	}()
	// sh opens the terminal as the program's standard output, so the program runs with the script's
	// environment and its standard error is the script's, as after exec.
	err = ts.Exec("sh", append([]string{"-c", `exec "$0" "$@" > ` + path, args[2]}, args[3:]...)...)
	term.Close()
	<-done
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.ReplaceAll(shown.String(), "\r\n", "\n")), 0o644))
	if (err != nil) != neg {
		ts.Fatalf("onterminal %s: %v", strings.Join(args[2:], " "), err)
	}
}

func ptyWorks() bool {
	ctl, term, _, err := openPTY(80)
	if err != nil {
		return false
	}
	term.Close()
	ctl.Close()
	return true
}
