package install

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/adopt"
	"github.com/skillctl/skillctl/internal/agents"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/resolver"
	"github.com/skillctl/skillctl/internal/review"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/streams"
)

// Import adopts what other installers left: each skill their files record is resolved to a commit and
// compared with its installed folder. A folder identical to the repository's is recorded in skills.lock
// as it is (no file of it is written); one that differs is named and left alone, or with Force replaced;
// one that is missing is installed. The other tools' files are never changed.

// ImportOptions are the import command's flags.
type ImportOptions struct {
	Target TargetOptions // Global and Lock; the folders are the ones the other tools installed into
	Files  []string      // the other tools' files; none: those found at the project root (or home, with Global)
	DryRun bool
	Force  bool // replace a folder that differs from its repository's
	Limits Limits
	Review review.Options
	IO     *streams.IO
}

// Imported is one skill another tool recorded, and what import did (or, with --dry-run, would do).
type Imported struct {
	Name   string `json:"name"`
	Dir    string `json:"dir"`              // as the lock records it
	File   string `json:"file"`             // the other tool's file that recorded it
	Source string `json:"source,omitempty"` // in skillctl's grammar
	Commit string `json:"commit,omitempty"`
	Hash   string `json:"hash,omitempty"` // the repository folder's content hash
	// Action: adopt (recorded, nothing written), install (missing, written), replace (differed; --force),
	// unchanged (skills.lock records it already), differs (left alone), skip (cannot be imported: Reason).
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
	// Recorded is how what the other tool recorded of the folder compares with it: "match", "differs",
	// or "" when it recorded nothing skillctl can check.
	Recorded string `json:"recorded,omitempty"`
}

// ImportReport is one import.
type ImportReport struct {
	Files    []string   `json:"files"`
	Imported []Imported `json:"imported"`
	DryRun   bool       `json:"dry_run,omitempty"`
}

// importFormats are the files import recognises, by name; global says which are user-level.
var importFormats = []struct {
	name   string // base name, or the path relative to the root
	parse  func([]byte) ([]adopt.Entry, error)
	global bool
}{
	{adopt.VercelFile, adopt.ParseVercel, false},
	{adopt.VercelGlobalFile, adopt.ParseVercelGlobal, true},
	{adopt.APMFile, adopt.ParseAPM, false},
	{adopt.APMManifest, parseAPMManifest, false},
	{adopt.DotagentsFile, adopt.ParseDotagents, false},
}

// importNames lists the files import recognises by name.
func importNames() string {
	var names []string
	for _, f := range importFormats {
		names = append(names, filepath.Base(filepath.FromSlash(f.name)))
	}
	return strings.Join(names, ", ")
}

