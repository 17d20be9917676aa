package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/atomicfile"
	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/wellknown"
)

// Index is the skills of one registry at one commit, each under the name its SKILL.md declares (its
// folder's when that is not a valid name), with its description. A git registry's index is cached by
// repository and commit, so it is built once per commit and afterwards costs one ref request.
type Index struct {
	Registry string  `json:"registry"`
	Repo     string  `json:"repo,omitempty"`
	Ref      string  `json:"ref,omitempty"`
	Commit   string  `json:"commit,omitempty"`
	Dir      string  `json:"dir,omitempty"`
	IndexURL string  `json:"index_url,omitempty"` // a well-known registry's: the site's index read
	Entries  []Entry `json:"entries"`
	// NamesOnly says why the skills' SKILL.md files were not read ("" when they were): the entries then
	// carry folder names and no descriptions.
	NamesOnly string `json:"names_only,omitempty"`
	// Renames are a marketplace's renamed plugins: old name → new ("" for one withdrawn). They stay here,
	// once: a search by an old name asks them (see renamedTo), no entry copies them.
	Renames map[string]string `json:"renames,omitempty"`
	// Plugins are the texts of a marketplace's plugins in its own repository, by plugin name (every one,
	// so a plugin's name is known to be one): their skills carry that name as Author and share these, so
	// each is stored once however many skills it has.
	Plugins map[string]PluginText `json:"plugins,omitempty"`

	key    string           // cache key; "" = not cached
	byName map[string][]int // entries by name, built on the first lookup
}

// PluginText is what a marketplace says of a plugin that all its skills share.
type PluginText struct {
	Category string `json:"category,omitempty"`
	Maker    string `json:"maker,omitempty"` // the plugin's author as the marketplace names it
}

// Entry is one skill folder of an index, or one marketplace plugin in another repository not fetched
// yet (External set; Name is the plugin's). Repo, Ref and Commit are set only for a skill of a plugin
// that lives in another repository than the registry's.
type Entry struct {
	Name        string    `json:"name"`
	Author      string    `json:"author,omitempty"`
	Path        string    `json:"path"`
	Description string    `json:"description,omitempty"`
	Repo        string    `json:"repo,omitempty"`
	Ref         string    `json:"ref,omitempty"`
	Commit      string    `json:"commit,omitempty"`
	Category    string    `json:"category,omitempty"` // an external plugin's; a skill's is its plugin's (Index.Plugins)
	Maker       string    `json:"maker,omitempty"`    // an external plugin's author as its marketplace names it
	External    *External `json:"external,omitempty"`
	// A well-known registry's skill: its artifact, that artifact's digest and type (wellknown.Skill).
	URL    string `json:"url,omitempty"`
	Digest string `json:"digest,omitempty"`
	Type   string `json:"type,omitempty"`
}

// text is the entry's plugin's shared text, for a skill of a marketplace's own plugin.
func (idx *Index) text(e Entry) PluginText {
	if e.External != nil || e.Author == "" {
		return PluginText{Category: e.Category, Maker: e.Maker}
	}
	if t, ok := idx.Plugins[e.Author]; ok {
		return t
	}
	return PluginText{Category: e.Category, Maker: e.Maker}
}

// renamedTo is the set of plugin names whose old names (the marketplace's renames) contain term: one pass
// over the renames per search, never one per entry.
func (idx *Index) renamedTo(term string) map[string]bool {
	var out map[string]bool
	for old, nw := range idx.Renames {
		if nw != "" && strings.Contains(strings.ToLower(old), term) {
			if out == nil {
				out = map[string]bool{}
			}
			out[nw] = true
		}
	}
	return out
}

// matches reports whether term (lowercased) is in the entry's name, author, path, description, its
// plugin's category or maker, or an old name of its plugin (renamed, from renamedTo).
func (idx *Index) matches(e Entry, term string, renamed map[string]bool) bool {
	if term == "" {
		return true
	}
	plugin := e.Author
	if e.External != nil {
		plugin = e.Name
	}
	if renamed[plugin] {
		return true
	}
	t := idx.text(e)
	for _, s := range []string{e.Name, e.Author, e.Path, e.Description, t.Category, t.Maker} {
		if strings.Contains(strings.ToLower(s), term) {
			return true
		}
	}
	return false
}

// named lists the entries called name, in index order (a map built once, so that looking up every name
// of a search costs one pass over the index, not one per name).
func (idx *Index) named(name string) []int {
	if idx.byName == nil {
		idx.byName = make(map[string][]int, len(idx.Entries))
		for i, e := range idx.Entries {
			idx.byName[e.Name] = append(idx.byName[e.Name], i)
		}
	}
	return idx.byName[name]
}

