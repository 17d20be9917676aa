// Package validate adapts the file system to package manifest: it finds skill folders under the paths it
// is given, checks them in parallel, adds the checks that need several skills at once (dependency cycles,
// unresolved names) and writes one report in a stable order.
//
// It is built to stay fast and small on marketplace-sized trees (thousands of skills): each tree is
// listed once, by several goroutines, and that one listing serves every skill's link checks; each
// SKILL.md is read once, into a buffer its worker reuses; a skill's result is cut down to its findings,
// name and depends-on entries as soon as it is checked (the body and the YAML are dropped), and results
// are written in order as they complete. Only the set checks make it wait: without --spec, when several
// skills are checked together, the cut-down results are held until every skill is known.
package validate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/skillctl/skillctl/internal/agents"
	"github.com/skillctl/skillctl/internal/manifest"
)

// Options are the inputs of one run. Format is one of Formats ("text" when empty); Jobs is the number of
// skills checked at once, 0 meaning GOMAXPROCS; Version is skillctl's, for the SARIF tool.driver. Quiet
// lists errors only: warnings are still counted, in the summary. Agents (names from agents.Choose) narrow
// the frontmatter fields accepted to those these agents document; none: every agent's. Installed are the
// absolute folders of the third-party skills the project's lock (Lock, absolute) records: a walk leaves
// them out unless a PATH names them (see named).
type Options struct {
	Paths        []string
	Strict, Spec bool
	Quiet        bool
	Agents       []string
	Installed    []string
	Lock         string
	Format       string
	Jobs         int
	Version      string
}

// Summary counts the run's results after Strict and Spec are applied: skills, invalid skills, findings by
// severity and by rule, and the installed skills left out (Options.Installed).
type Summary struct {
	Skills, Invalid, Errors, Warnings int
	Rules                             map[string]int
	Skipped                           int
}

func (s *Summary) add(r *Result) {
	s.Skills++
	if !r.Valid() {
		s.Invalid++
	}
	for _, d := range r.Diagnostics {
		if d.Severity == manifest.Error {
			s.Errors++
		} else {
			s.Warnings++
		}
		if s.Rules == nil {
			s.Rules = map[string]int{}
		}
		s.Rules[d.Rule]++
	}
}

// listed is what the report lists of r: every finding, or with quiet its errors only.
func listed(r *Result, quiet bool) *Result {
	if !quiet {
		return r
	}
	out := *r
	out.Diagnostics = nil
	for _, d := range r.Diagnostics {
		if d.Severity == manifest.Error {
			out.Diagnostics = append(out.Diagnostics, d)
		}
	}
	return &out
}

// Result is one skill's outcome, in report order. It keeps what reports and set checks need, not the
// skill's text.
type Result struct {
	Dir          string // folder as displayed
	File         string // SKILL.md as displayed
	Name         string // the frontmatter's name, "" when unreadable
	DependsOn    []string
	DependsOnPos []manifest.Position
	Diagnostics  []manifest.Diagnostic
}

// Valid reports whether the skill has no error.
func (r Result) Valid() bool { return manifest.Valid(r.Diagnostics) }

// Run validates every skill found under Paths and writes the report to w in Format, one skill at a time.
// err is for problems that are not findings (a path that does not exist, one holding no skill, a folder
// that cannot be listed, an unknown format), found before anything is written, or a failed write;
// findings make Summary.Invalid > 0.
func Run(opts Options, w io.Writer) (Summary, error) {
	rep, err := newReporter(opts.Format, w, opts)
	if err != nil {
		return Summary{}, err
	}
	var sum Summary
	sum.Skipped, err = Each(opts, func(r *Result) error {
		sum.add(r)
		return rep.skill(listed(r, opts.Quiet))
	})
	if err != nil {
		return sum, err
	}
	return sum, rep.end(sum)
}

