// Package review shows what deserves a person's look in skills about to be written (executables, hidden
// text, pipe-to-shell lines, the hosts linked to) and asks, refuses or proceeds as the user chose. It is
// the pipeline's review step: it makes no network call, runs nothing, and is called with no file lock held,
// so a question may wait for its answer without blocking another skillctl run.
package review

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/risk"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/streams"
)

// Options decide what happens when a skill about to land carries something risky.
type Options struct {
	Yes       bool // proceed without asking (the summary is still printed)
	DenyRisky bool // refuse instead
}

// maxShown bounds the findings printed per skill; the rest are counted.
const maxShown = 12

// Item is one skill about to be written.
type Item struct {
	Name    string
	Folder  *snapshot.Folder
	Trusted bool // bundled with skillctl: shipped with the binary, not reviewed
}

// Run scans every skill about to be written (the bundled ones ship with the binary and are trusted),
// notes what a person should look at, and asks (when the streams are a terminal), refuses or proceeds as
// the options say. It returns the findings by skill name.
func Run(ctx context.Context, io *streams.IO, ro Options, items []Item) (map[string][]risk.Finding, error) {
	found := map[string][]risk.Finding{}
	risky := 0
	for _, it := range items {
		name := it.Name
		if it.Trusted {
			continue
		}
		fs := risk.Scan(it.Folder)
		if len(fs) == 0 {
			continue
		}
		found[name] = fs
		for _, f := range fs {
			if f.Risky() {
				risky++
			}
		}
	}
	if len(found) == 0 {
		return found, nil
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []string
	for _, name := range keys {
		fs := found[name]
		lines = append(lines, fmt.Sprintf("  %s: %s", name, summarize(fs)))
		shown := 0
		for _, f := range fs {
			if f.Kind == risk.KindExternalLink {
				continue
			}
			if shown == maxShown {
				lines = append(lines, "    ... and more")
				break
			}
			lines = append(lines, "    "+f.String())
			shown++
		}
	}
	io.Note("review what is about to be installed:")
	io.Detail(lines...)
	if risky == 0 {
		return found, nil
	}
	switch {
	case ro.DenyRisky:
		return nil, clierr.WithHint(fmt.Errorf("%s: refused by --deny-risky: %d findings above", strings.Join(keys, ", "), risky), "read the files listed, then run again without --deny-risky if you trust them")
	case ro.Yes || !io.Interactive():
		return found, nil
	}
	yes, err := io.Confirm(ctx, "install anyway?")
	switch {
	case err != nil:
		return nil, fmt.Errorf("install: %w", err)
	case yes:
		return found, nil
	}
	return nil, clierr.WithHint(fmt.Errorf("install: cancelled"), "pass --yes to install without being asked")
}

// summarize counts findings by kind in one line: "2 executable, 1 pipe-to-shell, hosts: a.com, b.org".
func summarize(fs []risk.Finding) string {
	counts := risk.Count(fs)
	var kinds []string
	for k := range counts {
		if k != risk.KindExternalLink {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	if hosts := risk.Hosts(fs); len(hosts) > 0 {
		parts = append(parts, "links to "+strings.Join(hosts, ", "))
	}
	return strings.Join(parts, "; ")
}