// projectNames lists the project-level files import looks for at the root.
func projectNames() string {
	var names []string
	for _, f := range importFormats {
		if !f.global {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ", ")
}

// parseAPMManifest answers apm.yml found alone: what APM installed, and where, is in apm.lock.yaml.
func parseAPMManifest([]byte) ([]adopt.Entry, error) {
	return nil, clierr.WithHint(fmt.Errorf("%s says what to install, not what was installed where; import reads %s", adopt.APMManifest, adopt.APMFile),
		"run 'apm install' to write "+adopt.APMFile+", then skillctl import", "or install the skills it names with skillctl install SOURCE")
}

// Import runs an import; see ImportOptions.
func Import(ctx context.Context, opts ImportOptions) (ImportReport, error) {
	rep := ImportReport{DryRun: opts.DryRun, Files: []string{}, Imported: []Imported{}}
	base, err := ResolveTarget(opts.Target)
	if err != nil {
		return rep, clierr.Usage(err)
	}
	root := base.base()
	files, err := importFiles(root, opts)
	if err != nil {
		return rep, err
	}
	// Every entry, grouped by the folder it is installed in: one target each.
	byDir := map[string][]importItem{}
	for _, f := range files {
		ents, err := readForeign(root, f.path, f.parse)
		if err != nil && f.scanned {
			continue // an installed skill's file that cannot be read holds no provenance to adopt
		}
		if err != nil {
			return rep, err
		}
		if len(ents) > 0 || !f.scanned {
			rep.Files = append(rep.Files, f.path)
		}
		for _, e := range ents {
			dir := filepath.Join(f.root, filepath.FromSlash(e.Dir))
			if !localfs.Inside(root, dir) {
				e.Skip = "its install folder lies outside " + root
			}
			byDir[dir] = append(byDir[dir], importItem{entry: e, file: f.path})
		}
	}
	if len(rep.Files) == 0 && len(opts.Files) == 0 {
		// Run again after an import that left no other tool's record (gh skill's metadata is gone from a
		// replaced SKILL.md), or in any project skillctl manages: nothing is left to do, which is no error.
		if l, err := lockfile.Read(base.Lock); err == nil && len(l.Skills) > 0 {
			opts.IO.Note("import: nothing to import: no other installer's file is left to read, and " + filepath.Base(base.Lock) + " already records the skills")
			return rep, nil
		}
	}
	if len(rep.Files) == 0 {
		if opts.Target.Global {
			return rep, clierr.WithHint(fmt.Errorf("import: no other installer's file in your home folder (~/%s)", adopt.VercelGlobalFile),
				"for a project's skills, run skillctl import in the project", "or name the file: skillctl import --global FILE")
		}
		return rep, clierr.WithHint(fmt.Errorf("import: no other installer's file in the project root %s", root),
			"import looks there for "+projectNames()+", and for gh skill's metadata in the agents' skill folders",
			"for your user-level skills: skillctl import --global", "or name the file: skillctl import FILE")
	}
	r := newResolver(opts.Target, opts.IO, opts.Limits)
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		t := base.in(d)
		rows, err := importInto(ctx, r, t, byDir[d], opts)
		rep.Imported = append(rep.Imported, rows...)
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

type importFile struct {
	path  string
	root  string // the folder its install folders are relative to: the file's, or home's for ~/.agents/...
	parse func([]byte) ([]adopt.Entry, error)
	// scanned: found by looking through agents' folders, not named or known by its name; one that cannot
	// be read, or records nothing, is passed over.
	scanned bool
}

// ghFile is the importFile of one installed SKILL.md that may hold gh skill's provenance: its folder's
// name is the skill's, the folder holding that the install folder.
func ghFile(root, skillMD string) importFile {
	skill := filepath.Dir(skillMD)
	dir := filepath.ToSlash(filepath.Dir(skill))
	if r, err := filepath.Rel(root, filepath.Dir(skill)); err == nil {
		dir = filepath.ToSlash(r)
	}
	name := filepath.Base(skill)
	return importFile{path: skillMD, root: root, scanned: true, parse: func(data []byte) ([]adopt.Entry, error) {
		if e, ok := adopt.ParseGhSkill(name, dir, data); ok {
			return []adopt.Entry{e}, nil
		}
		return nil, nil
	}}
}

// ghFiles lists the skill files of the folders agents read in the project, where gh skill installs.
func ghFiles(root string) []importFile {
	var out []importFile
	seen := map[string]bool{}
	for _, a := range agents.All() {
		for _, d := range a.ReadsProject() {
			if seen[d] {
				continue
			}
			seen[d] = true
			dir := filepath.Join(root, filepath.FromSlash(d))
			if localfs.CheckProjectPath(root, dir) != nil {
				continue // a linked agent folder is not the project's: never listed through
			}
			names, err := localfs.ReadDirCapped(dir, limits.MaxListedSkills+1)
			if err != nil || len(names) > limits.MaxListedSkills {
				continue
			}
			for _, n := range names {
				p := filepath.Join(dir, n)
				if fi, err := os.Lstat(p); err != nil || !fi.IsDir() || isHidden(n) {
					continue // a link is another tool's placement, not an install
				}
				if f := localfs.SkillFile(p); f != "" {
					out = append(out, ghFile(root, filepath.Join(p, f)))
				}
			}
		}
	}
	return out
}

// fileRoot is the folder p's entries are relative to, for a file of the format named name.
func fileRoot(p, name string) string {
	root := filepath.Dir(p)
	for range strings.Count(name, "/") {
		root = filepath.Dir(root)
	}
	return root
}

// importFiles is the files named (each recognised by its name), or those found at root.
func importFiles(root string, opts ImportOptions) ([]importFile, error) {
	var out []importFile
	if len(opts.Files) == 0 {
		for _, f := range importFormats {
			if f.global != opts.Target.Global {
				continue
			}
			p := filepath.Join(root, filepath.FromSlash(f.name))
			if f.name == adopt.APMManifest && exists(filepath.Join(root, adopt.APMFile)) {
				continue
			}
			if _, err := os.Lstat(p); err == nil {
				out = append(out, importFile{path: p, root: root, parse: f.parse})
			}
		}
		if !opts.Target.Global {
			out = append(out, ghFiles(root)...)
		}
		return out, nil
	}
	for _, name := range opts.Files {
		abs, err := filepath.Abs(name)
		if err != nil {
			return nil, err
		}
		var parse func([]byte) ([]adopt.Entry, error)
		var root string
		for _, f := range importFormats {
			if filepath.Base(abs) == filepath.Base(filepath.FromSlash(f.name)) {
				parse, root = f.parse, fileRoot(abs, f.name)
			}
		}
		if parse == nil && manifest.IsFileName(filepath.Base(abs)) {
			f := ghFile(root, abs)
			f.scanned = false
			out = append(out, f)
			continue
		}
		if parse == nil {
			return nil, clierr.WithHint(fmt.Errorf("%s: not a file import reads", name),
				"import reads "+importNames()+" and an installed SKILL.md, by those names")
		}
		out = append(out, importFile{path: abs, root: root, parse: parse})
	}
	return out, nil
}

// readForeign reads another tool's file as any untrusted project file: a regular file, capped, and
// never through a symbolic link.
func readForeign(root, file string, parse func([]byte) ([]adopt.Entry, error)) ([]adopt.Entry, error) {
	dir := root
	if !localfs.Inside(root, file) {
		dir = filepath.Dir(file) // a file named outside the project: only its own folder is checked
	}
	pf, err := localfs.ReadProjectFile(dir, file, adopt.MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, clierr.WithHint(fmt.Errorf("%s: no such file", file), "name a file that exists, or none to look at the project root")
	}
	if err != nil {
		return nil, err
	}
	if pf.Link != "" {
		return nil, &localfs.ProjectError{Path: file, Problem: "is reached through the symbolic link " + pf.Link + "; import reads no file through a link"}
	}
	ents, err := parse(pf.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return ents, nil
}

// importItem is one entry of one file, and, once resolved, its skill.
type importItem struct {
	entry adopt.Entry
	file  string
	res   *resolution
	why   string // why it could not be resolved
}

// in is t storing its skills in dir, with no other agents' folders: import records what is there.
func (t Target) in(dir string) Target {
	t.Dir, t.Links = filepath.Clean(dir), nil
	t.Rel = t.relative(t.Dir)
	return t
}

// importInto resolves the items of one folder and adopts them through the pipeline.
func importInto(ctx context.Context, r *resolver.Resolver, t Target, items []importItem, opts ImportOptions) ([]Imported, error) {
	opts.IO.StartProgress("resolving and fetching skills")
	for i := range items {
		it := &items[i]
		if it.entry.Skip != "" {
			continue
		}
		if it.entry.Find {
			p, err := r.SkillFolder(ctx, it.entry.Source(), it.entry.Name)
			if err != nil {
				it.why = err.Error()
				continue
			}
			it.entry.Path, it.entry.Find = p, false
		}
		res, err := resolveSources(ctx, r, []string{it.entry.Source()}, false)
		if err == nil {
			err = checkSkills(res, false, opts.Limits)
		}
		if err != nil {
			it.why = err.Error()
			continue
		}
		it.res = res
	}
	opts.IO.StopProgress()
	var rows []Imported
	err := pipeline{target: t, dryRun: opts.DryRun,
		plan: func(lock *lockfile.Lock) (*change, error) {
			var c *change
			rows, c = planImport(t, items, lock, opts.Force)
			return c, nil
		},
		review: func(c *change) error {
			var its []review.Item
			for _, n := range sortedNames(c.write) {
				its = append(its, review.Item{Name: n, Folder: c.write[n]})
			}
			_, err := review.Run(ctx, opts.IO, opts.Review, its)
			return err
		},
	}.run(ctx)
	return rows, err
}

func sortedNames(m map[string]*snapshot.Folder) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// planImport decides each item against the lock and the disk. A skill whose dependencies cannot all be
// recorded is not recorded either, so the lock never lists a dependency it does not hold. When nothing is
// recorded or written (every entry skipped, differing or unchanged) the change is nil: no folder and no
// lock is created or touched.
func planImport(t Target, items []importItem, lock *lockfile.Lock, force bool) ([]Imported, *change) {
	c := &change{write: map[string]*snapshot.Folder{}, force: force}
	var rows []Imported
	recorded := false
	for _, it := range items {
		e := it.entry
		row := Imported{Name: e.Name, Dir: t.Rel, File: it.file, Source: e.Source()}
		switch {
		case e.Skip != "":
			row.Action, row.Reason = "skip", e.Skip
		case it.res == nil:
			row.Action, row.Reason = "skip", it.why
		default:
			var put bool
			row, put = adoptOne(t, it, lock, c, row, force)
			recorded = recorded || put
		}
		rows = append(rows, row)
	}
	if !recorded && len(c.write) == 0 {
		return rows, nil
	}
	return rows, c
}

// adoptOne decides one resolved item and, when it can be recorded, puts it and its dependencies in lock;
// put says whether it changed the lock.
func adoptOne(t Target, it importItem, lock *lockfile.Lock, c *change, row Imported, force bool) (_ Imported, put bool) {
	res := it.res
	root := res.Skills[res.order[len(res.order)-1]]
	for _, n := range res.order {
		if res.Skills[n].Requested {
			root = res.Skills[n]
		}
	}
	row.Commit, row.Hash = root.Origin.Commit, root.Folder.Hash()
	if root.Name != it.entry.Name {
		row.Action, row.Reason = "skip", fmt.Sprintf("the repository's folder holds the skill %s, not %s", root.Name, it.entry.Name)
		return row, false
	}
	ghOnly := false // the folder differs from the repository's only by gh skill's provenance lines
	if disk, err := readInstalled(filepath.Join(t.Dir, root.Name)); err == nil {
		row.Recorded = recordedMatch(it.entry, disk, root.Folder)
		ghOnly = it.entry.Format == adopt.GhFormat && disk.Hash() != root.Folder.Hash() && stripGh(disk).Hash() == root.Folder.Hash()
	}
	// Each skill of the resolution (the root and what it depends on), decided; the first that cannot
	// be recorded stops the root.
	type decided struct {
		entry  lockfile.Entry
		action string
		folder *snapshot.Folder
	}
	var plan []decided
	for _, n := range res.order {
		sk := res.Skills[n]
		entry := lockEntry(t, sk)
		action, why := adoptAction(t, sk.Name, entry, lock.Find(t.Rel, sk.Name), force)
		if sk == root && ghOnly && (action == "differs" || action == "replace") {
			// gh's lines are provenance, not edits: skills.lock takes their place, so the repository's
			// SKILL.md is written (the only way the folder can verify against its hash).
			action, why, row.Reason = "replace", "", "SKILL.md differed only by gh skill's metadata lines; the repository's copy is written"
		}
		if why != "" {
			row.Action, row.Reason = action, why
			if sk != root {
				row.Reason = "needs " + sk.Name + ", which " + why
			}
			return row, false
		}
		plan = append(plan, decided{entry, action, sk.Folder})
	}
	for _, d := range plan {
		if d.action == "install" || d.action == "replace" {
			c.write[d.entry.Name] = d.folder
		}
		if d.action != "unchanged" {
			lock.Put(d.entry)
			put = true
		}
	}
	row.Action = plan[len(plan)-1].action
	for _, d := range plan {
		if d.entry.Name == root.Name {
			row.Action = d.action
		}
	}
	return row, put
}

// adoptAction is what import does with one resolved skill in t: unchanged when skills.lock records it
// already from the same place with the same files; adopt when the folder holds exactly the repository's
// files; install when there is none; replace (with force) or differs when it holds something else. why is
// set when the skill is not recorded.
func adoptAction(t Target, name string, next lockfile.Entry, prev *lockfile.Entry, force bool) (action, why string) {
	dir := filepath.Join(t.Dir, name)
	if prev != nil {
		if !sameOrigin(prev, &next) {
			return "skip", "skills.lock records it already, from " + describeEntry(prev)
		}
		if st, _ := stateOf(t, *prev); st == StateOK && prev.Hash == next.Hash {
			return "unchanged", ""
		}
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "install", ""
	}
	if fi.IsDir() {
		if cur, err := readInstalled(dir); err == nil && cur.Hash() == next.Hash {
			return "adopt", ""
		}
	}
	if force {
		return "replace", ""
	}
	return "differs", "differs from the repository's folder; left alone (--force replaces it)"
}

// stripGh is an installed folder with gh skill's provenance lines taken out of its skill file.
func stripGh(f *snapshot.Folder) *snapshot.Folder {
	out := &snapshot.Folder{Files: append([]snapshot.File(nil), f.Files...), Tree: f.Tree}
	if name := manifest.SkillFileOf(out); name != "" {
		for i := range out.Files {
			if out.Files[i].Path == name {
				out.Files[i].Data = adopt.StripGh(out.Files[i].Data)
			}
		}
	}
	return out
}

// recordedMatch compares what the other tool recorded of the folder with the disk (its computedHash) or
// with the repository's folder (a git tree hash).
func recordedMatch(e adopt.Entry, disk, repo *snapshot.Folder) string {
	var ok bool
	switch e.HashKind {
	case adopt.HashVercel:
		ok = adopt.VercelHash(disk.Files) == e.Hash
	case adopt.HashTree:
		ok = repo.Tree != "" && repo.Tree == e.Hash
	case adopt.HashFiles:
		ok = true
		for p, want := range e.Files {
			f := disk.File(p)
			if f == nil {
				ok = false
				break
			}
			sum := sha256.Sum256(f.Data)
			ok = ok && hex.EncodeToString(sum[:]) == want
		}
	default:
		return ""
	}
	if ok {
		return "match"
	}
	return "differs"
}
