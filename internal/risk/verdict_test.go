package risk

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/report"
)

// TestJudge is the risk verdict's table: content findings and a marketplace report in, the level and its
// reasons out. Install's review, --deny-risky, info and audit all read this one verdict.
func TestJudge(t *testing.T) {
	pipe := Finding{Path: "SKILL.md", Line: 7, Kind: KindPipeToShell, Detail: "curl | sh"}
	exe := Finding{Path: "run.sh", Kind: KindExecutable, Detail: ".sh file"}
	link := Finding{Path: "SKILL.md", Line: 2, Kind: KindExternalLink, Detail: "a.org"}
	current := func(r report.Report) *report.Report {
		r.Content, r.Tree = report.Matches, report.Matches
		return &r
	}
	for _, c := range []struct {
		name    string
		fs      []Finding
		rep     *report.Report
		repErr  error
		level   Level
		risky   bool
		reasons string // rule@path:line, in order
	}{
		{"nothing", nil, nil, nil, 0, false, ""},
		{"a link is low", []Finding{link}, nil, nil, Low, false, "external-link@SKILL.md:2"},
		{"code that runs", []Finding{exe, link}, nil, nil, Medium, true, "executable@run.sh:0 external-link@SKILL.md:2"},
		{"pipe to shell", []Finding{pipe}, nil, nil, High, true, "pipe-to-shell@SKILL.md:7"},
		{"an unknown kind is not waved through", []Finding{{Path: "x", Kind: "new-kind"}}, nil, nil, Medium, true, "new-kind@x:0"},
		{"marketplace rates high, content clean", nil, current(report.Report{Risk: "high"}), nil, High, true, "marketplace-risk@skill-report.json:0"},
		{"marketplace rates critical", nil, current(report.Report{Risk: "critical"}), nil, High, true, "marketplace-risk@skill-report.json:0"},
		{"marketplace rates low: no reason", nil, current(report.Report{Risk: "low"}), nil, 0, false, ""},
		{"a stale report still counts", nil, &report.Report{Risk: "high", Content: report.Stale, Tree: report.Absent}, nil, High, true,
			"marketplace-risk@skill-report.json:0 marketplace-report-stale@skill-report.json:0"},
		{"blocked", nil, current(report.Report{Blocked: true}), nil, High, true, "marketplace-blocked@skill-report.json:0"},
		{"findings at their severity", nil, current(report.Report{Findings: []report.Finding{
			{Severity: "info", Title: "shell", File: "run.sh", Line: 2}, {Severity: "weird", Title: "odd"}}}), nil, Medium, true,
			"marketplace-finding@run.sh:2 marketplace-finding@skill-report.json:0"},
		{"a finding's file outside the folder", nil, current(report.Report{Findings: []report.Finding{
			{Severity: "low", Title: "x", File: "../../etc/passwd", Line: 3}}}), nil, Low, false, "marketplace-finding@skill-report.json:0"},
		{"an unreadable report", nil, nil, errors.New("not a JSON object"), Low, false, "marketplace-report-unreadable@skill-report.json:0"},
		{"the higher of both", []Finding{exe}, current(report.Report{Risk: "high"}), nil, High, true,
			"executable@run.sh:0 marketplace-risk@skill-report.json:0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := Judge(c.fs, c.rep, c.repErr)
			var got []string
			for _, r := range v.Reasons {
				got = append(got, fmt.Sprintf("%s@%s:%d", r.Rule, r.Path, r.Line))
			}
			if v.Level != c.level || v.Risky() != c.risky || strings.Join(got, " ") != c.reasons {
				t.Errorf("Judge = %v risky=%v %q, want %v risky=%v %q", v.Level, v.Risky(), got, c.level, c.risky, c.reasons)
			}
		})
	}
}

func TestLevels(t *testing.T) {
	for _, s := range Levels {
		l, err := ParseLevel(s)
		if err != nil || l.String() != s {
			t.Errorf("%s: %v %v", s, l, err)
		}
	}
	if _, err := ParseLevel("severe"); err == nil {
		t.Error("an unknown level parsed")
	}
	for in, want := range map[string]Level{"Critical": High, "moderate": Medium, "info": Low} {
		if l, ok := MarketplaceLevel(in); !ok || l != want {
			t.Errorf("%s: %v %v", in, l, ok)
		}
	}
	if _, ok := MarketplaceLevel("weird"); ok {
		t.Error("an unknown severity mapped")
	}
}
