// Package resolver is the only code that turns a source into skill folders at commits: a tree or blob
// URL, an OWNER/REPO shorthand, a git URL, a local path (~/x included), NAME, NAME@REGISTRY, AUTHOR/NAME,
// or a lock entry's origin. Every command that needs a skill (install, deps, info, search, update, check,
// verify, registry) asks one Resolver, which holds the run's one git client (object cache, ref memo,
// fetch notes) and its registries, so no two commands can read a source differently.
//
// The dependency walk's rules live in the pure package depgraph; this package adapts the world to it
// (walk.go). What it reads of the world (refs, folders at commits, registry lookups, the bundled skills)
// comes through World (world.go), so its tests run against a fake.
package resolver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/registry"
	"github.com/skillctl/skillctl/internal/semver"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// Resolver resolves sources for one run. It is not safe for concurrent use.
type Resolver struct {
	limits limits.Limits
	world  World
	names  Names    // loaded on first use
	run    string   // the command the user ran, as its hints name it; "skillctl install" unless For says
	major  bool     // Follow moves a release to the newest of any major (update --major), not of its own
	all    bool     // a plugin named where a skill is expected stands for all its skills (install --all)
	pick   []string // the skills to take from a site's index (install --skill)
}

// AllOfPlugins makes a plugin's name, where a skill is expected, stand for every skill the plugin holds
// (install --all), each requested under its own source PLUGIN/SKILL[@REGISTRY]. It returns r.
func (r *Resolver) AllOfPlugins(all bool) *Resolver {
	r.all = all
	return r
}

// CrossMajor makes Follow move a release to the newest release of any major (update --major); by
// default it stays within its major. It returns r.
func (r *Resolver) CrossMajor(cross bool) *Resolver {
	r.major = cross
	return r
}

// For names the command the user ran ("skillctl info"), so a hint that picks among several skills of a
// name tells them to run that command again, not another. It returns r.
func (r *Resolver) For(run string) *Resolver {
	r.run = run
	return r
}

// command is the command line a hint that picks a requested skill starts with.
func (r *Resolver) command() string {
	if r.run == "" {
		return "skillctl install"
	}
	return r.run
}

// New returns a resolver whose fetches and local reads are capped by lim (zero fields: the defaults) and
// whose notes go to io: one git client for the run, the configured registries and the bundled skills.
func New(io *streams.IO, lim limits.Limits) *Resolver {
	return newLoading(io, lim, registry.Load)
}

// NewUser is New for --global: the user's own registries and the bundled skills only, never a project's
// .skillctl/registries.json, since what a --global install writes serves every project of the user and a
// cloned project must not choose it.
func NewUser(io *streams.IO, lim limits.Limits) *Resolver {
	return newLoading(io, lim, registry.LoadUser)
}

func newLoading(io *streams.IO, lim limits.Limits, load func(*streams.IO, *gitfetch.Client) (*registry.Set, error)) *Resolver {
	lim = lim.WithDefaults()
	git := registry.NewClient(io.NoteWriter(), lim)
	return NewWorld(World{
		Git:     git,
		Bundled: registry.NewBuiltin(),
		Names: func() (Names, error) {
			s, err := load(io, git)
			if err != nil {
				return nil, err
			}
			return s, nil
		},
	}, lim)
}

// NewWorld returns a resolver that reads w: New's world, or a test's fake.
func NewWorld(w World, lim limits.Limits) *Resolver {
	return &Resolver{limits: lim.WithDefaults(), world: w}
}

// CommitTime is when a repository's commit was made, by its committer line: what decides between two
// versions of one skill when two sides of a merge recorded different commits (lockfile.Merge).
func (r *Resolver) CommitTime(ctx context.Context, repo, commit string) (time.Time, error) {
	return r.world.Git.CommitTime(ctx, repo, commit)
}

// Limits are the caps this resolver fetches with.
func (r *Resolver) Limits() limits.Limits { return r.limits }

// registries loads the registries once per run, on first use. A failure needs a way out.
func (r *Resolver) registries() (Names, error) {
	if r.names == nil {
		s, err := r.world.Names()
		if err != nil {
			return nil, clierr.WithHint(err, "see 'skillctl registry list', or fix the file it names")
		}
		r.names = s
	}
	return r.names, nil
}

