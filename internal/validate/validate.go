// Package validate adapts the file system to package manifest: it finds skill folders under the paths it
// is given, checks them in parallel, adds the checks that need several skills at once (dependency cycles,
// unresolved names) and writes one report in a stable order.
package validate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/skillctl/skillctl/internal/manifest"
)

// Options are the inputs of one run. Format is one of Formats ("text" when empty); Jobs is the number of
// skills checked at once, 0 meaning GOMAXPROCS; Version is skillctl's, for the SARIF tool.driver.
type Options struct {
	Paths        []string
	Strict, Spec bool
	Format       string
	Jobs         int
	Version      string
}

// Summary counts the run's results after Strict and Spec are applied.
type Summary struct{ Skills, Invalid, Errors, Warnings int }

// Result is one skill's outcome, in report order.
type Result struct {
	Dir         string // folder as displayed
	File        string // SKILL.md as displayed
	Name        string // the frontmatter's name, "" when unreadable
	Skill       *manifest.Skill
	Diagnostics []manifest.Diagnostic
}

// Valid reports whether the skill has no error.
func (r Result) Valid() bool { return manifest.Valid(r.Diagnostics) }

// Run validates every skill found under Paths and writes the report to w in Format. err is for problems
// that are not findings (a path that does not exist, one holding no skill, an unreadable file, an unknown
// format); findings make Summary.Invalid > 0.
func Run(opts Options, w io.Writer) (Summary, error) {
	if _, err := newReporter(opts.Format, io.Discard, opts); err != nil {
		return Summary{}, err
	}
	results, err := Check(opts)
	if err != nil {
		return Summary{}, err
	}
	sum := summarize(results)
	rep, err := newReporter(opts.Format, w, opts)
	if err != nil {
		return sum, err
	}
	for i := range results {
		if err := rep.skill(&results[i]); err != nil {
			return sum, err
		}
	}
	return sum, rep.end(sum)
}

// Check finds and checks the skills under opts.Paths and returns them sorted by folder, with the set
// checks applied; it writes nothing.
func Check(opts Options) ([]Result, error) {
	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var skills []skillDir
	seen := map[string]bool{}
	for _, p := range paths {
		found, err := discover(p)
		if err != nil {
			return nil, err
		}
		for _, s := range found {
			abs, err := filepath.Abs(s.dir)
			if err != nil {
				return nil, err
			}
			if !seen[abs] {
				seen[abs] = true
				s.abs = abs
				skills = append(skills, s)
			}
		}
	}
	sort.Slice(skills, func(i, j int) bool { return skills[i].dir < skills[j].dir })

	mode := manifest.Mode{Strict: opts.Strict, Spec: opts.Spec}
	results := make([]Result, len(skills))
	errs := make([]error, len(skills))
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, len(skills)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = checkOne(skills[i], mode)
			}
		}()
	}
	for i := range skills {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if !opts.Spec {
		setChecks(results, opts.Strict)
	}
	return results, nil
}

// skillDir is a found skill: its folder and SKILL.md as displayed, and the folder's files relative to it.
type skillDir struct {
	dir, file, abs string
	files          []string
}

func isSkillFile(name string) bool { return name == "SKILL.md" || name == "skill.md" }

// discover turns one PATH into skill folders. A tree is walked without following symlinked folders, so
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
		if !isSkillFile(filepath.Base(p)) {
			return nil, fmt.Errorf("%s: not a SKILL.md file or a folder", p)
		}
		dir := filepath.Dir(p)
		_, files, err := walk(dir)
		if err != nil {
			return nil, err
		}
		return []skillDir{{dir: dir, file: p, files: files}}, nil
	}
	skillFiles, files, err := walk(p)
	if err != nil {
		return nil, err
	}
	if len(skillFiles) == 0 {
		return nil, fmt.Errorf("%s: no skill found (a skill is a folder holding SKILL.md)", p)
	}
	out := make([]skillDir, 0, len(skillFiles))
	for _, rel := range skillFiles {
		d := path2dir(rel)
		out = append(out, skillDir{
			dir:   filepath.Join(p, filepath.FromSlash(d)),
			file:  filepath.Join(p, filepath.FromSlash(rel)),
			files: under(files, d),
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

// walk lists a tree: the SKILL.md of each skill folder (SKILL.md preferred to skill.md) and every file,
// as sorted slash paths relative to root.
func walk(root string) (skillFiles, files []string, err error) {
	start := root
	if fi, err := os.Lstat(root); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		start = root + string(filepath.Separator) // the root itself may be a link the user chose
	}
	best := map[string]string{}
	err = filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, rerr := filepath.Rel(root, p)
		if rerr != nil {
			return rerr
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (d.Name() == ".git" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		files = append(files, rel)
		if isSkillFile(d.Name()) {
			dir := path2dir(rel)
			if prev, ok := best[dir]; !ok || strings.HasSuffix(prev, "skill.md") {
				best[dir] = rel
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, f := range best {
		skillFiles = append(skillFiles, f)
	}
	sort.Strings(skillFiles)
	sort.Strings(files)
	return skillFiles, files, nil
}

// under returns the files inside folder d (a slash path relative to the walk's root), relative to d.
func under(files []string, d string) []string {
	if d == "." {
		return files
	}
	prefix := d + "/"
	i := sort.SearchStrings(files, prefix)
	var out []string
	for ; i < len(files) && strings.HasPrefix(files[i], prefix); i++ {
		out = append(out, files[i][len(prefix):])
	}
	return out
}

// checkOne reads one SKILL.md, never more than manifest.MaxFileSize+1 bytes of it, and checks it.
func checkOne(s skillDir, mode manifest.Mode) (Result, error) {
	r := Result{Dir: s.dir, File: s.file}
	info, err := os.Stat(s.file)
	if err != nil {
		return r, err
	}
	if !info.Mode().IsRegular() {
		r.Diagnostics = []manifest.Diagnostic{{File: s.file, Line: 1, Column: 1, Severity: manifest.Error,
			Rule: "not-regular-file", Message: "SKILL.md is not a regular file: replace it with one"}}
		return r, nil
	}
	f, err := os.Open(s.file)
	if err != nil {
		return r, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, manifest.MaxFileSize+1))
	if err != nil {
		return r, fmt.Errorf("%s: %w", s.file, err)
	}
	files := s.files
	if files == nil {
		files = []string{}
	}
	r.Skill, r.Diagnostics = manifest.Check(manifest.Input{
		File: s.file, Dir: filepath.Base(s.abs), Data: data, Files: files, Size: info.Size(),
	}, mode)
	if r.Skill != nil {
		r.Name = r.Skill.Name
	}
	return r, nil
}

func summarize(results []Result) Summary {
	s := Summary{Skills: len(results)}
	for _, r := range results {
		if !r.Valid() {
			s.Invalid++
		}
		for _, d := range r.Diagnostics {
			if d.Severity == manifest.Error {
				s.Errors++
			} else {
				s.Warnings++
			}
		}
	}
	return s
}