// Each finds and checks the skills under opts.Paths and calls fn with each result, in folder order, as
// soon as it and every result before it are ready. Without Spec, when there are several skills, results
// are held until all are checked, since the set checks can add findings to any of them. skipped counts
// the installed skills left out.
func Each(opts Options, fn func(*Result) error) (skipped int, err error) {
	skills, skipped, err := find(opts.Paths, opts.Installed)
	if err != nil {
		return 0, err
	}
	mode := manifest.Mode{Strict: opts.Strict, Spec: opts.Spec, Cuts: agentCuts(), Fields: agents.KnownFields(), Agents: opts.Agents}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	if opts.Spec || len(skills) < 2 {
		return skipped, checkAll(skills, mode, jobs, fn)
	}
	held := make([]Result, 0, len(skills))
	if err := checkAll(skills, mode, jobs, func(r *Result) error {
		held = append(held, *r)
		return nil
	}); err != nil {
		return skipped, err
	}
	setChecks(held, opts.Strict)
	for i := range held {
		if err := fn(&held[i]); err != nil {
			return skipped, err
		}
	}
	return skipped, nil
}

// find turns Paths into skill folders, sorted by folder and without repeats, leaving out the installed
// folders no PATH names; skipped counts those.
func find(paths, installed []string) (skills []skillDir, skipped int, err error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	inst := map[string]bool{}
	for _, d := range installed {
		inst[filepath.Clean(d)] = true
	}
	seen := map[string]bool{}
	left := map[string]bool{}
	for _, p := range paths {
		found, err := discover(p)
		if err != nil {
			return nil, 0, err
		}
		for _, s := range found {
			if seen[s.abs] {
				continue
			}
			if inst[s.abs] && !named(p, s.abs) {
				left[s.abs] = true
				continue
			}
			seen[s.abs] = true
			delete(left, s.abs)
			skills = append(skills, s)
		}
	}
	sort.Slice(skills, func(i, j int) bool { return skills[i].dir < skills[j].dir })
	return skills, len(left), nil
}

