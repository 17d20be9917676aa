package gitfetch

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func cacheObjects(prefix string, n int) map[plumbing.Hash]object {
	objs := map[plumbing.Hash]object{}
	for i := 0; i < n; i++ {
		data := []byte(strings.Repeat(fmt.Sprintf("%s %d\n", prefix, i), 1+i*7))
		typ := plumbing.BlobObject
		if i%5 == 0 {
			typ = plumbing.TreeObject // the cache does not parse what it stores
		}
		objs[hashObject(typ, data)] = object{typ: typ, data: data}
	}
	return objs
}

func packFiles(t *testing.T, c *Cache) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(c.Dir(), "objects", "pack", "pack-*"))
	return m
}

// One operation's objects are one pack and its index, in git's format, read back by another process's
// cache; objects already cached are not written again.
func TestCachePack(t *testing.T) {
	dir := t.TempDir()
	c, _ := OpenCache(dir)
	objs := cacheObjects("line", 300)
	objs[hashObject(plumbing.BlobObject, nil)] = object{typ: plumbing.BlobObject}
	if err := c.putAll(objs); err != nil {
		t.Fatal(err)
	}
	files := packFiles(t, c)
	if len(files) != 2 {
		t.Fatalf("files = %v, want one pack and its index", files)
	}
	other, _ := OpenCache(dir)
	for h, want := range objs {
		got, ok := other.get(h)
		if !ok || got.typ != want.typ || !bytes.Equal(got.data, want.data) {
			t.Fatalf("%s: got %v %v", h, ok, got.typ)
		}
	}
	if _, ok := other.get(plumbing.NewHash("1234567890123456789012345678901234567890")); ok {
		t.Error("an absent object was found")
	}
	if err := other.putAll(objs); err != nil || len(packFiles(t, other)) != 2 {
		t.Errorf("cached objects written again: %v %v", packFiles(t, other), err)
	}
	// A second operation adds a second pack, seen by the first cache without reopening.
	more := cacheObjects("more", 20)
	if err := other.putAll(more); err != nil || len(packFiles(t, other)) != 4 {
		t.Fatalf("second pack: %v %v", packFiles(t, other), err)
	}
	for h := range more {
		if _, ok := c.get(h); !ok {
			t.Fatalf("%s from the second pack not found", h)
		}
	}
	if _, err := exec.LookPath("git"); err == nil {
		for _, f := range packFiles(t, c) {
			if strings.HasSuffix(f, ".idx") {
				if out, err := exec.Command("git", "verify-pack", f).CombinedOutput(); err != nil {
					t.Errorf("git verify-pack %s: %v\n%s", f, err, out)
				}
			}
		}
	}
}

// A damaged pack or index is never trusted: its objects read as missing (so they are fetched again) and
// its files are deleted.
func TestCacheDamagedPack(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ext    string
		damage func([]byte) []byte
	}{
		{"pack byte flipped", ".pack", func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }},
		{"pack truncated", ".pack", func(b []byte) []byte { return b[:len(b)/2] }},
		{"index garbage", ".idx", func([]byte) []byte { return []byte("garbage") }},
		{"index names out of order", ".idx", func(b []byte) []byte { b[8+255*4] = 0; b[8+254*4] = 0xff; return b }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c, _ := OpenCache(dir)
			objs := cacheObjects("x", 40)
			if err := c.putAll(objs); err != nil {
				t.Fatal(err)
			}
			for _, f := range packFiles(t, c) {
				if strings.HasSuffix(f, tc.ext) {
					b, _ := os.ReadFile(f)
					os.WriteFile(f, tc.damage(b), 0o600)
				}
			}
			fresh, _ := OpenCache(dir)
			good := 0
			for h, want := range objs {
				if got, ok := fresh.get(h); ok {
					if !bytes.Equal(got.data, want.data) {
						t.Fatalf("%s: damaged content served", h)
					}
					good++
				}
			}
			if good == len(objs) {
				t.Error("every object read from a damaged pack")
			}
			if files := packFiles(t, fresh); len(files) != 0 {
				t.Errorf("damaged pack kept: %v", files)
			}
			// Fetched again: written as a new pack and read from it.
			if err := fresh.putAll(objs); err != nil {
				t.Fatal(err)
			}
			for h := range objs {
				if _, ok := fresh.get(h); !ok {
					t.Fatalf("%s missing after rewrite", h)
				}
			}
		})
	}
}