// textBytes is the size of the index's text: what MaxIndexBytes bounds.
func (idx *Index) textBytes() int64 {
	n := 0
	for _, e := range idx.Entries {
		n += len(e.Name) + len(e.Author) + len(e.Path) + len(e.Description) + len(e.Repo) + len(e.Ref) + len(e.Commit) +
			len(e.Category) + len(e.Maker)
		if x := e.External; x != nil {
			n += len(x.Repo) + len(x.Path) + len(x.Ref) + len(x.SHA)
			for _, sk := range x.Skills {
				n += len(sk)
			}
		}
	}
	for old, nw := range idx.Renames {
		n += len(old) + len(nw)
	}
	for name, t := range idx.Plugins {
		n += len(name) + len(t.Category) + len(t.Maker)
	}
	return int64(n)
}

// bounded refuses an index over the caps every index shares (limits.MaxIndexEntries, MaxIndexBytes).
func (idx *Index) bounded() error {
	if n := len(idx.Entries); n > limits.MaxIndexEntries {
		return fmt.Errorf("%d skills, more than the %d an index may hold", n, limits.MaxIndexEntries)
	}
	if n := idx.textBytes(); n > limits.MaxIndexBytes {
		return fmt.Errorf("its index would hold %d MiB of names and descriptions, more than %d MiB", n>>20, limits.MaxIndexBytes>>20)
	}
	return nil
}

func (idx *Index) candidate(e Entry) Candidate {
	c := Candidate{Registry: idx.Registry, Name: e.Name, Author: e.Author, Path: e.Path, Description: e.Description,
		Repo: idx.Repo, Ref: idx.Ref, Commit: idx.Commit, Category: idx.text(e).Category}
	if e.Repo != "" {
		c.Repo, c.Ref, c.Commit = e.Repo, e.Ref, e.Commit
	}
	if x := e.External; x != nil {
		c.Repo, c.Ref, c.Commit, c.Path = x.Repo, x.Ref, x.SHA, x.Path
		c.External = true
		c.Fetches = x.Fetches()
	}
	if idx.Dir != "" {
		c.Dir = filepath.Join(idx.Dir, filepath.FromSlash(e.Path))
	}
	if idx.IndexURL != "" {
		c.URL, c.Digest, c.Type, c.Index = e.URL, e.Digest, e.Type, idx.IndexURL
	}
	return c
}

// indexFormat changes whenever Index's meaning changes, so older cache files are ignored, not misread.
const indexFormat = "5"

// Index returns the index of the registry called name, building it or reading it from the cache.
func (s *Set) Index(ctx context.Context, name string) (*Index, error) {
	if idx, ok := s.indexes[name]; ok {
		return idx, nil
	}
	r, err := s.find(name)
	if err != nil {
		return nil, err
	}
	var idx *Index
	switch {
	case r.Scope == ScopeBuiltin:
		idx = s.builtinIndex()
	case r.IsLocal():
		idx, err = localIndex(r)
	case r.site != "":
		idx, err = s.siteIndex(ctx, r)
	default:
		idx, err = s.gitIndex(ctx, r)
		if err != nil && ctx.Err() == nil {
			// A registry that cannot be read now is still consulted through the index an earlier run
			// built of it: the lookup stays a question about the same names, not about who answered.
			if cached, ok := s.lastIndex(r); ok {
				s.note("registry %s: could not be read (%v); using its index cached at commit %s", name, err, short(cached.Commit))
				idx, err = cached, nil
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if err := idx.bounded(); err != nil {
		return nil, err
	}
	if idx.NamesOnly != "" {
		s.note("registry %s: searching skill names only, not descriptions: %s", name, idx.NamesOnly)
	}
	s.indexes[name] = idx
	return idx, nil
}

// siteIndex reads a well-known registry's index (wellknown.Read), every time: a site has no commit to
// cache it by.
func (s *Set) siteIndex(ctx context.Context, r *Registry) (*Index, error) {
	x, err := wellknown.Read(r.site, func(u string) ([]byte, string, bool, error) {
		data, served, err := s.git.GetServed(ctx, u, wellknown.MaxIndexSize)
		var we *gitfetch.WebError
		return data, served, errors.As(err, &we) && we.Status == http.StatusNotFound, err
	})
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", r.Name, err)
	}
	idx := &Index{Registry: r.Name, IndexURL: x.URL}
	for _, sk := range x.Skills {
		idx.Entries = append(idx.Entries, Entry{Name: sk.Name, Path: sk.Name, Description: sk.Description, URL: sk.URL, Digest: sk.Digest, Type: sk.Type})
	}
	return idx, nil
}

func (s *Set) builtinIndex() *Index {
	idx := &Index{Registry: BuiltinName}
	for _, n := range s.builtin.Names() {
		e := Entry{Name: n, Path: n}
		if f, ok := s.builtin.Folder(n); ok {
			if md := f.File(manifest.SkillFileOf(f)); md != nil {
				nameFromHead(&e, md.Data)
			}
		}
		idx.Entries = append(idx.Entries, e)
	}
	return idx
}

// maxLocalDepth bounds the folders walked into for a local registry: skills are never that deep.
const maxLocalDepth = 12

// localIndex walks a local folder for SKILL.md files and reads each for its name and description. Symlinked folders are not followed.
func localIndex(r *Registry) (*Index, error) {
	root := r.dir
	if !isDir(root) {
		return nil, fmt.Errorf("%s: no such folder", root)
	}
	idx := &Index{Registry: r.Name, Dir: root}
	n := 0
	picked := "\x00" // the folder whose skill file was seen last
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable corner does not spoil the rest
		}
		if n++; n > limits.MaxLocalEntries {
			return fmt.Errorf("%s: more than %d entries; is this really a registry of skills?", root, limits.MaxLocalEntries)
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "node_modules" || strings.Count(rel, "/") >= maxLocalDepth {
				return filepath.SkipDir
			}
			return nil
		}
		if !manifest.IsFileName(d.Name()) {
			return nil
		}
		dir := path.Dir(rel)
		if dir == "." {
			dir = ""
		}
		// WalkDir lists a folder in byte order, so SKILL.md comes before skill.md: the first spelling seen
		// is the one manifest's case rule picks, and a folder whose pick is not a regular file is no skill.
		if dir == picked {
			return nil
		}
		picked = dir
		if !d.Type().IsRegular() {
			return nil
		}
		e := layoutEntry(dir, filepath.Base(root))
		if data, err := readHead(p, manifest.MaxFileSize); err == nil {
			nameFromHead(&e, data)
		}
		idx.Entries = append(idx.Entries, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return idx, nil
}

func readHead(p string, max int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max))
}