// named reports whether PATH p names the installed skill at abs rather than reaching it by walking a
// project: p is the skill's folder, a path inside it, or the folder of installed skills that holds it
// (.claude/skills). A walk from the project root, or any folder above that one, leaves it out.
func named(p, abs string) bool {
	pa, err := filepath.Abs(p)
	if err != nil {
		return true
	}
	rel, err := filepath.Rel(filepath.Dir(abs), pa)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// checkAll checks skills on jobs workers and calls fn with each result in index order, as soon as the
// results before it are done. After fn fails, the workers stop taking skills and fn is not called again.
func checkAll(skills []skillDir, mode manifest.Mode, jobs int, fn func(*Result) error) error {
	type done struct {
		i int
		r Result
	}
	out := make(chan done, 2*jobs)
	var next atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range min(jobs, len(skills)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for !stop.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(skills) {
					return
				}
				var r Result
				r, buf = checkOne(skills[i], mode, buf)
				out <- done{i, r}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	// Results that finish early wait here for the ones before them; each is small (no skill text).
	pending := map[int]*Result{}
	want := 0
	var err error
	for d := range out {
		pending[d.i] = &d.r
		for r, ok := pending[want]; ok; r, ok = pending[want] {
			delete(pending, want)
			want++
			if err == nil {
				if err = fn(r); err != nil {
					stop.Store(true)
				}
			}
		}
	}
	return err
}

// skillDir is a found skill: its folder and SKILL.md as displayed, the folder's files relative to it,
// and the SKILL.md's type as the listing saw it (0 when unknown).
type skillDir struct {
	dir, file, abs string
	files          []string
	mode           fs.FileMode
	typeKnown      bool
}

// discover turns one PATH into skill folders. A tree is listed without following symlinked folders, so
// a link cannot loop or lead outside it; .git and node_modules are skipped, other hidden folders are not
// (marketplaces keep skills under .curated/).
func discover(p string) ([]skillDir, error) {
	info, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or folder", p)
		}
		return nil, err
	}
	if !info.IsDir() {
		if !manifest.IsFileName(filepath.Base(p)) {
			return nil, fmt.Errorf("%s: not a SKILL.md file or a folder", p)
		}
		dir := filepath.Dir(p)
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		l, err := list(dir, runtime.GOMAXPROCS(0))
		if err != nil {
			return nil, err
		}
		return []skillDir{{dir: dir, file: p, abs: abs, files: l.files}}, nil
	}
	// One Abs for the tree: it stats the working folder each time it is called.
	absRoot, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	l, err := list(p, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	// The skill file of each folder, by manifest's case rule.
	best := map[string]string{}
	for rel := range l.skillFiles {
		dir := path2dir(rel)
		if _, ok := best[dir]; ok {
			continue
		}
		best[dir] = path.Join(dir, manifest.SkillFile(func(n string) bool {
			_, ok := l.skillFiles[path.Join(dir, n)]
			return ok
		}))
	}
	if len(best) == 0 {
		return nil, fmt.Errorf("%s: no skill found (a skill is a folder holding SKILL.md)", p)
	}
	out := make([]skillDir, 0, len(best))
	for d, rel := range best {
		out = append(out, skillDir{
			dir:       filepath.Join(p, filepath.FromSlash(d)),
			abs:       filepath.Join(absRoot, filepath.FromSlash(d)),
			file:      filepath.Join(p, filepath.FromSlash(rel)),
			files:     under(l.files, d),
			mode:      l.skillFiles[rel],
			typeKnown: true,
		})
	}
	return out, nil
}

func path2dir(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return "."
}

// under returns the files inside folder d (a slash path relative to the walk's root), relative to d.
func under(files []string, d string) []string {
	if d == "." {
		return files
	}
	prefix := d + "/"
	i := sort.SearchStrings(files, prefix)
	j := i
	for j < len(files) && strings.HasPrefix(files[j], prefix) {
		j++
	}
	out := make([]string, j-i)
	for k := range out {
		out[k] = files[i+k][len(prefix):]
	}
	return out
}

// checkOne reads one SKILL.md into buf (grown as needed and returned for reuse), never more than
// manifest.MaxFileSize+1 bytes of it, checks it and cuts the outcome down to a Result.
func checkOne(s skillDir, mode manifest.Mode, buf []byte) (Result, []byte) {
	r := Result{Dir: s.dir, File: s.file}
	finding := func(rule, format string, args ...any) (Result, []byte) {
		r.Diagnostics = []manifest.Diagnostic{{File: s.file, Line: 1, Column: 1, Severity: manifest.Error,
			Rule: rule, Message: fmt.Sprintf(format, args...)}}
		return r, buf
	}
	// The listing's type saves a stat for the usual regular file; anything else (a symlink, a type the
	// listing could not tell) is stat'ed first, so a FIFO is never opened. A link is not followed: the
	// skill reader never reads one (manifest.ErrNotRegular), so validate must not pass it either.
	if !s.typeKnown || !s.mode.IsRegular() {
		info, err := os.Lstat(s.file)
		if err != nil {
			return finding("unreadable-file", "SKILL.md cannot be read: %s", errText(err))
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return finding("not-regular-file", "SKILL.md is a link, and skillctl never follows one into a skill: replace it with the file")
		}
		if !info.Mode().IsRegular() {
			return finding("not-regular-file", "SKILL.md is not a regular file: replace it with one")
		}
	}
	data, size, err := readFile(s.file, buf[:0])
	buf = data[:0]
	if err != nil {
		return finding("unreadable-file", "SKILL.md cannot be read: %s", errText(err))
	}
	files := s.files
	if files == nil {
		files = []string{}
	}
	sk, diags := manifest.Check(manifest.Input{
		File: s.file, Dir: filepath.Base(s.abs), Data: data, Files: files, Size: size,
	}, mode)
	r.Diagnostics = diags
	if sk != nil {
		// Strings from the YAML are copies; nothing kept here points into buf.
		r.Name, r.DependsOn, r.DependsOnPos = sk.Name, sk.DependsOn, sk.DependsOnPos
	}
	return r, buf
}

// errText is an error's reason without the path, which the finding's location already gives.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// agentCuts is every agent's documented cut of a listed description (the agent table's Listing.Entry),
// for the description-cut rule.
func agentCuts() []manifest.Cut {
	var out []manifest.Cut
	for _, a := range agents.All() {
		if a.Listing.Entry > 0 {
			out = append(out, manifest.Cut{Agent: a.Name, Chars: a.Listing.Entry, Source: a.Listing.Source})
		}
	}
	return out
}
