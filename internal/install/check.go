package install

import (
	"errors"
	"fmt"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/report"
	"github.com/skillctl/skillctl/internal/review"
)

// checkSkills refuses, all at once, the skills that may not be installed: over the caps or unsafe, blocked
// by their marketplace's security report, or invalid (unless forced).
func checkSkills(res *resolution, force bool, lim Limits) error {
	var errs []error
	if res.reports == nil {
		res.reports = map[string]review.Report{}
	}
	for _, name := range res.order {
		n := res.Skills[name]
		if err := checkContents(name, n.Folder, lim); err != nil {
			errs = append(errs, err)
			continue
		}
		r, err := report.Check(n.Folder)
		res.reports[name] = review.Report{Report: r, Err: err}
		if err == nil && r != nil && r.Blocked && !force {
			why := r.Summary
			if why == "" {
				why = "no summary given"
			}
			errs = append(errs, clierr.WithHint(fmt.Errorf("%s: blocked by its marketplace security report (risk %s): %s", name, dash(r.Risk), why),
				"see the findings with: skillctl info "+n.Source, "install it anyway with --force"))
			continue
		}
		if force || manifest.Valid(n.Diags) {
			continue
		}
		var lines []string
		for _, d := range n.Diags {
			if d.Severity == manifest.Error {
				lines = append(lines, fmt.Sprintf("  %s:%d:%d: %s [%s]", d.File, d.Line, d.Column, d.Message, d.Rule))
			}
		}
		errs = append(errs, clierr.WithHint(fmt.Errorf("%s: invalid skill (from %s):\n%s", name, n.Origin, strings.Join(lines, "\n")),
			"fix the skill upstream, or install it anyway with --force"))
	}
	return errors.Join(errs...)
}
