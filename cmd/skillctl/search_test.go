package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/skillctl/skillctl/internal/registry"
)

// TestSearchLimit: --limit when given; else a screenful on a terminal, every match into a pipe or a file
// and with --json.
func TestSearchLimit(t *testing.T) {
	tests := []struct {
		flag             int
		asJSON, terminal bool
		want             int
	}{
		{-1, false, true, defaultSearchLimit},
		{-1, true, true, 0},
		{-1, false, false, 0},
		{-1, true, false, 0},
		{5, false, false, 5},
		{5, true, false, 5},
		{0, false, true, 0},
		{50, false, true, 50},
	}
	for _, tt := range tests {
		if got := searchLimit(tt.flag, tt.asJSON, tt.terminal); got != tt.want {
			t.Errorf("searchLimit(%d, json %v, terminal %v) = %d, want %d", tt.flag, tt.asJSON, tt.terminal, got, tt.want)
		}
	}
}

// TestFitColumns: the widest column gives way first, none below its minimum or its own width.
func TestFitColumns(t *testing.T) {
	mins := []int{12, 8, 16, 16}
	tests := []struct {
		widths []int
		avail  int
		want   string
	}{
		{[]int{10, 6, 20, 40}, 100, "[10 6 20 40]"},  // fits: unchanged
		{[]int{10, 6, 200, 72}, 100, "[10 6 42 42]"}, // a long URL and a description share the rest
		{[]int{10, 6, 200, 30}, 80, "[10 6 34 30]"},  // the URL alone gives way while it is widest
		{[]int{40, 6, 20, 20}, 60, "[18 6 18 18]"},   // a long name gives way too, to its minimum at most
		{[]int{30, 10, 30, 30}, 20, "[12 8 16 16]"},  // no room: the minimums
		{[]int{5, 3, 10, 10}, 10, "[5 3 10 10]"},     // narrower than the minimums: kept
		{[]int{13, 9, 17, 17}, 50, "[12 8 16 16]"},   // every column down to its minimum, and still over
	}
	for _, tt := range tests {
		got := fmt.Sprint(fitColumns(tt.widths, mins, tt.avail))
		if got != tt.want {
			t.Errorf("fitColumns(%v, %d) = %s, want %s", tt.widths, tt.avail, got, tt.want)
		}
	}
}

// TestPrintSearchWidth: on a terminal of a given width no line is wider, a hostile description is cut
// between characters, never inside its escape, and off a terminal nothing is cut.
func TestPrintSearchWidth(t *testing.T) {
	found := []registry.Candidate{
		{Name: "pdf", Registry: "market", Path: "skills/pdf", Description: "Reads PDF files. Use when the user asks about invoices, forms or scanned receipts."},
		{Name: "ext", Registry: "market", External: true, Fetches: "https://git.example.com/" + strings.Repeat("very-long-segment/", 12) + "plugin",
			Description: strings.Repeat("x", 20) + "\x1b[2J\x1b[2J\x1b[2J wiped"},
	}
	complete := regexp.MustCompile(`\\u\{[0-9A-F]+\}`)
	for width := 40; width <= 130; width++ {
		var b strings.Builder
		if err := printSearch(&b, found, false, width); err != nil {
			t.Fatal(err)
		}
		table, _, _ := strings.Cut(b.String(), "\n\n") // the footnote after the table is prose
		for _, line := range strings.Split(strings.TrimSuffix(table, "\n"), "\n") {
			if n := utf8.RuneCountInString(line); n > width {
				t.Errorf("width %d: line of %d: %q", width, n, line)
			}
			if strings.Contains(line, "\x1b") || strings.Contains(complete.ReplaceAllString(line, ""), `\u`) {
				t.Errorf("width %d: an escape split or raw: %q", width, line)
			}
		}
	}
	var b strings.Builder
	if err := printSearch(&b, found, false, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), strings.Repeat("very-long-segment/", 12)+"plugin") {
		t.Errorf("off a terminal the path was cut:\n%s", b.String())
	}
}
