package gitfetch

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// hostileRepo is a repository written object by object, as a cloned project can carry one: loose objects
// with any header, and a pack with any entries.
type hostileRepo struct {
	t    *testing.T
	dir  string
	pack []packObj
}

type packObj struct {
	hash    plumbing.Hash // the name the index gives it
	typ     plumbing.ObjectType
	size    int64     // the size its header declares
	data    []byte    // what is deflated (a delta's instructions for a delta)
	body    io.Reader // instead of data
	base    int       // OFS delta: the index of its base in the pack
	baseRef plumbing.Hash
}

func newHostileRepo(t *testing.T) *hostileRepo {
	dir := t.TempDir()
	for _, d := range []string{"objects/pack", "refs/heads"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "HEAD"), []byte("ref: refs/heads/main\n"), 0o644)
	return &hostileRepo{t: t, dir: dir}
}

// loose writes a loose object named h whose header declares typ and size, followed by body.
func (r *hostileRepo) loose(h plumbing.Hash, typ plumbing.ObjectType, size int64, body io.Reader) {
	p := filepath.Join(r.dir, "objects", h.String()[:2], h.String()[2:])
	os.MkdirAll(filepath.Dir(p), 0o755)
	f, err := os.Create(p)
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	zw, _ := zlib.NewWriterLevel(f, zlib.BestSpeed)
	fmt.Fprintf(zw, "%s %d\x00", typ, size)
	if _, err := io.Copy(zw, body); err != nil {
		r.t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		r.t.Fatal(err)
	}
}

// put writes an honest loose object and returns its name.
func (r *hostileRepo) put(typ plumbing.ObjectType, data []byte) plumbing.Hash {
	h := hashObject(typ, data)
	r.loose(h, typ, int64(len(data)), bytes.NewReader(data))
	return h
}

// commitTo writes a tree holding skill/SKILL.md and skill/NAME -> blob, and a commit of it on main.
func (r *hostileRepo) commitTo(name string, blob plumbing.Hash) string {
	skill := r.put(plumbing.BlobObject, []byte("---\nname: skill\ndescription: A skill. Use it for tests.\n---\n"))
	inner := r.put(plumbing.TreeObject, treeOf(map[string]plumbing.Hash{"SKILL.md": skill, name: blob}))
	root := r.put(plumbing.TreeObject, []byte("40000 skill\x00"+string(inner[:])))
	c := r.put(plumbing.CommitObject, []byte("tree "+root.String()+"\nauthor a <a> 0 +0000\ncommitter a <a> 0 +0000\n\nx\n"))
	os.WriteFile(filepath.Join(r.dir, "refs", "heads", "main"), []byte(c.String()+"\n"), 0o644)
	return c.String()
}

func treeOf(files map[string]plumbing.Hash) []byte {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		h := files[n]
		b.WriteString("100644 " + n + "\x00")
		b.Write(h[:])
	}
	return b.Bytes()
}

// writePack writes r.pack as a pack named by its checksum, as git names them, and its version-2 index.
func (r *hostileRepo) writePack() {
	var pk bytes.Buffer
	pk.WriteString("PACK")
	binary.Write(&pk, binary.BigEndian, uint32(2))
	binary.Write(&pk, binary.BigEndian, uint32(len(r.pack)))
	offs := make([]int64, len(r.pack))
	zw, _ := zlib.NewWriterLevel(&pk, zlib.BestSpeed)
	for i, o := range r.pack {
		offs[i] = int64(pk.Len())
		c := byte(o.typ)<<4 | byte(o.size&15)
		for n := o.size >> 4; ; n >>= 7 {
			if n == 0 {
				pk.WriteByte(c)
				break
			}
			pk.WriteByte(c | 0x80)
			c = byte(n & 0x7f)
		}
		switch o.typ {
		case plumbing.OFSDeltaObject:
			rel := offs[i] - offs[o.base]
			enc := []byte{byte(rel & 0x7f)}
			for rel >>= 7; rel > 0; rel >>= 7 {
				rel--
				enc = append([]byte{byte(0x80 | rel&0x7f)}, enc...)
			}
			pk.Write(enc)
		case plumbing.REFDeltaObject:
			pk.Write(o.baseRef[:])
		}
		zw.Reset(&pk)
		body := o.body
		if body == nil {
			body = bytes.NewReader(o.data)
		}
		io.Copy(zw, body)
		zw.Close()
	}
	sum := sha1.Sum(pk.Bytes())
	pk.Write(sum[:])
	order := make([]int, len(r.pack))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return bytes.Compare(r.pack[order[a]].hash[:], r.pack[order[b]].hash[:]) < 0 })
	var ix bytes.Buffer
	ix.WriteString("\xfftOc\x00\x00\x00\x02")
	var fan [256]uint32
	for _, o := range r.pack {
		for b := int(o.hash[0]); b < 256; b++ {
			fan[b]++
		}
	}
	binary.Write(&ix, binary.BigEndian, fan)
	for _, i := range order {
		ix.Write(r.pack[i].hash[:])
	}
	ix.Write(make([]byte, 4*len(order))) // CRCs: not read
	for _, i := range order {
		binary.Write(&ix, binary.BigEndian, uint32(offs[i]))
	}
	ix.Write(sum[:])
	isum := sha1.Sum(ix.Bytes())
	ix.Write(isum[:])
	name := filepath.Join(r.dir, "objects", "pack", fmt.Sprintf("pack-%x", sum))
	os.WriteFile(name+".pack", pk.Bytes(), 0o644)
	os.WriteFile(name+".idx", ix.Bytes(), 0o644)
}