// Located is a folder a source named, in memory, and how it was found.
type Located struct {
	Origin   Origin
	Folder   *snapshot.Folder
	Source   string // as typed, or the depends-on name that led to it
	Registry string // the registry that named it, if one did
	Author   string // its author in that registry's layout
	Label    string // the name it was found by: the registry entry's, else the folder's
	// Moved is, for Follow, a release tag the lock recorded that now names another commit upstream: the
	// commit it names now. Follow never takes it; the caller reports it.
	Moved string
}

// Locate finds the folder one source names and fetches it into memory.
func (r *Resolver) Locate(ctx context.Context, raw string) (*Located, error) {
	got, err := r.LocateAll(ctx, []string{raw})
	if err != nil {
		return nil, err
	}
	return got[0], nil
}

// LocateAll is Locate for several sources, in order. Git sources are pinned first and then fetched in one
// batch per repository and commit.
func (r *Resolver) LocateAll(ctx context.Context, raws []string) ([]*Located, error) {
	return r.locate(ctx, raws, false)
}

// locate is LocateAll; withDeps fetches, with a batch of a few folders, the siblings their depends-on
// name (siblingDeps), for a caller that walks them next (Resolve).
func (r *Resolver) locate(ctx context.Context, raws []string, withDeps bool) ([]*Located, error) {
	out := make([]*Located, len(raws))
	plugins := map[int][]*Located{} // a plugin's skills, in place of out[i], with AllOfPlugins
	var pinned []pinnedAt
sources:
	for i, raw := range raws {
		s, err := source.Parse(raw)
		if err != nil {
			return nil, clierr.Usage(err)
		}
		// Text that reads two ways (AUTHOR/NAME or OWNER/REPO): source.Readings says which reading wins.
		// The ones before the last are tried, and passed over when no registry has the skill.
		rs := s.Readings(r.isRegistry)
		for _, rd := range rs[:len(rs)-1] {
			l, err := r.authorName(ctx, rd, rs[len(rs)-1].Repo, raw)
			if err != nil {
				return nil, err
			}
			if l != nil {
				out[i] = l
				continue sources
			}
		}
		s = rs[len(rs)-1]
		switch s.Kind {
		case source.Git:
			o, err := r.pin(ctx, &s)
			if err != nil && gitfetch.NotARepository(err) {
				// No repository at an http(s) URL: perhaps a web site, listing its skills in its index.
				if ls, ok, werr := r.siteInstead(ctx, s, raw); ok {
					if werr != nil {
						return nil, werr
					}
					plugins[i] = ls
					continue
				}
			}
			var se *source.Error
			if err != nil && !errors.As(err, &se) { // a source.Error names the source already
				err = fmt.Errorf("%s: %w", raw, err)
			}
			if err != nil {
				return nil, err
			}
			pinned = append(pinned, pinnedAt{i, o, raw})
		case source.Local:
			dir := ExpandHome(s.Dir)
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				problem := "no such folder"
				if err == nil {
					problem = "not a folder"
				}
				return nil, clierr.WithHint(fmt.Errorf("%s: %s", raw, problem), "a local source is the path of a folder that holds a SKILL.md")
			}
			if localfs.SkillFile(dir) == "" {
				// Checked before reading: `skillctl install /` must not walk the disk to say no.
				return nil, clierr.WithHint(fmt.Errorf("%s: %w", raw, manifest.ErrNoSkillFile), "point the source at a folder that holds a SKILL.md")
			}
			f, err := r.readLocal(dir)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", raw, err)
			}
			out[i] = &Located{Origin: Origin{Kind: Local, Dir: dir}, Folder: f, Source: raw, Label: filepath.Base(dir)}
		case source.Site:
			ls, err := r.site(ctx, s, raw)
			if err != nil {
				return nil, err
			}
			plugins[i] = ls
		case source.Artifact:
			l, err := r.artifact(ctx, s, raw)
			if err != nil {
				return nil, err
			}
			out[i] = l
		case source.Name:
			l, err := r.byName(ctx, s.Name, s.Author, s.Registry, s.Version, raw)
			var pe *registry.PluginError
			if errors.As(err, &pe) && r.all && len(pe.Skills) > 0 {
				if plugins[i], err = r.pluginSkills(ctx, pe, s.Registry); err != nil {
					return nil, err
				}
				continue
			}
			if err != nil {
				return nil, err
			}
			out[i] = l
		}
	}
	if err := r.fetchPinned(ctx, pinned, out, withDeps); err != nil {
		return nil, err
	}
	if len(plugins) == 0 {
		return out, nil
	}
	var all []*Located
	for i, l := range out {
		if l != nil {
			all = append(all, l)
		}
		all = append(all, plugins[i]...)
	}
	return all, nil
}

