package main

// What printers of results share. Every command prints its results on stdout from the data its internal
// package returned, with a printer beside its RunE (printInstall, printList, ...) built from these;
// notes, warnings and errors go through the streams value (internal/streams), which owns the message
// grammar. Text from outside the binary (names, paths, descriptions, messages) is passed through esc, the
// one escaping function, before it reaches a terminal.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/skillctl/skillctl/internal/textsafe"
)

// esc makes untrusted text safe to print: see textsafe.Escape.
func esc(s string) string { return textsafe.Escape(s) }

func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(textsafe.JSON(buf.Bytes()))
	return err
}

// table aligns columns for human output; cells are escaped as they are added. Its lines reach w whole
// on flush: tabwriter writes cell by cell, a system call each on an unbuffered stdout.
type table struct {
	tw  *tabwriter.Writer
	out *bufio.Writer
}

func newTable(w io.Writer) *table {
	out := bufio.NewWriter(w)
	return &table{tw: tabwriter.NewWriter(out, 0, 0, 2, ' ', 0), out: out}
}

func (t *table) row(cols ...string) {
	for i, c := range cols {
		cols[i] = esc(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cols, "\t"))
}

// escapedRow adds cells escaped already (cut to a width by textsafe.Cut).
func (t *table) escapedRow(cols ...string) { fmt.Fprintln(t.tw, strings.Join(cols, "\t")) }

func (t *table) flush() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	return t.out.Flush()
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func shortRef(r string) string {
	for _, p := range []string{"refs/heads/", "refs/tags/"} {
		r = strings.TrimPrefix(r, p)
	}
	return r
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func human(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// plural picks the word that agrees with n: "1 file", "2 files".
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
