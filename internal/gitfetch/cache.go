package gitfetch

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/zlib"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/skillctl/skillctl/internal/atomicfile"
)

// Cache is an on-disk store of git objects (commits, trees, blobs) addressed by their hash. What one
// operation fetched goes in as one version-2 pack and its index under objects/pack (pack-SHA.pack, then
// pack-SHA.idx, each written to a temporary file and renamed into place, so a reader that finds an index
// finds its whole pack); loose entries (objects/XX/YYYY, git's loose encoding) written by earlier
// versions are still read. Every read re-hashes the content: a pack that gives a corrupt object, or whose
// index is unreadable, is deleted and its objects read as missing, so they are fetched again; a corrupt
// loose entry is deleted the same way. Objects are immutable, so the cache never needs invalidating; it
// only grows, one pack per operation that fetched something. No lock: files are only ever added whole or
// removed, and duplicate objects in two packs (two processes fetching the same thing) are harmless.
// Safe for concurrent use by goroutines and processes.
type Cache struct {
	dir string

	mu     sync.Mutex // guards what follows and the packs' readers (each reuses one inflater)
	packs  []*localPack
	known  map[string]bool // pack names opened or found damaged
	seen   time.Time       // objects/pack's modification time when last listed
	looked time.Time       // when objects/pack was last looked at (refresh)
	loose  int             // loose objects (written before packs were): 0 not looked for yet, 1 some, -1 none
}

// refreshEvery is how long the packs listed stay current without looking again. A get asks for one object
// and a fetch asks thousands; another process's new pack can wait that long, this process's own is seen
// at once (putAll).
const refreshEvery = 100 * time.Millisecond

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
	return &Cache{dir: dir, known: map[string]bool{}}, nil
}

// Dir is the cache's directory.
func (c *Cache) Dir() string { return c.dir }

func (c *Cache) objectPath(h plumbing.Hash) string {
	s := h.String()
	return filepath.Join(c.dir, "objects", s[:2], s[2:])
}

// cacheCap bounds an object written to or read from the cache (a gigabyte, far above any skill file's
// limit): an entry declaring more is refused before anything is inflated.
const cacheCap = 1 << 30

// get returns the object h, or false when it is absent or fails verification.
func (c *Cache) get(h plumbing.Hash) (object, bool) {
	if o, ok := c.fromPacks(h); ok {
		return o, true
	}
	if !c.mayHaveLoose() {
		return object{}, false
	}
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

// fromPacks reads h from the first pack whose index names it; a pack that cannot give it intact is
// dropped and the next one asked.
func (c *Cache) fromPacks(h plumbing.Hash) (object, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refresh()
	for i := 0; i < len(c.packs); i++ {
		p := c.packs[i]
		off, ok := p.find(h)
		if !ok {
			continue
		}
		o, err := p.resolve(off, cacheCap, cacheCap)
		if err == nil && hashObject(o.typ, o.data) == h {
			return o, true
		}
		c.drop(i)
		i--
	}
	return object{}, false
}

// inPacks says whether an index names h, without reading it.
func (c *Cache) inPacks(h plumbing.Hash) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refresh()
	for _, p := range c.packs {
		if _, ok := p.find(h); ok {
			return true
		}
	}
	return false
}

// mayHaveLoose says whether the cache holds loose objects, one file each, as skillctl wrote them before
// it wrote packs: looked for once, so that a cache of packs alone costs no probe per object.
func (c *Cache) mayHaveLoose() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loose == 0 {
		c.loose = -1
		entries, _ := os.ReadDir(filepath.Join(c.dir, "objects"))
		for _, e := range entries {
			if n := e.Name(); e.IsDir() && len(n) == 2 && strings.Trim(n, "0123456789abcdef") == "" {
				c.loose = 1
				break
			}
		}
	}
	return c.loose > 0
}