// pluginSkills locates every skill of a plugin, each under the source that names it alone in its
// registry (PLUGIN/SKILL, with @REGISTRY when the user named the registry), which the lock records.
func (r *Resolver) pluginSkills(ctx context.Context, pe *registry.PluginError, reg string) ([]*Located, error) {
	var out []*Located
	for _, c := range pe.Skills {
		src := pe.Plugin + "/" + c.Name
		if reg != "" {
			src += "@" + reg
		}
		l, err := r.candidate(ctx, c, src, "")
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// siblingMaxRoots is how many requested folders of one repository and commit have their siblings'
// skill files read before the fetch (siblingDeps): each costs its author's skill files, a few KB a
// sibling, which pays for itself when a dependency is among them; a larger batch (a list of skills
// installed at once, which rarely name each other) is fetched as asked.
const siblingMaxRoots = 4

// siblingDeps are the folders beside paths that the paths' depends-on name, transitively, as far as the
// skill files Beside brings tell: the walk looks for a dependency beside its dependent first (siblings),
// so fetching them with the requested folders saves the walk's request for them, and the walk then finds
// them fetched. Only plain names are followed: a versioned one is chosen among releases by the walk. A
// name not there, or a skill file not read, is left to the walk, which reports what it finds. An error
// is the walk's to the folders (a commit not there), which the fetch would meet the same way.
func (r *Resolver) siblingDeps(ctx context.Context, repo, commit string, paths []string) ([]string, error) {
	if len(paths) > siblingMaxRoots {
		return nil, nil
	}
	files, err := r.world.Git.Beside(ctx, repo, commit, paths)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	seen := map[string]bool{}
	for _, p := range paths {
		seen[p] = true
	}
	var extra []string
	for queue := slices.Clone(paths); len(queue) > 0; queue = queue[1:] {
		p := queue[0]
		text, ok := files[p]
		if !ok {
			continue
		}
		sk, _ := manifest.Check(manifest.Input{Data: text}, manifest.Mode{})
		if sk == nil {
			continue
		}
		for i, name := range sk.DependsOn {
			if (i < len(sk.DependsOnVersion) && sk.DependsOnVersion[i] != "") || !manifest.ValidName(name) {
				continue
			}
			d := siblingPath(p, name)
			if _, ok := files[d]; ok && !seen[d] {
				seen[d] = true
				extra = append(extra, d)
				queue = append(queue, d)
			}
		}
	}
	return extra, nil
}

// pinnedAt is a git origin pinned to a commit, waiting to be fetched into out[at].
type pinnedAt struct {
	at     int
	o      Origin
	source string
}

// fetchPinned fetches pinned origins in one batch per repository and commit; withDeps, with the siblings
// they depend on (siblingDeps).
func (r *Resolver) fetchPinned(ctx context.Context, pinned []pinnedAt, out []*Located, withDeps bool) error {
	batches := map[string][]pinnedAt{}
	var keys []string
	for _, p := range pinned {
		k := p.o.Repo + "@" + p.o.Commit
		if _, ok := batches[k]; !ok {
			keys = append(keys, k)
		}
		batches[k] = append(batches[k], p)
	}
	for _, k := range keys {
		b := batches[k]
		paths := make([]string, len(b))
		for i, w := range b {
			paths[i] = w.o.Path
		}
		repo, commit := b[0].o.Repo, b[0].o.Commit
		var extra []string
		if withDeps {
			var err error
			if extra, err = r.siblingDeps(ctx, repo, commit, paths); err != nil {
				return err
			}
		}
		got, missing, err := r.world.Git.Fetch(ctx, repo, commit, append(slices.Clip(paths), extra...))
		var le *gitfetch.LimitError
		if len(extra) > 0 && (errors.As(err, &le) || underAny(errPath(err), extra)) {
			// A limit (a sibling's, or the pack's, which may be a sibling's) or an unsafe entry in a sibling:
			// the requested folders are fetched alone, and a dependency's fault is the walk's to report, with
			// the chain that led to it. What was fetched is kept by the session.
			got, missing, err = r.world.Git.Fetch(ctx, repo, commit, paths)
		}
		if err != nil {
			return err
		}
		missing = slices.DeleteFunc(missing, func(m string) bool { return !slices.Contains(paths, m) })
		if len(missing) > 0 {
			hints := []string{"check the path in the URL; the ref was resolved to that commit"}
			for _, m := range missing {
				// A version after a tree URL's or git URL's folder (…/skills/x@v1) reads as part of its path:
				// the URL names its ref already. Say how to ask for the release.
				if i := strings.LastIndexAny(m, "@#"); i > 0 && semver.IsQuery(m[i+1:]) && !strings.Contains(m[i+1:], "/") {
					hints = append(hints, "a release of that folder: "+r.command()+" "+textsafe.ShellWord(source.GitText(repo, m[:i], m[i+1:])))
				}
			}
			return clierr.WithHint(fmt.Errorf("%s: no folder %s at commit %s", repo, strings.Join(missing, ", "), Short(commit)), hints...)
		}
		for _, w := range b {
			label := path.Base(w.o.Path)
			if w.o.Path == "" {
				label = path.Base(w.o.Repo)
			}
			out[w.at] = &Located{Origin: w.o, Folder: got[w.o.Path], Source: w.source, Label: label}
		}
	}
	return nil
}

// Follow locates, for update, the folders lock entries' origins name now: a git origin at the commit its
// full ref names now (that ref alone, source.AtRef, so a tag stays a tag even beside a branch of the same
// short name), or at its commit when it records a commit and no ref; a local folder or a bundled skill
// as it is. An origin never goes through text, so nothing is read a second way.
func (r *Resolver) Follow(ctx context.Context, origins []Origin) ([]*Located, error) {
	out := make([]*Located, len(origins))
	var pinned []pinnedAt
	movedAt := map[int]string{}
	for i, o := range origins {
		switch o.Kind {
		case Git:
			if o.Version != "" {
				next, moved, err := r.nextRelease(ctx, o)
				if err != nil {
					return nil, err
				}
				pinned = append(pinned, pinnedAt{i, next, next.String()})
				if moved != "" {
					movedAt[i] = moved
				}
				continue
			}
			if o.Ref != "" {
				s := source.AtRef(o.Repo, o.Ref, o.Path)
				p, err := r.pin(ctx, &s)
				if err != nil {
					return nil, err
				}
				o.Repo, o.Ref, o.Commit = p.Repo, p.Ref, p.Commit
			}
			pinned = append(pinned, pinnedAt{i, o, o.String()})
		case Web:
			l, err := r.followWeb(ctx, o)
			if err != nil {
				return nil, err
			}
			out[i] = l
		default:
			f, err := r.Load(ctx, o)
			if err != nil {
				return nil, err
			}
			label := o.Path
			if o.Kind == Local {
				label = filepath.Base(o.Dir)
			}
			out[i] = &Located{Origin: o, Folder: f, Source: o.String(), Label: label}
		}
	}
	if err := r.fetchPinned(ctx, pinned, out, true); err != nil {
		return nil, err
	}
	for i, c := range movedAt {
		out[i].Moved = c
	}
	return out, nil
}

// Releases lists the releases of the skill at a git origin's folder, oldest first (semver.Releases over
// one ls-refs of refs/tags/); none for any other origin.
func (r *Resolver) Releases(ctx context.Context, o Origin) ([]semver.Release, error) {
	if o.Kind != Git {
		return nil, nil
	}
	refs, err := r.world.Git.ListRefs(ctx, o.Repo, semver.TagPrefix)
	if err != nil {
		return nil, err
	}
	return semver.Releases(refs, o.Path), nil
}

// nextRelease is where update takes a skill installed from a release: the newest release in its major
// (any major with CrossMajor). A release tag never moves the skill by itself: when the recorded tag now
// names another commit and no newer release is chosen, the recorded commit stays, and moved says what
// the tag names now so the caller can report it. A skill whose releases all vanished stays too.
func (r *Resolver) nextRelease(ctx context.Context, o Origin) (next Origin, moved string, err error) {
	refs, err := r.world.Git.ListRefs(ctx, o.Repo, semver.TagPrefix)
	if err != nil {
		return o, "", err
	}
	rels := semver.Releases(refs, o.Path)
	if now, ok := refs[o.Ref]; ok && now != o.Commit {
		moved = now
	}
	cur, _ := semver.Parse(o.Version)
	best, ok := semver.Next(rels, cur, r.major)
	if !ok {
		return o, moved, nil
	}
	o.Ref, o.Commit, o.Version = best.Tag, best.Commit, best.Version.String()
	return o, moved, nil
}

// isRegistry tells a configured registry's name, for source.Readings. Configuration that cannot be read
// names none: the text then reads as a GitHub repository, as it did before registries existed.
func (r *Resolver) isRegistry(name string) bool {
	regs, err := r.registries()
	if err != nil {
		return false
	}
	return slices.Contains(regs.Names(), name)
}

// ExpandHome turns a leading ~ into the home folder and makes the path absolute: '~/x' quoted past the
// shell means the same folder as ~/x.
func ExpandHome(dir string) string {
	if dir == "~" || strings.HasPrefix(dir, "~/") || strings.HasPrefix(dir, "~"+string(filepath.Separator)) {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, dir[1:])
		}
	}
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}