// zeros reads n zero bytes.
func zeros(n int64) io.Reader { return io.LimitReader(zeroReader{}, n) }

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// copyDelta is a delta that makes n bytes from the start of a base of srcSize bytes.
func copyDelta(srcSize, n int64) []byte {
	varint := func(v int64) []byte {
		var b []byte
		for ; v >= 0x80; v >>= 7 {
			b = append(b, byte(v&0x7f|0x80))
		}
		return append(b, byte(v))
	}
	d := append(varint(srcSize), varint(n)...)
	return append(d, 0x90, byte(n)) // copy, offset 0, one size byte
}

// A repository on this machine is as hostile as a server: whatever its objects declare, a read stays
// within the caps in memory and in work, and ends in an error, not a crash. Go-git's object storage
// inflated a whole loose object, or a delta's whole base, before its size could be checked: a 668 KB
// repository took skillctl to "fatal error: out of memory".
func TestLocalHostileObjects(t *testing.T) {
	const big = 128 << 20 // over the 64 MiB a delta's base may have under a 1 MiB file cap
	tests := []struct {
		name string
		make func(r *hostileRepo) string // returns the commit
	}{
		{"loose blob over the cap", func(r *hostileRepo) string {
			h := plumbing.NewHash(strings.Repeat("ab", 20)) // refused before its hash is known
			r.loose(h, plumbing.BlobObject, big, zeros(big))
			return r.commitTo("big.bin", h)
		}},
		{"loose header lies small", func(r *hostileRepo) string {
			h := plumbing.NewHash(strings.Repeat("ab", 20))
			r.loose(h, plumbing.BlobObject, 10, zeros(big))
			return r.commitTo("big.bin", h)
		}},
		{"loose header lies large", func(r *hostileRepo) string {
			h := plumbing.NewHash(strings.Repeat("ab", 20))
			r.loose(h, plumbing.BlobObject, 1<<62, zeros(1<<20))
			return r.commitTo("big.bin", h)
		}},
		{"small delta on a huge base", func(r *hostileRepo) string {
			small := hashObject(plumbing.BlobObject, make([]byte, 10))
			r.pack = []packObj{
				{hash: plumbing.NewHash(strings.Repeat("ab", 20)), typ: plumbing.BlobObject, size: big, body: zeros(big)},
				{hash: small, typ: plumbing.OFSDeltaObject, size: int64(len(copyDelta(big, 10))), data: copyDelta(big, 10), base: 0},
			}
			r.writePack()
			return r.commitTo("small.bin", small)
		}},
		{"delta cycle", func(r *hostileRepo) string {
			a, b := plumbing.NewHash(strings.Repeat("0a", 20)), plumbing.NewHash(strings.Repeat("0b", 20))
			d := copyDelta(10, 10)
			r.pack = []packObj{
				{hash: a, typ: plumbing.REFDeltaObject, size: int64(len(d)), data: d, baseRef: b},
				{hash: b, typ: plumbing.REFDeltaObject, size: int64(len(d)), data: d, baseRef: a},
			}
			r.writePack()
			return r.commitTo("a.bin", a)
		}},
		{"delta chain too long", func(r *hostileRepo) string {
			r.pack = []packObj{{hash: plumbing.NewHash(strings.Repeat("01", 20)), typ: plumbing.BlobObject, size: 10, data: make([]byte, 10)}}
			d := copyDelta(10, 10)
			for i := 1; i <= maxDeltaChain+1; i++ {
				var h plumbing.Hash
				binary.BigEndian.PutUint32(h[16:], uint32(i))
				h[0] = 0x02
				r.pack = append(r.pack, packObj{hash: h, typ: plumbing.OFSDeltaObject, size: int64(len(d)), data: d, base: i - 1})
			}
			r.writePack()
			return r.commitTo("deep.bin", r.pack[len(r.pack)-1].hash)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newHostileRepo(t)
			commit := tt.make(r)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Fetch(context.Background(), Remote{URL: "file://" + r.dir, Limits: Limits{MaxFileSize: 1 << 20}}, commit, []string{"skill"})
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("fetched")
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 96<<20 {
				t.Errorf("allocated %d MiB to refuse it (%v)", n>>20, err)
			}
		})
	}
}

