package gitfetch

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/skillctl/skillctl/internal/textsafe"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
)

// localWire reads a repository on this machine (file:///PATH, bare or with a work tree) directly: no
// git binary, no copy. Its objects reach the session's store on demand, read by our own bounded reader
// (loose objects and version-2 packs): a repository inside a cloned project is as hostile as a server, and
// go-git's object storage inflates a whole loose object, or a delta's whole base, before anyone can check
// its size. So each object's declared size is checked against the caps before it is inflated, inflating
// never goes past the declared size, delta chains are bounded in length and work, and every object is
// checked against its hash; only real files and folders of the repository are read, never a symlink, and
// never an alternates file. Refs are read the same way, each file within a bound. The walk, the entry
// rules and the limits are then the same as over the network; nothing it reads is written to the object
// cache.
type localWire struct {
	url    string
	dir    string
	lim    Limits
	packs  []*localPack // opened on the first object read
	opened bool
	absent map[plumbing.Hash]error // objects already found missing, too large or malformed, and why
}

func newLocalWire(s *Session, u *url.URL) (*localWire, error) {
	if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		return nil, fmt.Errorf("fetch %s: a file URL names no host", textsafe.RedactURL(s.r.URL))
	}
	dir, err := gitDir(filepath.FromSlash(u.Path))
	if err != nil {
		return nil, &RemoteError{URL: s.r.URL, Err: err}
	}
	w := &localWire{url: s.r.URL, dir: dir, lim: s.r.Limits.WithDefaults(), absent: map[plumbing.Hash]error{}}
	s.st.local, s.st.localWhy = w.object, w.whyAbsent
	return w, nil
}

// gitDir finds the git directory of a bare repository or of a work tree (its .git folder).
func gitDir(p string) (string, error) {
	isGit := func(d string) bool {
		fi, err := os.Stat(filepath.Join(d, "objects"))
		if err != nil || !fi.IsDir() {
			return false
		}
		_, err = os.Stat(filepath.Join(d, "HEAD"))
		return err == nil
	}
	if fi, err := os.Stat(filepath.Join(p, ".git")); err == nil {
		if !fi.IsDir() {
			return "", errors.New("a work tree whose .git is a file (a linked work tree or submodule) is not supported; use the main repository")
		}
		if isGit(filepath.Join(p, ".git")) {
			return filepath.Join(p, ".git"), nil
		}
	}
	if isGit(p) {
		return p, nil
	}
	return "", errors.New("not a git repository")
}

func (w *localWire) where() string { return w.url }

func (w *localWire) close() {
	for _, p := range w.packs {
		p.close()
	}
	w.packs, w.opened = nil, false
}

func (w *localWire) filter(context.Context) (bool, error)    { return true, nil }
func (w *localWire) reachable(context.Context) (bool, error) { return true, nil }
func (w *localWire) isTip(plumbing.Hash) bool                { return true }

// object reads h from the repository, or reports it absent: missing, over the caps (a blob larger than
// one file may be, anything else over the tree bound), malformed, or not matching its hash.
func (w *localWire) object(h plumbing.Hash) (object, bool) {
	o, err := w.load(h)
	return o, err == nil
}

// load reads h once; a failure is remembered, so asking again costs nothing.
func (w *localWire) load(h plumbing.Hash) (object, error) {
	if err, ok := w.absent[h]; ok {
		return object{}, err
	}
	o, err := w.read(h)
	if err != nil {
		w.absent[h] = err
	}
	return o, err
}

// whyAbsent says why object could not give h: nil when h was never asked for or was read.
func (w *localWire) whyAbsent(h plumbing.Hash) error { return w.absent[h] }

// caps are the largest blob and the largest other object the reader inflates.
func (w *localWire) caps() (blob, other int64) {
	return min(w.lim.MaxFileSize, w.lim.MaxTotalSize), max(w.lim.MaxFileSize, 16<<20)
}

var errNoObject = errors.New("object not in the repository")

