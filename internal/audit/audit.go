// Package audit checks every skill a lock records, as npm audit checks a lockfile's packages: whether
// the installed files are still the ones pinned (drift), whether each SKILL.md is valid, what the content
// review flags (code that runs, hidden text, pipe-to-shell lines, with file and line), and what the
// marketplace's own report says where the skill carries one. It returns data; Write prints it.
//
// The marketplace's report is the skill-report.json a marketplace puts inside each skill folder (see
// package report); it is installed with the skill and read from there. No registry skillctl knows
// publishes reports anywhere else, so nothing is fetched.
package audit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/skillctl/skillctl/internal/agents"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/report"
	"github.com/skillctl/skillctl/internal/risk"
)

// Level ranks a finding; --level names the lowest that fails the run. It is the risk verdict's scale
// (risk.Level), so a level means the same here, in install's review and in info.
type Level = risk.Level

const (
	Low    = risk.Low
	Medium = risk.Medium
	High   = risk.High
)

// Sources of findings.
const (
	SourceLock        = "lock"                 // the installed files against the lock
	SourceValidate    = "validate"             // SKILL.md against the spec and marketplace rules
	SourceReview      = risk.SourceReview      // the content review (package risk)
	SourceMarketplace = risk.SourceMarketplace // the marketplace's skill-report.json
)

// Finding is one thing the audit reports. File is the path as displayed (the lock's folder joined with
// the skill's folder and the file); Line and Column are 1-based, 0 when the finding is about a whole file
// or folder. Message is the untrusted text as found: writers escape it for their format.
type Finding struct {
	Level   Level  `json:"level"`
	Source  string `json:"source"`
	Rule    string `json:"rule"`
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// SkillAudit is one lock entry's audit.
type SkillAudit struct {
	Name     string         `json:"name"`
	Folder   string         `json:"folder"` // as displayed
	Source   string         `json:"source"` // as the lock records it
	State    string         `json:"state"`  // ok, modified, missing, unreadable or refused
	Hash     string         `json:"hash,omitempty"`
	LockHash string         `json:"lock_hash"`
	Report   *report.Report `json:"marketplace_report"` // nil when the folder carries none
	Findings []Finding      `json:"findings"`
}

// Result is a whole audit, skills in lock order.
type Result struct {
	Lock   string       `json:"lock"`
	Skills []SkillAudit `json:"skills"`
}

// Count tallies the findings by level.
func (r *Result) Count() map[Level]int {
	m := map[Level]int{}
	for _, s := range r.Skills {
		for _, f := range s.Findings {
			m[f.Level]++
		}
	}
	return m
}

// AtLeast counts the findings at or above min.
func (r *Result) AtLeast(min Level) int {
	n := 0
	for l, c := range r.Count() {
		if l >= min {
			n += c
		}
	}
	return n
}

// Run audits every skill the lock at lockPath records. The lock's folders are relative to base: the
// project root for a project's lock, the home folder for the global lock (install.ResolveTarget finds both,
// as for every command). Paths are displayed relative to shown (the current folder) when they lie below
// it, else absolute. A missing or unreadable lock is an error; anything wrong with a skill is a finding on
// it.
func Run(lockPath, base, shown string) (*Result, error) {
	if _, err := os.Lstat(lockPath); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such lock file", display(shown, lockPath))
	}
	lock, err := lockfile.Read(lockPath)
	if err != nil {
		return nil, err
	}
	res := &Result{Lock: display(shown, lockPath), Skills: []SkillAudit{}}
	for _, e := range lock.Skills {
		res.Skills = append(res.Skills, auditOne(filepath.Dir(lockPath), base, shown, e))
	}
	return res, nil
}

// display is p as a report shows it: relative to shown when below it, so a report made at the project root
// names the files as the project's own (SARIF wants that), else absolute.
func display(shown, p string) string {
	if r, err := filepath.Rel(shown, p); err == nil && localfs.Inside(shown, p) {
		return r
	}
	return p
}

