package main

// The message grammar, followed by every command:
//
//	skillctl: SUBJECT: PROBLEM          one line, lowercase, no trailing period, on stderr
//	hint: EXACT COMMAND OR ACTION       zero or more lines, each a thing the user can do next
//
// SUBJECT is what the problem is about (a file, a skill, a source, a flag). Results go to stdout and
// nothing else does; progress, notes and warnings go to stderr, notes as "skillctl: ..." lines too.
// Exit codes: 0 ok, 1 failure or findings, 2 usage (see internal/clierr).

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"golang.org/x/term"
)

// printError writes err in the grammar above. Findings were already printed by the command.
func printError(w io.Writer, err error) {
	if err == nil || errors.Is(err, clierr.ErrFindings) {
		return
	}
	msg := strings.TrimSpace(err.Error())
	for _, line := range strings.Split(msg, "\n") {
		fmt.Fprintf(w, "skillctl: %s\n", line)
	}
	seen := map[string]bool{}
	for _, h := range clierr.Hints(err) {
		if !seen[h] {
			seen[h] = true
			fmt.Fprintf(w, "hint: %s\n", h)
		}
	}
}

// isTerminal reports whether f is an interactive terminal; progress and colour depend on it.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// colorEnabled: colour on a terminal, never when NO_COLOR is set to a non-empty value (no-color.org: an
// empty NO_COLOR is as if unset), and off a terminal too when CLICOLOR_FORCE is set to anything but "0".
func colorEnabled(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	if f := os.Getenv("CLICOLOR_FORCE"); f != "" && f != "0" {
		return true
	}
	return isTerminal(w)
}