// refresh opens the packs added since objects/pack was last listed (by this process or another one),
// looking at most every refreshEvery.
func (c *Cache) refresh() {
	now := time.Now()
	if now.Sub(c.looked) < refreshEvery {
		return
	}
	c.looked = now
	dir := filepath.Join(c.dir, "objects", "pack")
	fi, err := os.Stat(dir)
	if err != nil || fi.ModTime().Equal(c.seen) {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	c.seen = fi.ModTime()
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".idx")
		if !ok || !strings.HasPrefix(base, "pack-") || c.known[base] {
			continue
		}
		p, err := openPack(c.dir, base)
		if err == nil {
			err = p.whole()
			if err != nil {
				p.close()
			}
		}
		switch {
		case err == nil:
			p.name = base
			c.known[base] = true
			c.packs = append(c.packs, p)
		case !errors.Is(err, fs.ErrNotExist):
			removePack(dir, base) // damaged: its objects are fetched again, maybe into a pack of this name
		}
	}
}

// drop closes and deletes pack i, which gave a damaged object.
func (c *Cache) drop(i int) {
	p := c.packs[i]
	p.close()
	removePack(filepath.Join(c.dir, "objects", "pack"), p.name)
	delete(c.known, p.name)
	c.packs = append(c.packs[:i], c.packs[i+1:]...)
}

// whole says whether the pack ends with the checksum its index records: a pack cut short is refused
// before any of its objects is looked up.
func (p *localPack) whole() error {
	var a, b [20]byte
	if _, err := p.idx.ReadAt(a[:], p.idxSize-40); err != nil {
		return err
	}
	if _, err := p.pack.ReadAt(b[:], p.packSize-20); err != nil {
		return err
	}
	if a != b {
		return errors.New("pack does not end with its index's checksum")
	}
	return nil
}