// readLocal reads a folder from disk with the same caps as a fetch.
func (r *Resolver) readLocal(dir string) (*snapshot.Folder, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a folder", dir)
	}
	return localfs.Read(dir, r.limits)
}

// pin resolves a git source to the commit it names now: one listing of the refs that could match (one
// ls-refs by prefix under protocol v2), none when the source names a commit. When no ref matches, every
// branch and tag is listed once more so the error can say what the repository has.
func (r *Resolver) pin(ctx context.Context, s *source.Source) (Origin, error) {
	o := Origin{Kind: Git, Repo: s.Repo}
	if source.IsCommit(s.Ref) && len(s.TreeRest) == 0 {
		o.Commit, o.Path = strings.ToLower(s.Ref), s.Path
		return o, nil
	}
	// A version, or OWNER/REPO with no ref, looks at the release tags first: in the same ls-refs.
	releases := s.TreeRest == nil && (s.Version != "" || (s.Shorthand && s.Ref == ""))
	prefixes := s.RefPrefixes()
	if releases {
		prefixes = append(prefixes, semver.TagPrefix)
	}
	if s.Version == semver.Latest {
		prefixes = append(prefixes, "HEAD") // latest with no release is the default branch, as a registry's is
	}
	refs, err := r.world.Git.ListRefs(ctx, s.Repo, prefixes...)
	if err != nil {
		return o, err
	}
	var rels []semver.Release
	if releases {
		rels = semver.Releases(refs, s.Path)
		if rel, ok := pickRelease(rels, s.Version); ok {
			o.Ref, o.Commit, o.Path, o.Version = rel.Tag, rel.Commit, s.Path, rel.Version.String()
			return o, nil
		}
	}
	ref, commit, err := s.ResolveRef(refs)
	if err != nil && len(rels) > 0 && s.Version != "" {
		return o, noRelease("", s.Version, rels) // LocateAll names the source
	}
	if err != nil && s.Version == semver.Latest {
		head := *s
		head.Ref = ""
		ref, commit, err = head.ResolveRef(refs)
	}
	if err != nil {
		all, lerr := r.world.Git.ListRefs(ctx, s.Repo)
		if lerr != nil {
			return o, err
		}
		if ref, commit, err = s.ResolveRef(all); err != nil {
			return o, err
		}
	}
	o.Ref, o.Commit, o.Path = ref, commit, s.Path
	return o, nil
}