// Loose entries written by earlier versions are still read, and a damaged one is dropped.
func TestCacheLooseEntries(t *testing.T) {
	c, _ := OpenCache(t.TempDir())
	data := []byte("an old cached blob\n")
	h := hashObject(plumbing.BlobObject, data)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	fmt.Fprintf(zw, "blob %d\x00%s", len(data), data)
	zw.Close()
	p := c.objectPath(h)
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, z.Bytes(), 0o600)
	if got, ok := c.get(h); !ok || !bytes.Equal(got.data, data) {
		t.Fatalf("loose entry: %v %q", ok, got.data)
	}
	if err := c.putAll(map[plumbing.Hash]object{h: {typ: plumbing.BlobObject, data: data}}); err != nil || len(packFiles(t, c)) != 0 {
		t.Errorf("an object cached loose was written again: %v", err)
	}
	os.WriteFile(p, []byte("garbage"), 0o600)
	if _, ok := c.get(h); ok {
		t.Error("damaged loose entry served")
	}
	if _, err := os.Stat(p); err == nil {
		t.Error("damaged loose entry kept")
	}
}

// Two caches on one folder (two processes) writing at once, overlapping: each pack is whole and every
// object is read back.
func TestCacheConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	shared := cacheObjects("shared", 50)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, _ := OpenCache(dir)
			objs := cacheObjects(fmt.Sprintf("own%d", i), 30)
			for h, o := range shared {
				objs[h] = o
			}
			if err := c.putAll(objs); err != nil {
				t.Error(err)
			}
			for h := range objs {
				if _, ok := c.get(h); !ok {
					t.Errorf("writer %d: %s missing", i, h)
				}
			}
		}(i)
	}
	wg.Wait()
	c, _ := OpenCache(dir)
	for h := range shared {
		if _, ok := c.get(h); !ok {
			t.Fatalf("%s missing", h)
		}
	}
}

// Packs stay few however many operations wrote to the cache: the smaller ones are merged, and nothing
// is lost, including an object a later operation used again.
func TestCachePacksBounded(t *testing.T) {
	dir := t.TempDir()
	c, _ := OpenCache(dir)
	all := map[plumbing.Hash]object{}
	first := cacheObjects("op0", 3)
	for i := 0; i < 3*maxPacks; i++ {
		objs := cacheObjects(fmt.Sprintf("op%d", i), 3+i%4)
		for h, o := range first { // used again: already cached, in the first pack
			objs[h] = o
		}
		for h, o := range objs {
			all[h] = o
		}
		if err := c.putAll(objs); err != nil {
			t.Fatal(err)
		}
		if n := len(packFiles(t, c)) / 2; n > maxPacks {
			t.Fatalf("after %d writes: %d packs", i+1, n)
		}
	}
	fresh, _ := OpenCache(dir)
	for h, want := range all {
		if got, ok := fresh.get(h); !ok || !bytes.Equal(got.data, want.data) {
			t.Fatalf("%s lost in a merge", h)
		}
	}
}

// TestCacheWrittenInBackground: a fetch hands its objects to the cache in the background; once Wait
// returns (as cmd/skillctl's Main does before exiting), another process's session, with a cache of its
// own opened on the same folder, fetches the same folder without asking the server anything.
func TestCacheWrittenInBackground(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	dir := t.TempDir()
	c1, _ := OpenCache(dir)
	r := fx.remote("acme/skills")
	r.Cache = c1
	s, err := Open(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Fetch(context.Background(), fx.commit, []string{"skills/python/async"}); err != nil {
		t.Fatal(err)
	}
	Wait()
	fx.srv.ResetStats()
	c2, _ := OpenCache(dir)
	r.Cache = c2
	s2, err := Open(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s2.Fetch(context.Background(), fx.commit, []string{"skills/python/async"})
	if err != nil || got["skills/python/async"].File("SKILL.md") == nil {
		t.Fatalf("from the cache: %v", err)
	}
	if st := fx.srv.Stats(); st.Requests != 0 {
		t.Errorf("%d requests after Wait, want 0: the cache write was not done", st.Requests)
	}
}