func (w *localWire) read(h plumbing.Hash) (object, error) {
	blob, other := w.caps()
	o, err := w.readLoose(h, blob, other)
	if errors.Is(err, errNoObject) {
		if !w.opened {
			w.opened = true
			w.packs = openPacks(w.dir)
		}
		for _, p := range w.packs {
			if off, ok := p.find(h); ok {
				o, err = p.resolve(off, blob, other)
				break
			}
		}
	}
	if err != nil {
		return object{}, err
	}
	if hashObject(o.typ, o.data) != h {
		return object{}, errors.New("object does not match its hash")
	}
	return o, nil
}

// capFor is the size an object of typ may have.
func capFor(typ plumbing.ObjectType, blob, other int64) int64 {
	if typ == plumbing.BlobObject {
		return blob
	}
	return other
}

// readLoose reads objects/XX/YYYY...: a zlib stream of "TYPE SIZE\0" and the content.
func (w *localWire) readLoose(h plumbing.Hash, blob, other int64) (object, error) {
	hex := h.String()
	f, err := openInRepo(w.dir, "objects", hex[:2], hex[2:])
	if err != nil {
		return object{}, err
	}
	defer f.Close()
	zr, err := zlib.NewReader(bufio.NewReader(f))
	if err != nil {
		return object{}, err
	}
	br := bufio.NewReader(io.LimitReader(zr, 64))
	head, err := br.ReadString(0)
	if err != nil {
		return object{}, errors.New("bad loose object header")
	}
	name, num, _ := strings.Cut(strings.TrimSuffix(head, "\x00"), " ")
	typ, _ := plumbing.ParseObjectType(name)
	size, err := strconv.ParseInt(num, 10, 64)
	if !typ.Valid() || typ == plumbing.OFSDeltaObject || typ == plumbing.REFDeltaObject || err != nil || size < 0 {
		return object{}, errors.New("bad loose object header")
	}
	if size > capFor(typ, blob, other) {
		return object{}, errTooLarge
	}
	data := make([]byte, size)
	rest := io.MultiReader(br, zr) // br holds what followed the header within its 64 bytes
	if _, err := io.ReadFull(rest, data); err != nil {
		return object{}, err
	}
	return object{typ: typ, data: data}, nil
}

// openInRepo opens a file of the repository for reading: every element below dir must be a real folder
// and the file a regular file (checked again on the open descriptor), so a link cannot send the read
// elsewhere on this machine and a FIFO cannot hang it.
func openInRepo(dir string, elems ...string) (*os.File, error) {
	p := dir
	for i, el := range elems {
		p = filepath.Join(p, el)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errNoObject
		}
		if err != nil {
			return nil, err
		}
		if last := i == len(elems)-1; last && !fi.Mode().IsRegular() || !last && !fi.IsDir() {
			return nil, fmt.Errorf("%s: not a regular file or folder", p)
		}
	}
	f, err := os.OpenFile(p, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", p)
	}
	return f, nil
}

// localPack is a version-2 pack index and its pack, read at offsets.
type localPack struct {
	name              string // pack-SHA, for the object cache's packs
	idx, pack         *os.File
	idxSize, packSize int64
	fanout            [256]uint32
	zr                io.ReadCloser // reused: a chain of deltas inflates many small entries
}

// openPacks opens the packs of the repository at dir whose index is sound; the others are skipped, and
// an object only they hold reads as absent.
func openPacks(dir string) []*localPack {
	for _, p := range []string{"objects", filepath.Join("objects", "pack")} {
		if fi, err := os.Lstat(filepath.Join(dir, p)); err != nil || !fi.IsDir() {
			return nil
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "objects", "pack"))
	if err != nil {
		return nil
	}
	var out []*localPack
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".idx")
		if !ok || !strings.HasPrefix(base, "pack-") {
			continue
		}
		if p, err := openPack(dir, base); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func openPack(dir, base string) (*localPack, error) {
	idx, err := openInRepo(dir, "objects", "pack", base+".idx")
	if err != nil {
		return nil, err
	}
	pack, err := openInRepo(dir, "objects", "pack", base+".pack")
	if err != nil {
		idx.Close()
		return nil, err
	}
	p := &localPack{idx: idx, pack: pack}
	if err := p.check(); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *localPack) close() {
	p.idx.Close()
	p.pack.Close()
}