// pickRelease is the release a query selects; "" selects the newest release. False when there are
// none, or none matches.
func pickRelease(rels []semver.Release, query string) (semver.Release, bool) {
	if query == "" {
		return semver.Newest(rels, -1)
	}
	q, ok := semver.ParseQuery(query)
	if !ok {
		return semver.Release{}, false
	}
	return semver.Select(rels, q)
}

// noReleaseError is a version query that no release of a skill matches.
type noReleaseError struct{ msg string }

func (e *noReleaseError) Error() string { return e.msg }

// noRelease says which releases there are when none matches what was asked.
func noRelease(subject, query string, rels []semver.Release) error {
	have := make([]string, 0, len(rels))
	for i := len(rels) - 1; i >= 0 && len(have) < 10; i-- {
		have = append(have, rels[i].Version.String())
	}
	msg := "no release matches " + query
	if subject != "" {
		msg = subject + ": " + msg
	}
	pre := "v1.2.0-rc.1"
	for i := len(rels) - 1; i >= 0; i-- {
		if rels[i].Version.Prerelease() {
			pre = rels[i].Version.String()
			break
		}
	}
	return clierr.WithHint(&noReleaseError{msg},
		"its releases, newest first: "+strings.Join(have, ", "), "pre-releases are chosen only when named exactly (@"+pre+")")
}

