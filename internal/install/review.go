package install

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/risk"
)

// ReviewOptions decide what happens when a skill about to land carries something risky.
type ReviewOptions struct {
	Yes         bool      // proceed without asking (the summary is still printed)
	DenyRisky   bool      // refuse instead
	Interactive bool      // stdin and stderr are a terminal: ask
	Stdin       io.Reader // where the answer comes from
}

// maxShown bounds the findings printed per skill; the rest are counted.
const maxShown = 12

// review scans every skill about to be written (the bundled ones ship with the binary and are trusted),
// prints what a person should look at, and asks, refuses or proceeds as the options say. It makes no
// network call and runs nothing.
func review(ctx context.Context, w io.Writer, ro ReviewOptions, res *resolution, names []string) (map[string][]risk.Finding, error) {
	found := map[string][]risk.Finding{}
	risky := 0
	for _, name := range names {
		n := res.nodes[name]
		if n.origin.kind == fromBuiltin {
			continue
		}
		fs := risk.Scan(n.folder)
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
	fmt.Fprintf(w, "skillctl: review what is about to be installed:\n")
	for _, name := range keys {
		fs := found[name]
		fmt.Fprintf(w, "  %s: %s\n", name, summarize(fs))
		shown := 0
		for _, f := range fs {
			if f.Kind == risk.KindExternalLink {
				continue
			}
			if shown == maxShown {
				fmt.Fprintf(w, "    ... and more\n")
				break
			}
			fmt.Fprintf(w, "    %s\n", f)
			shown++
		}
	}
	if risky == 0 {
		return found, nil
	}
	switch {
	case ro.DenyRisky:
		return nil, clierr.WithHint(fmt.Errorf("%s: refused by --deny-risky: %d findings above", strings.Join(keys, ", "), risky), "read the files listed, then run again without --deny-risky if you trust them")
	case ro.Yes || !ro.Interactive:
		return found, nil
	}
	fmt.Fprintf(w, "install anyway? [y/N] ")
	answer := make(chan string, 1)
	go func() {
		ans, _ := bufio.NewReader(ro.Stdin).ReadString('\n')
		answer <- ans
	}()
	select {
	case <-ctx.Done(): // Ctrl-C at the prompt is a no
		fmt.Fprintln(w)
		return nil, fmt.Errorf("install: cancelled")
	case ans := <-answer:
		if a := strings.ToLower(strings.TrimSpace(ans)); a == "y" || a == "yes" {
			return found, ctx.Err()
		}
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