// A repository git packed, with chains of deltas, reads as it does loose.
func TestLocalPacked(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@a", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@a")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q", "-b", "main")
	// One fast-import of 30 commits, each adding a line to skill/notes.md.
	var stream strings.Builder
	var lines, texts []string
	for i := 0; i < 30; i++ {
		lines = append(lines, fmt.Sprintf("line %d of a file that changes a little with every commit, so git packs it as deltas", i))
		text := strings.Join(lines, "\n") + "\n"
		texts = append(texts, text)
		skill := "---\nname: skill\ndescription: A skill. Use it for tests.\n---\n"
		fmt.Fprintf(&stream, "commit refs/heads/main\nmark :%d\ncommitter a <a@a> %d +0000\ndata 1\nx\n", i+1, i)
		fmt.Fprintf(&stream, "M 644 inline skill/SKILL.md\ndata %d\n%s\nM 644 inline skill/notes.md\ndata %d\n%s\n", len(skill), skill, len(text), text)
	}
	imp := exec.Command("git", "fast-import", "--quiet")
	imp.Dir, imp.Stdin = dir, strings.NewReader(stream.String())
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("fast-import: %v: %s", err, out)
	}
	commits := strings.Fields(git("rev-list", "--reverse", "main"))
	git("repack", "-adfq", "--depth=50")
	if out := git("count-objects", "-v"); !strings.Contains(out, "count: 0") {
		t.Fatalf("not all packed: %s", out)
	}
	for _, i := range []int{0, 14, 29} {
		got, err := Fetch(context.Background(), Remote{URL: "file://" + dir}, commits[i], []string{"skill"})
		if err != nil {
			t.Fatal(err)
		}
		var notes string
		for _, f := range got["skill"].Files {
			if f.Path == "notes.md" {
				notes = string(f.Data)
			}
		}
		if notes != texts[i] {
			t.Errorf("commit %d: notes.md = %q", i, notes)
		}
	}
}

// Refs are files of the repository too: each is read within a bound. Go-git read a loose ref whole: a
// 1 GiB refs/heads file (a few MB in a clone) cost an install 2.1 GB and 73 s.
func TestLocalHostileRefs(t *testing.T) {
	const big = 256 << 20
	for _, name := range []string{"refs/heads/zz", "HEAD", "packed-refs"} {
		t.Run(name, func(t *testing.T) {
			r := newHostileRepo(t)
			r.commitTo("x.md", r.put(plumbing.BlobObject, []byte("x\n")))
			p := filepath.Join(r.dir, filepath.FromSlash(name))
			if err := os.Truncate(p, big); err != nil { // sparse: no disk used
				f, _ := os.Create(p)
				f.Close()
				if err := os.Truncate(p, big); err != nil {
					t.Fatal(err)
				}
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := ListRefs(context.Background(), Remote{URL: "file://" + r.dir})
			runtime.ReadMemStats(&after)
			if !isType[*LimitError](err) {
				t.Errorf("err = %T %v", err, err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
				t.Errorf("allocated %d MiB to refuse it", n>>20)
			}
		})
	}
}