// release moves a registry's git candidate to the release query selects in its repository (one ls-refs of
// refs/tags/ per repository and run): "" is the newest release, when the skill has any; a skill without
// release tags stays where the registry says.
func (r *Resolver) release(ctx context.Context, o Origin, query, subject string) (Origin, error) {
	return r.releaseOf(ctx, o, query, "", subject)
}

// releaseOf is release, or with min (a depends-on minimum, "v1.2.0") the oldest release at or above it
// in its major: minimal version selection's answer. A skill without release tags satisfies any minimum.
func (r *Resolver) releaseOf(ctx context.Context, o Origin, query, min, subject string) (Origin, error) {
	if o.Kind != Git {
		if query != "" {
			return o, clierr.WithHint(fmt.Errorf("%s: has no versions: it is not in a git repository", subject), "drop @"+query)
		}
		return o, nil
	}
	refs, err := r.world.Git.ListRefs(ctx, o.Repo, semver.TagPrefix)
	if err != nil {
		return o, err
	}
	rels := semver.Releases(refs, o.Path)
	rel, ok := pickRelease(rels, query)
	if min != "" {
		m, _ := semver.Parse(min)
		if rel, ok = semver.AtLeast(rels, m); !ok && len(rels) > 0 {
			return o, noRelease(subject, min+" or later in "+m.MajorText(), rels)
		}
	}
	switch {
	case ok:
		o.Ref, o.Commit, o.Version = rel.Tag, rel.Commit, rel.Version.String()
	case query != "" && len(rels) > 0:
		return o, noRelease(subject, query, rels)
	case query != "" && query != semver.Latest:
		return o, clierr.WithHint(&noReleaseError{fmt.Sprintf("%s: no release matches %s: %s has no release tags", subject, query, o.Repo)},
			"drop @"+query+" for the version the registry lists")
	}
	return o, nil
}