func removePack(dir, base string) {
	os.Remove(filepath.Join(dir, base+".idx")) // the index first: without it the pack is never read
	os.Remove(filepath.Join(dir, base+".pack"))
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

// putAll stores the objects not yet cached as one pack and its index. An object over cacheCap is left out.
func (c *Cache) putAll(objs map[plumbing.Hash]object) error {
	var todo []plumbing.Hash
	loose := c.mayHaveLoose()
	for h, o := range objs {
		if int64(len(o.data)) > cacheCap || c.inPacks(h) {
			continue
		}
		if loose {
			if _, err := os.Stat(c.objectPath(h)); err == nil {
				continue
			}
		}
		todo = append(todo, h)
	}
	if len(todo) == 0 {
		return nil
	}
	merged := c.absorb(objs, &todo)
	slices.SortFunc(todo, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
	dir := filepath.Join(c.dir, "objects", "pack")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Named by the objects it holds, as git names packs, so the name is known before the pack is written.
	names := sha1.New()
	for _, h := range todo {
		names.Write(h[:])
	}
	base := "pack-" + hex.EncodeToString(names.Sum(nil))
	var idx []byte
	err := atomicfile.WriteCacheFrom(filepath.Join(dir, base+".pack"), 0o600, func(w io.Writer) error {
		var err error
		idx, err = writePack(w, todo, objs)
		return err
	})
	if err != nil {
		return err
	}
	if err := atomicfile.WriteCache(filepath.Join(dir, base+".idx"), idx, 0o600); err != nil {
		os.Remove(filepath.Join(dir, base+".pack"))
		return err
	}
	c.retire(merged)
	c.mu.Lock()
	c.looked = time.Time{} // this pack is listed on the next look, whenever it comes
	c.mu.Unlock()
	return nil
}

// maxPacks bounds the packs a cache keeps: each is two open files and one more index to search for an
// object not yet cached. A write that finds this many also takes in the smaller half of them, which are
// then deleted, so an object is rewritten a number of times that grows with the log of the cache's size,
// not with the number of operations.
const maxPacks = 16

// absorb adds the objects of the smaller half of the packs to objs and todo when there are maxPacks of
// them, and returns those packs. An object that does not read back intact is left out, to be fetched again.
func (c *Cache) absorb(objs map[plumbing.Hash]object, todo *[]plumbing.Hash) []*localPack {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refresh()
	if len(c.packs) < maxPacks {
		return nil
	}
	small := slices.Clone(c.packs)
	slices.SortFunc(small, func(a, b *localPack) int { return cmp.Compare(a.packSize, b.packSize) })
	small = small[:len(small)/2]
	taken := make(map[plumbing.Hash]bool, len(*todo))
	for _, h := range *todo {
		taken[h] = true
	}
	for _, p := range small {
		n := int64(p.fanout[255])
		for i := int64(0); i < n; i++ {
			var h plumbing.Hash
			if _, err := p.idx.ReadAt(h[:], idxTables+i*20); err != nil {
				break
			}
			if taken[h] {
				continue
			}
			off, ok := p.offset(n, i)
			if !ok {
				continue
			}
			if o, err := p.resolve(off, cacheCap, cacheCap); err == nil && hashObject(o.typ, o.data) == h {
				objs[h] = o
				taken[h] = true
				*todo = append(*todo, h)
			}
		}
	}
	return small
}

// retire deletes packs whose objects a newer pack holds.
func (c *Cache) retire(packs []*localPack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range packs {
		if i := slices.Index(c.packs, p); i >= 0 {
			c.drop(i)
		}
	}
}

// writePack writes the objects hs (sorted) to w as a version-2 pack, each object whole (no deltas), and
// returns its version-2 index: the format git and localPack read. The pack is streamed, never held whole.
func writePack(w io.Writer, hs []plumbing.Hash, objs map[plumbing.Hash]object) ([]byte, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	sum, crc := sha1.New(), crc32.NewIEEE()
	cw := &countingWriter{w: io.MultiWriter(bw, sum, crc)}
	cw.Write([]byte("PACK"))
	binary.Write(cw, binary.BigEndian, [2]uint32{2, uint32(len(hs))})
	offs := make([]uint64, len(hs))
	crcs := make([]uint32, len(hs))
	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	for i, h := range hs {
		o := objs[h]
		offs[i] = uint64(cw.n)
		crc.Reset()
		size := uint64(len(o.data))
		hdr := []byte{byte(o.typ)<<4 | byte(size&15)}
		for size >>= 4; size > 0; size >>= 7 {
			hdr[len(hdr)-1] |= 0x80
			hdr = append(hdr, byte(size&0x7f))
		}
		cw.Write(hdr)
		zw.Reset(cw)
		zw.Write(o.data)
		if err := zw.Close(); err != nil {
			return nil, err
		}
		crcs[i] = crc.Sum32()
	}
	packSum := sum.Sum(nil)
	bw.Write(packSum)
	if err := bw.Flush(); err != nil {
		return nil, err
	}

	var x bytes.Buffer
	x.WriteString("\xfftOc")
	binary.Write(&x, binary.BigEndian, uint32(2))
	var fanout [256]uint32
	for _, h := range hs {
		fanout[h[0]]++
	}
	for i := 1; i < 256; i++ {
		fanout[i] += fanout[i-1]
	}
	binary.Write(&x, binary.BigEndian, fanout)
	for _, h := range hs {
		x.Write(h[:])
	}
	binary.Write(&x, binary.BigEndian, crcs)
	var large []uint64
	for _, off := range offs {
		if off >= 1<<31 {
			binary.Write(&x, binary.BigEndian, uint32(1<<31|len(large)))
			large = append(large, off)
		} else {
			binary.Write(&x, binary.BigEndian, uint32(off))
		}
	}
	binary.Write(&x, binary.BigEndian, large)
	x.Write(packSum)
	isum := sha1.Sum(x.Bytes())
	x.Write(isum[:])
	return x.Bytes(), nil
}

// countingWriter counts the bytes written through it: the offsets of a pack's entries.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
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

// take hands over the objects used since the last take, for the cache; nil when there is no cache or
// nothing new.
func (s *store) take() map[plumbing.Hash]object {
	if s.cache == nil || len(s.used) == 0 {
		return nil
	}
	objs := make(map[plumbing.Hash]object, len(s.used))
	for h := range s.used {
		objs[h] = s.mem[h]
	}
	s.used = map[plumbing.Hash]bool{}
	return objs
}