// layoutEntry names a skill folder from its place in the known layouts: skills/AUTHOR/NAME gives an
// author, plugins/PLUGIN/skills/NAME gives the plugin as the author (the group AUTHOR/NAME picks by);
// anything else is NAME alone. rootName names a skill at the registry's root.
func layoutEntry(dir, rootName string) Entry {
	e := Entry{Path: dir, Name: path.Base(dir)}
	if dir == "" {
		e.Name = rootName
		return e
	}
	segs := strings.Split(dir, "/")
	n := len(segs)
	switch {
	case n >= 3 && segs[n-3] == "skills" && segs[n-2] != "skills" && !strings.HasPrefix(segs[n-2], ".") && (n == 3 || segs[n-4] != "plugins"):
		e.Author = segs[n-2]
	case n >= 4 && segs[n-2] == "skills" && segs[n-4] == "plugins":
		e.Author = segs[n-3]
	}
	return e
}

// gitIndex resolves the registry's ref (one request) and returns the index of that commit, from the cache
// when it was built before.
func (s *Set) gitIndex(ctx context.Context, r *Registry) (*Index, error) {
	refs, err := s.git.ListRefs(ctx, r.repo)
	if err != nil {
		return nil, err
	}
	src := source.Source{Kind: source.Git, Raw: r.URL, Repo: r.repo, Ref: r.ref, Path: r.path, TreeRest: r.treeRest}
	ref, commit, err := src.ResolveRef(refs)
	if err != nil {
		return nil, err
	}
	base := src.Path
	idx := &Index{Registry: r.Name, Repo: r.repo, Ref: ref, Commit: commit}
	idx.key = cacheKey(r.repo, base, commit)
	if cached, ok := s.readIndex(idx.key); ok {
		// The cache is keyed by what was fetched (repository, folder, commit); two registries can reach
		// that through different refs, so the ref is this registry's own, never the cached one.
		// (Entries from other repositories carry their own pins and are not touched.)
		cached.Registry, cached.key, cached.Repo, cached.Ref = r.Name, idx.key, r.repo, ref
		s.rememberIndex(r, cached)
		return cached, nil
	}
	mpath := path.Join(base, ".claude-plugin/marketplace.json")
	data, err := s.git.ReadFile(ctx, r.repo, commit, mpath)
	var nf *gitfetch.NotFoundError
	switch {
	case errors.As(err, &nf):
		list, err := s.listSkills(ctx, r.repo, commit)
		if err != nil {
			return nil, err
		}
		rootName := strings.TrimSuffix(path.Base(r.repo), ".git")
		if base != "" {
			rootName = path.Base(base)
		}
		var at []int
		for _, d := range under(list.dirs, base) {
			e := layoutEntry(strings.TrimPrefix(strings.TrimPrefix(d, base), "/"), rootName)
			e.Path = d
			at = append(at, len(idx.Entries))
			idx.Entries = append(idx.Entries, e)
		}
		list.name(idx.Entries, at)
		idx.NamesOnly = list.namesOnly
	case err != nil:
		return nil, err
	default:
		m, err := ParseMarketplace(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", mpath, err)
		}
		if idx.Entries, err = s.marketplaceEntries(ctx, idx, base, m); err != nil {
			return nil, err
		}
		idx.Renames = m.Renames
	}
	sortEntries(idx.Entries)
	if err := idx.bounded(); err != nil {
		return nil, err
	}
	s.writeIndex(idx)
	s.rememberIndex(r, idx)
	return idx, nil
}

