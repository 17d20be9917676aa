package risk

import (
	"fmt"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/report"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// Level ranks what deserves a look. A verdict's level is the highest of its reasons'; audit ranks its
// own findings (drift, validity) on the same scale, so --level means the same thing everywhere.
type Level int

const (
	Low Level = iota + 1
	Medium
	High
)

// Levels are the level names, lowest first.
var Levels = []string{"low", "medium", "high"}

func (l Level) String() string {
	if l >= Low && l <= High {
		return Levels[l-1]
	}
	return "none"
}

// MarshalText makes a Level read as its name in JSON.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a level name, so a JSON report reads back.
func (l *Level) UnmarshalText(b []byte) error {
	if string(b) == "none" {
		*l = 0
		return nil
	}
	v, err := ParseLevel(string(b))
	*l = v
	return err
}

// ParseLevel reads a level name.
func ParseLevel(s string) (Level, error) {
	for i, n := range Levels {
		if s == n {
			return Level(i + 1), nil
		}
	}
	return 0, fmt.Errorf("unknown level %q (want low, medium or high)", s)
}

// KindLevel ranks a content finding. What runs a server's bytes unseen or hides text from a reviewer is
// high; code that can run and comments an agent reads but a reader does not see are medium; links are
// low (where the skill sends its reader). A kind this table does not know is medium, never waved through.
func KindLevel(kind string) Level {
	switch kind {
	case KindPipeToShell, KindBidi, KindInvisible:
		return High
	case KindExecutable, KindHiddenComment:
		return Medium
	case KindExternalLink:
		return Low
	}
	return Medium
}

// MarketplaceLevel maps a marketplace's severity or risk word to a level; ok is false for a word it does
// not know. Words that mean no risk map to Low.
func MarketplaceLevel(s string) (Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "high", "severe", "dangerous":
		return High, true
	case "medium", "moderate", "warning", "warn":
		return Medium, true
	case "low", "info", "informational", "note", "none", "safe", "minimal":
		return Low, true
	}
	return 0, false
}

// Where a reason comes from.
const (
	SourceReview      = "review"      // skillctl's content review (Scan)
	SourceMarketplace = "marketplace" // the marketplace's skill-report.json
)

// Rules of the marketplace's reasons; a content reason's rule is its finding's kind.
const (
	RuleBlocked      = "marketplace-blocked"
	RuleRisk         = "marketplace-risk"
	RuleFinding      = "marketplace-finding"
	RuleStale        = "marketplace-report-stale"
	RuleUnreadable   = "marketplace-report-unreadable"
	riskShownAtLeast = Medium // a rating below this is no reason: "low" says nothing to look at
)

// Reason is one thing behind a verdict. Path is inside the skill folder (report.FileName for what the
// report says of the whole skill); Line is 1-based, 0 for a whole file. Message is the text as found
// (report text already on one line, content details already escaped): printers escape it again.
type Reason struct {
	Level   Level  `json:"level"`
	Source  string `json:"source"`
	Rule    string `json:"rule"`
	Path    string `json:"path"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// Verdict is the one judgement of a skill's risk: install's review shows it and asks when it is Risky,
// --deny-risky refuses it, info shows it, audit reports its reasons. Level is 0 when nothing was found.
type Verdict struct {
	Level   Level    `json:"level"`
	Reasons []Reason `json:"reasons"`
}

// Risky reports whether the verdict is one a person should confirm and --deny-risky refuses: a reason
// at medium or above, from the content or from the marketplace.
func (v Verdict) Risky() bool { return v.Level >= Medium }

// Count is how many reasons are at or above min.
func (v Verdict) Count(min Level) int {
	n := 0
	for _, r := range v.Reasons {
		if r.Level >= min {
			n++
		}
	}
	return n
}

// Judge is the risk verdict of one skill folder from its content findings (Scan) and the marketplace's
// report (report.Check: rep nil when the folder carries none, repErr when it cannot be read). A report's
// rating counts even when the report is stale: it was made for another version, which is a reason to
// look, not to stop looking. A severity the report does not explain counts as medium. A report that
// records no hashes is not stale; info says it cannot be checked.
func Judge(fs []Finding, rep *report.Report, repErr error) Verdict {
	v := Verdict{Reasons: []Reason{}}
	add := func(l Level, src, rule, p string, line int, msg string) {
		v.Reasons = append(v.Reasons, Reason{Level: l, Source: src, Rule: rule, Path: p, Line: line, Message: msg})
		v.Level = max(v.Level, l)
	}
	for _, f := range fs {
		add(KindLevel(f.Kind), SourceReview, f.Kind, f.Path, f.Line, f.Detail)
	}
	switch {
	case repErr != nil:
		add(Low, SourceMarketplace, RuleUnreadable, report.FileName, 0, "the marketplace's report cannot be read: "+repErr.Error())
	case rep != nil:
		if rep.Blocked {
			add(High, SourceMarketplace, RuleBlocked, report.FileName, 0, "the marketplace blocked this skill"+suffix(rep.Summary))
		}
		if l, ok := MarketplaceLevel(rep.Risk); ok && l >= riskShownAtLeast {
			add(l, SourceMarketplace, RuleRisk, report.FileName, 0, "the marketplace rates this skill's risk "+rep.Risk+suffix(rep.Summary))
		}
		for _, mf := range rep.Findings {
			l, ok := MarketplaceLevel(mf.Severity)
			if !ok {
				l = Medium
			}
			where, line := report.FileName, 0
			if mf.File != "" && snapshot.ValidPath(mf.File) {
				where, line = mf.File, mf.Line
			}
			msg := mf.Title
			if mf.Description != "" {
				msg = strings.TrimSpace(msg + ": " + mf.Description)
			}
			sev := mf.Severity
			if sev == "" {
				sev = "unrated"
			}
			add(l, SourceMarketplace, RuleFinding, where, line, "marketplace audit ("+sev+"): "+msg)
		}
		if rep.Content == report.Stale || rep.Tree == report.Stale {
			add(Low, SourceMarketplace, RuleStale, report.FileName, 0,
				fmt.Sprintf("the marketplace's report records hashes of other files (content %s, tree %s): it audited another version", rep.Content, rep.Tree))
		}
	}
	return v
}

// Summary counts the reasons by rule in one line, links as their hosts:
// "1 executable; 1 marketplace-risk; links to a.org, b.org". The rules and hosts are printable; the
// caller escapes the line as it does any other.
func (v Verdict) Summary() string {
	counts := map[string]int{}
	var rules, hosts []string
	for _, r := range v.Reasons {
		if r.Rule == KindExternalLink {
			hosts = append(hosts, r.Message)
			continue
		}
		if counts[r.Rule] == 0 {
			rules = append(rules, r.Rule)
		}
		counts[r.Rule]++
	}
	sort.Strings(rules)
	sort.Strings(hosts)
	var parts []string
	for _, k := range rules {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	if len(hosts) > 0 {
		parts = append(parts, "links to "+strings.Join(hosts, ", "))
	}
	return strings.Join(parts, "; ")
}

func suffix(summary string) string {
	if summary == "" {
		return ""
	}
	return ": " + summary
}