// auditOne audits one entry whose folder is relative to base; root is the lock's folder, whose real
// folders a skill inside it must be reached through.
func auditOne(root, base, shown string, e lockfile.Entry) SkillAudit {
	abs := filepath.Join(filepath.FromSlash(e.Dir), e.Name)
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(base, abs)
	}
	disp := display(shown, abs)
	s := SkillAudit{Name: e.Name, Folder: disp, Source: e.Source, LockHash: e.Hash, Findings: []Finding{}}
	add := func(l Level, src, rule, file string, line, col int, format string, args ...any) {
		s.Findings = append(s.Findings, Finding{Level: l, Source: src, Rule: rule, File: file, Line: line, Column: col,
			Message: fmt.Sprintf(format, args...)})
	}
	// A folder the lock names outside its base (an absolute one) is not read: a cloned lock could name any
	// folder of this machine and have its files quoted into the report (a hidden comment, a pipe-to-shell
	// line), which CI uploads; restore does not write there either.
	if filepath.IsAbs(filepath.FromSlash(e.Dir)) {
		s.State = "refused"
		add(High, SourceLock, "folder-refused", disp, 0, 0,
			"not read: the lock names a folder outside the project; skillctl reads and writes only the lock's folders inside it (install the skill again there, or audit that folder's own lock with --lock)")
		return s
	}
	// A folder the lock places inside the project is read only through real folders, as install writes it.
	if localfs.Inside(root, abs) {
		if err := localfs.CheckProjectPath(root, abs); err != nil {
			s.State = "refused"
			add(High, SourceLock, "folder-refused", disp, 0, 0, "not read: %v", err)
			return s
		}
	}
	folder, err := localfs.ReadInstalled(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.State = "missing"
		add(Medium, SourceLock, "lock-missing", disp, 0, 0, "in skills.lock but not installed: run skillctl install to restore it")
		return s
	case err != nil:
		s.State = "unreadable"
		add(Medium, SourceLock, "folder-unreadable", disp, 0, 0, "the installed folder cannot be read: %v", err)
		return s
	}
	s.Hash = folder.Hash()
	s.State = "ok"
	if s.Hash != e.Hash {
		s.State = "modified"
		add(High, SourceLock, "lock-modified", disp, 0, 0,
			"the installed files differ from skills.lock (content %s, locked %s): they are not what was pinned; skillctl verify names the files, skillctl install restores them",
			short(s.Hash), short(e.Hash))
	}
	file := func(p string) string { return filepath.Join(disp, filepath.FromSlash(p)) }

	// Validation, as skillctl validate would judge this one skill.
	rd := manifest.ReadFolder(manifest.FolderInput{Folder: folder, Dir: e.Name, Show: disp}, manifest.Mode{Fields: agents.KnownFields()})
	if rd.Err != nil {
		add(Medium, SourceValidate, "skill-md-missing", disp, 0, 0, "the folder has no SKILL.md (a regular file): it is not a skill an agent can load")
	} else {
		for _, d := range rd.Diags {
			l := Low
			if d.Severity == manifest.Error {
				l = Medium
			}
			add(l, SourceValidate, d.Rule, d.File, d.Line, d.Column, "%s", d.Message)
		}
	}

	// The risk verdict: the content review and the marketplace's report, judged once (risk.Judge), as
	// install's review and info judge them.
	r, err := report.Check(folder)
	s.Report = r
	for _, x := range risk.Judge(risk.Scan(folder), r, err).Reasons {
		add(x.Level, x.Source, x.Rule, file(x.Path), x.Line, 0, "%s", x.Message)
	}
	sortFindings(s.Findings)
	return s
}

func short(h string) string {
	if len(h) > 19 {
		return h[:19] + "…"
	}
	return h
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Level != b.Level {
			return a.Level > b.Level
		}
		return a.Rule < b.Rule
	})
}
