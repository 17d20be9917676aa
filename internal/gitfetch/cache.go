package gitfetch

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/skillctl/skillctl/internal/atomicfile"
)

// Cache is an on-disk store of git objects (commits, trees, blobs) addressed by their hash, in git's
// loose-object encoding. Entries are written to a temporary file and renamed into place, so readers never
// see a partial one, and every read re-hashes the content: a corrupt or tampered entry is deleted and
// treated as missing. Objects are immutable, so the cache never needs invalidating; it only grows.
// Safe for concurrent use by goroutines and processes.
type Cache struct {
	dir string
}

// DefaultCacheDir is $SKILLCTL_CACHE_DIR, else skillctl under the user cache directory.
func DefaultCacheDir() string {
	if d := os.Getenv("SKILLCTL_CACHE_DIR"); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "skillctl")
}

// OpenCache uses (and creates) dir as a cache.
func OpenCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(filepath.Join(dir, "objects"), 0o755); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &Cache{dir: dir}, nil
}

// Dir is the cache's directory.
func (c *Cache) Dir() string { return c.dir }

func (c *Cache) objectPath(h plumbing.Hash) string {
	s := h.String()
	return filepath.Join(c.dir, "objects", s[:2], s[2:])
}

// get returns the object h, or false when it is absent or fails verification.
func (c *Cache) get(h plumbing.Hash) (object, bool) {
	p := c.objectPath(h)
	raw, err := os.ReadFile(p)
	if err != nil {
		return object{}, false
	}
	o, err := decodeLoose(raw)
	if err != nil || hashObject(o.typ, o.data) != h {
		os.Remove(p) // never serve it again; a later fetch rewrites it
		return object{}, false
	}
	return o, true
}

func decodeLoose(raw []byte) (object, error) {
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return object{}, err
	}
	defer zr.Close()
	all, err := io.ReadAll(zr)
	if err != nil {
		return object{}, err
	}
	hdr, data, ok := bytes.Cut(all, []byte{0})
	if !ok {
		return object{}, errors.New("no header")
	}
	kind, size, ok := strings.Cut(string(hdr), " ")
	n, err := strconv.Atoi(size)
	if !ok || err != nil || n != len(data) {
		return object{}, errors.New("bad header")
	}
	typ, err := plumbing.ParseObjectType(kind)
	if err != nil {
		return object{}, err
	}
	return object{typ: typ, data: data}, nil
}

// put stores o under h; an existing entry is left alone (same hash, same content).
func (c *Cache) put(h plumbing.Hash, o object) error {
	p := c.objectPath(h)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	var z bytes.Buffer
	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	zw.Reset(&z)
	fmt.Fprintf(zw, "%s %d\x00", o.typ, len(o.data))
	zw.Write(o.data)
	zw.Close()
	return writeAtomic(p, z.Bytes())
}

// zlibWriters reuses compressors: each one allocates about a megabyte, and a fetch writes many objects.
var zlibWriters = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return zw
}}

func writeAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteCache(p, data, 0o600)
}

// The list of skill folders of a commit is derived data, not an object; it is stored with a sha256 of
// its content so a damaged file is noticed and recomputed.
func (c *Cache) skillsPath(commit plumbing.Hash) string {
	return filepath.Join(c.dir, "skills", commit.String())
}

func (c *Cache) getSkills(commit plumbing.Hash) ([]string, bool) {
	raw, err := os.ReadFile(c.skillsPath(commit))
	if err != nil {
		return nil, false
	}
	body, sum, ok := bytes.Cut(raw, []byte("\x00"))
	want := sha256.Sum256(body)
	if !ok || string(sum) != hex.EncodeToString(want[:]) {
		os.Remove(c.skillsPath(commit))
		return nil, false
	}
	if len(body) == 0 {
		return []string{}, true
	}
	return strings.Split(string(body), "\n"), true
}

func (c *Cache) putSkills(commit plumbing.Hash, dirs []string) error {
	body := []byte(strings.Join(dirs, "\n"))
	sum := sha256.Sum256(body)
	return writeAtomic(c.skillsPath(commit), append(append(body, 0), hex.EncodeToString(sum[:])...))
}

// store is the objects of one operation: those fetched in memory, backed by the cache. Objects read are
// remembered so that only what an operation used is written to the cache, not a whole fallback clone.
type store struct {
	mem      map[plumbing.Hash]object
	used     map[plumbing.Hash]bool
	cache    *Cache
	local    func(plumbing.Hash) (object, bool) // a repository on this machine, read directly (file://)
	localWhy func(plumbing.Hash) error          // why local could not give an object
}

// whyMissing is why a repository on this machine could not give h, when it says; nil otherwise.
func (s *store) whyMissing(h plumbing.Hash) error {
	if s.localWhy == nil {
		return nil
	}
	return s.localWhy(h)
}

func newStore(c *Cache) *store {
	return &store{mem: map[plumbing.Hash]object{}, used: map[plumbing.Hash]bool{}, cache: c}
}

func (s *store) get(h plumbing.Hash) (object, bool) {
	if o, ok := s.mem[h]; ok {
		s.used[h] = true
		return o, true
	}
	if s.cache != nil {
		if o, ok := s.cache.get(h); ok {
			s.mem[h] = o
			return o, true // already cached: no need to write back
		}
	}
	if s.local != nil {
		if o, ok := s.local(h); ok {
			s.mem[h] = o
			return o, true // on disk already: not copied into the cache
		}
	}
	return object{}, false
}

func (s *store) has(h plumbing.Hash) bool {
	_, ok := s.get(h)
	return ok
}

func (s *store) add(h plumbing.Hash, o object) { s.mem[h] = o }

// flush writes the used objects to the cache. A failing cache costs speed, not correctness, so errors
// are reported to the caller only as a note.
func (s *store) flush() error {
	if s.cache == nil {
		return nil
	}
	var first error
	for h := range s.used {
		if err := s.cache.put(h, s.mem[h]); err != nil && first == nil {
			first = err
		}
	}
	s.used = map[plumbing.Hash]bool{}
	return first
}
