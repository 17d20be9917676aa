package install

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/risk"
	"github.com/skillctl/skillctl/internal/streams"
)

// ReviewOptions decide what happens when a skill about to land carries something risky.
type ReviewOptions struct {
	Yes       bool // proceed without asking (the summary is still printed)
	DenyRisky bool // refuse instead
}

// maxShown bounds the findings printed per skill; the rest are counted.
const maxShown = 12

// review scans every skill about to be written (the bundled ones ship with the binary and are trusted),
// notes what a person should look at, and asks (when the streams are a terminal), refuses or proceeds as
// the options say. It makes no
// network call and runs nothing.
func review(ctx context.Context, io *streams.IO, ro ReviewOptions, res *resolution, names []string) (map[string][]risk.Finding, error) {
	found := map[string][]risk.Finding{}
	risky := 0
	for _, name := range names {
		n := res.Skills[name]
		if n.Origin.Kind == resolver.Builtin {
			continue
		}
		fs := risk.Scan(n.Folder)
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