// check reads the index header and fanout and checks the sizes agree with the object count.
func (p *localPack) check() error {
	fi, err := p.idx.Stat()
	if err != nil {
		return err
	}
	p.idxSize = fi.Size()
	if fi, err = p.pack.Stat(); err != nil {
		return err
	}
	p.packSize = fi.Size()
	var head [8 + 256*4]byte
	if _, err := p.idx.ReadAt(head[:], 0); err != nil {
		return err
	}
	if string(head[:8]) != "\xfftOc\x00\x00\x00\x02" {
		return errors.New("not a version 2 pack index")
	}
	for i := range p.fanout {
		p.fanout[i] = binary.BigEndian.Uint32(head[8+4*i:])
		if i > 0 && p.fanout[i] < p.fanout[i-1] {
			return errors.New("pack index fanout out of order")
		}
	}
	if n := int64(p.fanout[255]); p.idxSize < idxTables+n*28+40 || p.packSize < 12+20 {
		return errors.New("pack index shorter than its object count")
	}
	return nil
}

// idxTables is where a v2 index's name table starts: after the magic, the version and the fanout.
const idxTables = 8 + 256*4

// find looks h up in the index: a binary search over the names its first byte's fanout bucket spans.
func (p *localPack) find(h plumbing.Hash) (int64, bool) {
	n := int64(p.fanout[255])
	lo := int64(0)
	if h[0] > 0 {
		lo = int64(p.fanout[h[0]-1])
	}
	hi := int64(p.fanout[h[0]])
	var name plumbing.Hash
	for lo < hi {
		mid := lo + (hi-lo)/2
		if _, err := p.idx.ReadAt(name[:], idxTables+mid*20); err != nil {
			return 0, false
		}
		switch c := bytes.Compare(name[:], h[:]); {
		case c == 0:
			return p.offset(n, mid)
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, false
}

// offset reads entry i's pack offset: 31 bits, or an index into the table of 64-bit offsets.
func (p *localPack) offset(n, i int64) (int64, bool) {
	var b [8]byte
	if _, err := p.idx.ReadAt(b[:4], idxTables+n*24+i*4); err != nil {
		return 0, false
	}
	off := int64(binary.BigEndian.Uint32(b[:4]))
	if off&(1<<31) != 0 {
		if _, err := p.idx.ReadAt(b[:], idxTables+n*28+(off&^(1<<31))*8); err != nil {
			return 0, false
		}
		off = int64(binary.BigEndian.Uint64(b[:]))
	}
	if off < 12 || off >= p.packSize-20 {
		return 0, false
	}
	return off, true
}

// maxDeltaChain bounds the deltas between an object and its base; git makes chains of 50 by default
// and at most 4095 deep, and the work a chain may cost is bounded separately.
const maxDeltaChain = 1000

// packEntry is an object's header in a pack: its kind, its inflated size, where its data starts, and
// for a delta where its base is.
type packEntry struct {
	typ     plumbing.ObjectType
	size    int64
	data    int64
	baseOff int64
	baseRef plumbing.Hash
}

func (p *localPack) entry(off int64) (packEntry, error) {
	var b [64]byte
	n, err := p.pack.ReadAt(b[:], off)
	if n == 0 {
		return packEntry{}, fmt.Errorf("pack entry at %d: %w", off, err)
	}
	buf := b[:n]
	i := 0
	next := func() (byte, bool) {
		if i >= len(buf) {
			return 0, false
		}
		i++
		return buf[i-1], true
	}
	bad := fmt.Errorf("pack entry at %d: malformed header", off)
	c, _ := next()
	e := packEntry{typ: plumbing.ObjectType((c >> 4) & 7), size: int64(c & 15)}
	for shift := uint(4); c&0x80 != 0; shift += 7 {
		var ok bool
		if c, ok = next(); !ok || shift > 56 {
			return packEntry{}, bad
		}
		e.size |= int64(c&0x7f) << shift
	}
	switch e.typ {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
	case plumbing.OFSDeltaObject:
		c, _ := next()
		rel := int64(c & 0x7f)
		for c&0x80 != 0 {
			var ok bool
			if c, ok = next(); !ok || rel >= 1<<48 {
				return packEntry{}, bad
			}
			rel = (rel+1)<<7 | int64(c&0x7f)
		}
		if e.baseOff = off - rel; rel <= 0 || e.baseOff < 12 {
			return packEntry{}, bad
		}
	case plumbing.REFDeltaObject:
		if len(buf)-i < 20 {
			return packEntry{}, bad
		}
		copy(e.baseRef[:], buf[i:i+20])
		i += 20
	default:
		return packEntry{}, bad
	}
	e.data = off + int64(i)
	return e, nil
}

// inflate reads an entry's data, exactly its declared size and never more.
func (p *localPack) inflate(e packEntry) ([]byte, error) {
	src := bufio.NewReader(io.NewSectionReader(p.pack, e.data, p.packSize-e.data))
	var err error
	if p.zr == nil {
		p.zr, err = zlib.NewReader(src)
	} else {
		err = p.zr.(zlib.Resetter).Reset(src, nil)
	}
	if err != nil {
		return nil, err
	}
	data := make([]byte, e.size)
	if _, err := io.ReadFull(p.zr, data); err != nil {
		return nil, err
	}
	return data, nil
}

// resolve reads the object at off: its chain of deltas down to the base, at most maxDeltaChain long,
// each delta no larger than the largest object may be and all of them together no more than a few times
// that; then the base, within its kind's cap or, under deltas, within a few times the largest cap (git
// deltas a file against one up to 32 times its size); then the deltas applied from the base up, each
// result within those bounds before it is made, the last within its kind's cap.
func (p *localPack) resolve(off int64, blob, other int64) (object, error) {
	most := max(blob, other)
	baseCap := 4 * most
	var deltas [][]byte
	var work int64
	for depth := 0; ; depth++ {
		if depth > maxDeltaChain {
			return object{}, fmt.Errorf("delta chain longer than %d", maxDeltaChain)
		}
		e, err := p.entry(off)
		if err != nil {
			return object{}, err
		}
		if e.typ != plumbing.OFSDeltaObject && e.typ != plumbing.REFDeltaObject {
			limit := capFor(e.typ, blob, other)
			if e.size > limit && (len(deltas) == 0 || e.size > baseCap) {
				return object{}, errTooLarge
			}
			data, err := p.inflate(e)
			if err != nil {
				return object{}, err
			}
			for i := len(deltas) - 1; i >= 0; i-- {
				bound := baseCap
				if i == 0 {
					bound = limit
				}
				if size := deltaTargetSize(deltas[i]); size < 0 || size > bound {
					return object{}, errTooLarge
				}
				if data, err = packfile.PatchDelta(data, deltas[i]); err != nil {
					return object{}, err
				}
			}
			return object{typ: e.typ, data: data}, nil
		}
		if work += e.size; e.size > most || work > baseCap {
			return object{}, errTooLarge
		}
		d, err := p.inflate(e)
		if err != nil {
			return object{}, err
		}
		deltas = append(deltas, d)
		if e.typ == plumbing.OFSDeltaObject {
			off = e.baseOff
		} else if off, err = p.baseOf(e.baseRef); err != nil {
			return object{}, err
		}
	}
}

// baseOf finds a REF delta's base, which git keeps in the same pack.
func (p *localPack) baseOf(h plumbing.Hash) (int64, error) {
	off, ok := p.find(h)
	if !ok {
		return 0, fmt.Errorf("delta base %s not in its pack", short(h.String()))
	}
	return off, nil
}

// fetch has nothing to send: the store reads objects directly. It reads the wants, so that a want the
// repository does not hold at all is refused as a server would refuse it (a missing commit is reported
// as such), and one it cannot read is reported with the reason.
func (w *localWire) fetch(_ context.Context, fr fetchReq, _ func(plumbing.Hash, object)) (packResult, error) {
	for _, h := range fr.wants {
		switch _, err := w.load(h); {
		case errors.Is(err, errNoObject):
			return packResult{}, &refusedError{msg: "not our ref " + h.String()}
		case errors.Is(err, errTooLarge):
			return packResult{}, &LimitError{Problem: fmt.Sprintf("object %s is larger than the limits allow", short(h.String()))}
		case err != nil:
			return packResult{}, &RemoteError{URL: w.url, Err: fmt.Errorf("object %s: %w", short(h.String()), err)}
		}
	}
	return packResult{oversize: map[plumbing.Hash]int64{}}, nil
}

func (w *localWire) refs(_ context.Context, prefixes []string) (map[string]string, error) {
	match := func(name string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
		return false
	}
	all, head, err := w.readRefs()
	if err != nil {
		return nil, &RemoteError{URL: w.url, Err: err}
	}
	out := map[string]string{}
	if h, ok := all[head]; ok && match("HEAD") {
		out["HEAD"] = w.peel(h).String()
	} else if plumbing.IsHash(head) && match("HEAD") {
		out["HEAD"] = w.peel(plumbing.NewHash(head)).String()
	}
	for name, h := range all {
		if match(name) {
			out[name] = w.peel(h).String()
		}
	}
	return out, nil
}

// peel follows annotated tags to what they name, nested a few deep at most.
func (w *localWire) peel(h plumbing.Hash) plumbing.Hash {
	for i := 0; i < 8; i++ {
		t, ok := w.object(h)
		if !ok || t.typ != plumbing.TagObject {
			break
		}
		line, _, _ := strings.Cut(string(t.data), "\n")
		target, ok := strings.CutPrefix(line, "object ")
		if !ok || !plumbing.IsHash(target) {
			break
		}
		h = plumbing.NewHash(target)
	}
	return h
}

// Bounds on reading refs: a loose ref or HEAD is one line; packed-refs of GitHub's busiest repositories
// are a few MiB; the loose refs walk stops at a count and a depth no repository reaches.
const (
	maxRefFile    = 4 << 10
	maxPackedRefs = 32 << 20
	maxLooseRefs  = 100_000
	maxRefDepth   = 32
)

// readRefs reads the branch and tag refs (packed-refs, then loose refs under refs/, which win) as names
// to commits, and what HEAD says: a ref name, or a hash when detached. Only real files and folders are
// read (openInRepo), each within its bound; symbolic refs other than HEAD are skipped.
func (w *localWire) readRefs() (map[string]plumbing.Hash, string, error) {
	all := map[string]plumbing.Hash{}
	if data, err := readRepoFile(w.dir, maxPackedRefs, "packed-refs"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			hash, name, ok := strings.Cut(strings.TrimSpace(line), " ")
			if ok && plumbing.IsHash(hash) && strings.HasPrefix(name, "refs/") {
				all[name] = plumbing.NewHash(hash)
			}
		}
	} else if !errors.Is(err, errNoObject) {
		return nil, "", err
	}
	n := 0
	var walk func(rel string, depth int) error
	walk = func(rel string, depth int) error {
		if depth > maxRefDepth {
			return fmt.Errorf("%s: refs nested deeper than %d", rel, maxRefDepth)
		}
		entries, err := os.ReadDir(filepath.Join(w.dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := rel + "/" + e.Name()
			switch {
			case e.Type()&fs.ModeSymlink != 0:
			case e.IsDir():
				if err := walk(name, depth+1); err != nil {
					return err
				}
			case e.Type().IsRegular():
				if n++; n > maxLooseRefs {
					return fmt.Errorf("more than %d loose refs", maxLooseRefs)
				}
				data, err := readRepoFile(w.dir, maxRefFile, strings.Split(name, "/")...)
				if err != nil {
					return err
				}
				if h := strings.TrimSpace(string(data)); plumbing.IsHash(h) {
					all[name] = plumbing.NewHash(h)
				}
			}
		}
		return nil
	}
	if fi, err := os.Lstat(filepath.Join(w.dir, "refs")); err == nil && fi.IsDir() {
		if err := walk("refs", 0); err != nil {
			return nil, "", err
		}
	}
	data, err := readRepoFile(w.dir, maxRefFile, "HEAD")
	if err != nil {
		return nil, "", err
	}
	head := strings.TrimSpace(string(data))
	if target, ok := strings.CutPrefix(head, "ref:"); ok {
		head = strings.TrimSpace(target)
	}
	return all, head, nil
}

// readRepoFile reads a small file of the repository through openInRepo, refusing one over max bytes.
func readRepoFile(dir string, max int64, elems ...string) ([]byte, error) {
	f, err := openInRepo(dir, elems...)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tooBig := &LimitError{Problem: fmt.Sprintf("%s is larger than %s", path.Join(elems...), humanBytes(max))}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > max {
		return nil, tooBig
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, tooBig
	}
	return data, nil
}