func sortEntries(es []Entry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Name != es[j].Name {
			return es[i].Name < es[j].Name
		}
		if es[i].Repo != es[j].Repo {
			return es[i].Repo < es[j].Repo
		}
		return es[i].Path < es[j].Path
	})
}

// under keeps the folders at or below base ("" keeps all).
func under(dirs []string, base string) []string {
	if base == "" {
		return dirs
	}
	var out []string
	for _, d := range dirs {
		if d == base || strings.HasPrefix(d, base+"/") {
			out = append(out, d)
		}
	}
	return out
}

func cacheKey(repo, base, commit string) string {
	h := sha256.Sum256([]byte(indexFormat + "\x00" + repo + "\x00" + base))
	return filepath.Join(hex.EncodeToString(h[:16]), commit+".json")
}

func (s *Set) indexPath(key string) string {
	return filepath.Join(s.git.Cache().Dir(), "registry-index", key)
}

// readIndex returns a cached index. It is derived data keyed by an immutable commit, so it never goes
// stale; a damaged file reads as absent and is rebuilt.
func (s *Set) readIndex(key string) (*Index, bool) {
	if s.git.Cache() == nil || key == "" {
		return nil, false
	}
	f, err := os.Open(s.indexPath(key))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	// JSON escapes can make text up to six times longer; a file past that was not written by writeIndex.
	data, err := io.ReadAll(io.LimitReader(f, 8*limits.MaxIndexBytes+1))
	if err != nil || len(data) > 8*limits.MaxIndexBytes {
		return nil, false
	}
	var idx Index
	if json.Unmarshal(data, &idx) != nil || idx.Commit == "" {
		return nil, false
	}
	return &idx, true
}

// writeIndex stores idx atomically (temp file and rename); failing costs speed only, so it is a note.
func (s *Set) writeIndex(idx *Index) {
	if s.git.Cache() == nil || idx.key == "" {
		return
	}
	data, err := json.Marshal(idx)
	if err == nil {
		err = writeFileAtomic(s.indexPath(idx.key), data)
	}
	if err != nil {
		s.note("registry %s: index not cached: %v", idx.Registry, err)
	}
}

// lastPath is where the cache key of the index last read for the registry at r.URL is kept. It is keyed
// by the URL as configured (repository, ref and folder), so two registries of one repository on
// different branches never stand in for each other.
func (s *Set) lastPath(r *Registry) string {
	h := sha256.Sum256([]byte(indexFormat + "\x00" + r.URL))
	return filepath.Join(s.git.Cache().Dir(), "registry-index", "last", hex.EncodeToString(h[:16]))
}

// rememberIndex records idx as the registry's last index, for lastIndex when it cannot be read. Failing
// costs the fallback only, so it is silent; an unchanged record is not rewritten.
func (s *Set) rememberIndex(r *Registry, idx *Index) {
	if s.git.Cache() == nil || idx.key == "" {
		return
	}
	p := s.lastPath(r)
	if old, err := os.ReadFile(p); err == nil && string(old) == idx.key {
		return
	}
	_ = writeFileAtomic(p, []byte(idx.key))
}

// lastIndex is the index last read for the registry, from the cache: what it listed at that commit.
func (s *Set) lastIndex(r *Registry) (*Index, bool) {
	if s.git.Cache() == nil {
		return nil, false
	}
	key, err := os.ReadFile(s.lastPath(r))
	if err != nil || !validKey(string(key)) {
		return nil, false
	}
	idx, ok := s.readIndex(string(key))
	if !ok {
		return nil, false
	}
	idx.Registry, idx.key, idx.Repo = r.Name, string(key), r.repo
	return idx, true
}

// validKey reports whether key has cacheKey's shape (HASH/COMMIT.json), so a damaged record never names
// a file outside the index cache.
func validKey(key string) bool {
	dir, file, ok := strings.Cut(filepath.ToSlash(key), "/")
	commit, isJSON := strings.CutSuffix(file, ".json")
	return ok && isJSON && len(dir) == 32 && isHex(dir) && source.IsCommit(commit)
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}

func writeFileAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteCache(p, data, 0o600)
}