// byName finds a skill asked for by name: NAME, NAME@REGISTRY or AUTHOR/NAME. Without @REGISTRY a name
// found in two configured registries is ambiguous (the error lists the command that picks each); the
// bundled registry answers only when no configured one does.
func (r *Resolver) byName(ctx context.Context, name, author, reg, version, raw string) (*Located, error) {
	regs, err := r.registries()
	if err != nil {
		return nil, err
	}
	var cands []registry.Candidate
	if reg != "" {
		cands, err = regs.Lookup(ctx, name, author, reg)
	} else {
		cands, err = regs.LookupAll(ctx, name, author)
	}
	if err != nil {
		var ue *registry.UnreachableError
		var pe *registry.PluginError
		if errors.As(err, &pe) {
			pe.Run = r.command()
		}
		if errors.As(err, &ue) {
			ue.Run = r.command()
		}
		if ue != nil || strings.HasPrefix(err.Error(), "registry ") {
			return nil, err // its subject is the name, or the registry, already
		}
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	var configured, builtin []registry.Candidate
	for _, c := range cands {
		if c.Builtin() {
			builtin = append(builtin, c)
		} else {
			configured = append(configured, c)
		}
	}
	if len(configured) == 0 {
		configured = builtin
	}
	switch len(configured) {
	case 0:
		hints := []string{"skillctl search " + name, "skillctl registry add NAME URL"}
		where := "any registry (" + strings.Join(regs.Names(), ", ") + ")"
		if reg != "" {
			where = "registry " + reg
		}
		return nil, clierr.WithHint(fmt.Errorf("%s: no skill of that name in %s", raw, where), hints...)
	case 1:
		return r.candidate(ctx, configured[0], raw, version)
	}
	return nil, registry.Ambiguous(r.command(), name, configured)
}

// authorName tries the registry reading of a two-part shorthand, AUTHOR/NAME, in the configured
// registries (not the bundled one). Finding none means "not a registry skill": the caller goes on with
// the next reading, OWNER/REPO on github.com (gitRepo). A registry that could not be read, a skill in
// several registries, or one found and not fetched is an error, not that: the name is, or might be, a
// registry's skill.
func (r *Resolver) authorName(ctx context.Context, s source.Source, gitRepo, raw string) (*Located, error) {
	regs, err := r.registries()
	if err != nil {
		return nil, nil
	}
	cands, err := regs.LookupAll(ctx, s.Name, s.Author)
	var ue *registry.UnreachableError
	switch {
	case errors.As(err, &ue):
		ue.Run = r.command()
		return nil, clierr.WithHint(ue, append(clierr.Hints(err), "or, for the GitHub repository of that name: "+r.command()+" "+gitRepo)...)
	case err != nil:
		return nil, nil
	}
	var configured []registry.Candidate
	for _, c := range cands {
		if !c.Builtin() {
			configured = append(configured, c)
		}
	}
	switch len(configured) {
	case 0:
		return nil, nil
	case 1:
		// Found: a failure to fetch it is an error, never a reason to take the GitHub repository instead;
		// but a version it has no release of is not this reading: AUTHOR/NAME@v1 is then OWNER/REPO@v1.
		l, err := r.candidate(ctx, configured[0], raw, s.Version)
		var nr *noReleaseError
		if errors.As(err, &nr) {
			return nil, nil
		}
		return l, err
	}
	// Found in several registries: ambiguous, as a bare name is; never the GitHub repository instead.
	amb := registry.Ambiguous(r.command(), s.Author+"/"+s.Name, configured)
	return nil, clierr.WithHint(errors.Unwrap(amb), append(clierr.Hints(amb), "or, for the GitHub repository of that name: "+r.command()+" "+gitRepo)...)
}

// origin is where a registry's candidate lives.
func candidateOrigin(c registry.Candidate) Origin {
	switch {
	case c.Builtin():
		return Origin{Kind: Builtin, Path: c.Path}
	case c.Dir != "":
		return Origin{Kind: Local, Dir: c.Dir, Path: c.Path}
	case c.URL != "":
		return Origin{Kind: Web, URL: c.URL, Digest: c.Digest, Type: c.Type, Index: c.Index, Path: c.Name}
	}
	return Origin{Kind: Git, Repo: source.Canonical(c.Repo), Ref: c.Ref, Commit: c.Commit, Path: c.Path}
}

// candidate fetches a registry's answer at the release version selects ("": the newest, if any).
func (r *Resolver) candidate(ctx context.Context, c registry.Candidate, src, version string) (*Located, error) {
	o, err := r.release(ctx, candidateOrigin(c), version, src)
	if err != nil {
		return nil, err
	}
	return r.candidateAt(ctx, c, o, src)
}

// candidateAt fetches a registry's answer at o.
func (r *Resolver) candidateAt(ctx context.Context, c registry.Candidate, o Origin, src string) (*Located, error) {
	f, err := r.Load(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	return &Located{Origin: o, Folder: f, Source: src, Registry: c.Registry, Author: c.Author, Label: c.Name}, nil
}

// Load fetches the folder an origin names: for reinstalling from the lock, verify and update.
func (r *Resolver) Load(ctx context.Context, o Origin) (*snapshot.Folder, error) {
	switch o.Kind {
	case Builtin:
		f, ok := r.world.Bundled.Folder(o.Path)
		if !ok {
			return nil, fmt.Errorf("%s: no bundled skill of that name in this skillctl", o.Path)
		}
		return f, nil
	case Local:
		return r.readLocal(o.Dir)
	case Web:
		return r.loadWeb(ctx, o)
	}
	got, missing, err := r.world.Git.Fetch(ctx, o.Repo, o.Commit, []string{o.Path})
	if err != nil {
		return nil, err
	}
	if f := got[o.Path]; f != nil && len(missing) == 0 {
		return f, nil
	}
	return nil, fmt.Errorf("%s: no folder %s at commit %s", o.Repo, o.Path, Short(o.Commit))
}

// Loaded is one origin's folder from LoadAll, or why it could not be had.
type Loaded struct {
	Folder *snapshot.Folder
	Err    error
}

// LoadAll is Load for many origins at once, keyed by Origin.Key: the folders of one repository come
// from one Transport.FetchAt, whatever commits they are pinned at, so they walk their paths together and
// their files come in one batch. A restore of many skills costs each repository a few requests, not
// each skill a few. A fetch that fails gives its error to every folder it was for.
func (r *Resolver) LoadAll(ctx context.Context, origins []Origin) map[string]Loaded {
	out := map[string]Loaded{}
	var repos []string
	want := map[string]map[string][]string{} // repository → commit → paths
	for _, o := range origins {
		if _, done := out[o.Key()]; done {
			continue
		}
		if o.Kind != Git {
			f, err := r.Load(ctx, o)
			out[o.Key()] = Loaded{f, err}
			continue
		}
		if want[o.Repo] == nil {
			want[o.Repo] = map[string][]string{}
			repos = append(repos, o.Repo)
		}
		want[o.Repo][o.Commit] = append(want[o.Repo][o.Commit], o.Path)
		out[o.Key()] = Loaded{} // filled below
	}
	for _, repo := range repos {
		got, _, err := r.world.Git.FetchAt(ctx, repo, want[repo])
		for commit, paths := range want[repo] {
			for _, p := range paths {
				o := Origin{Kind: Git, Repo: repo, Commit: commit, Path: p}
				switch f := got[commit][p]; {
				case err != nil:
					out[o.Key()] = Loaded{Err: err}
				case f == nil:
					out[o.Key()] = Loaded{Err: fmt.Errorf("%s: no folder %s at commit %s", repo, p, Short(commit))}
				default:
					out[o.Key()] = Loaded{Folder: f}
				}
			}
		}
	}
	return out
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SkillFolder finds, in the repository src names (a git source without a folder, pinned as it says), the
// skill folder called name: the one folder holding a skill file whose last element is name, or the root
// when the repository is called name and is itself the skill. It serves records that name a skill and its
// repository but not its folder (another installer's, for import).
func (r *Resolver) SkillFolder(ctx context.Context, src, name string) (string, error) {
	s, err := source.Parse(src)
	if err != nil {
		return "", err
	}
	if s.Kind != source.Git {
		return "", fmt.Errorf("%s: not a repository", src)
	}
	o, err := r.pin(ctx, &s)
	if err != nil {
		return "", err
	}
	dirs, err := r.world.Git.Skills(ctx, o.Repo, o.Commit)
	if err != nil {
		return "", err
	}
	var found []string
	for _, d := range dirs {
		if d != "" && path.Base(d) == name || d == "" && path.Base(o.Repo) == name {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("%s: no skill folder called %s at commit %s", o.Repo, name, Short(o.Commit))
	}
	return "", fmt.Errorf("%s: %d skill folders are called %s (%s); the record does not say which", o.Repo, len(found), name, strings.Join(found, ", "))
}
