package validate

import (
	"fmt"
	"strings"

	"github.com/skillctl/skillctl/internal/depgraph"
	"github.com/skillctl/skillctl/internal/manifest"
)

// setChecks adds the findings that need every skill of the run: depends-on cycles among them (errors:
// no install order exists) and depends-on names none of them provides (warnings: a registry may have
// them). A lone skill gets neither, since every name it depends on lives elsewhere by construction.
func setChecks(results []Result, strict bool) {
	byName := map[string][]int{}
	for i, r := range results {
		if strings.TrimSpace(r.Name) != "" {
			n := strings.TrimSpace(r.Name)
			byName[n] = append(byName[n], i)
		}
	}
	if len(results) < 2 {
		return
	}
	sev := manifest.Warning
	if strict {
		sev = manifest.Error
	}
	g := depgraph.New()
	for i := range results {
		r := &results[i]
		self := strings.TrimSpace(r.Name)
		var deps []string
		for j, d := range r.DependsOn {
			if d == "" || d == self {
				continue // reported by manifest as invalid or self
			}
			deps = append(deps, d)
			if _, ok := byName[d]; !ok {
				p := r.DependsOnPos[j]
				r.Diagnostics = append(r.Diagnostics, manifest.Diagnostic{
					File: r.File, Line: p.Line, Column: p.Column, Severity: sev, Rule: "depends-on-unresolved",
					Message: fmt.Sprintf("depends-on %q names no skill validated here: it must come from a registry at install time, or add the skill", d),
				})
			}
		}
		if self != "" {
			g.Add(self, deps...)
		}
	}
	for _, cycle := range g.Cycles() {
		chain := strings.Join(cycle, " -> ")
		for k := 0; k+1 < len(cycle); k++ {
			from, to := cycle[k], cycle[k+1]
			for _, i := range byName[from] {
				r := &results[i]
				for j, d := range r.DependsOn {
					if d != to {
						continue
					}
					p := r.DependsOnPos[j]
					r.Diagnostics = append(r.Diagnostics, manifest.Diagnostic{
						File: r.File, Line: p.Line, Column: p.Column, Severity: manifest.Error, Rule: "depends-on-cycle",
						Message: fmt.Sprintf("dependency cycle %s: no install order exists; remove one of these depends-on entries (related-skills can hold a two-way link)", chain),
					})
					break
				}
			}
		}
	}
	for i := range results {
		manifest.Sort(results[i].Diagnostics)
	}
}
