package gitfetch

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// seed reads a committed fuzz seed (go test fuzz v1, one []byte) so unit tests and fuzzers share inputs.
func seed(t testing.TB, fuzz, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "fuzz", fuzz, name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(raw), "\n", 3)
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

func TestReadPackDeltas(t *testing.T) {
	for _, name := range []string{"ofs-delta", "ref-delta"} {
		t.Run(name, func(t *testing.T) {
			got := map[plumbing.Hash]object{}
			_, err := readPack(bytes.NewReader(seed(t, "FuzzReadPack", name)), packPolicy{maxBlob: 1 << 20, maxOther: 1 << 20}, func(h plumbing.Hash, o object) { got[h] = o })
			if err != nil {
				t.Fatal(err)
			}
			// Objects of the seed repository, two of them stored as deltas.
			for h, want := range map[string]string{
				"b50fab424b3df718ae9b6050999fdda80f06465f": "blob",
				"a96a544ed3582cf132c11888c9b12ea0ddd2582d": "blob",
				"b5f947cf64b89ff5c30d3da291d987dacb79eb3c": "tree",
				"48b667da8f388fb902386f38b9c25a11decd2b49": "commit",
			} {
				o, ok := got[plumbing.NewHash(h)]
				if !ok || o.typ.String() != want {
					t.Errorf("%s: got %v, want a %s", h, o.typ, want)
				}
			}
			if len(got) != 8 {
				t.Errorf("%d objects, want 8", len(got))
			}
		})
	}
	tests := []struct {
		name string
		pol  packPolicy
		data []byte
		want string
	}{
		{"truncated", packPolicy{maxBlob: 1 << 20, maxOther: 1 << 20}, seed(t, "FuzzReadPack", "truncated"), "EOF"},
		{"blob over limit", packPolicy{maxBlob: 100, maxOther: 1 << 20}, seed(t, "FuzzReadPack", "ofs-delta"), "over the size limit"},
		{"too many objects", packPolicy{maxBlob: 1 << 20, maxOther: 1 << 20, maxObjects: 3}, seed(t, "FuzzReadPack", "ofs-delta"), "too many files"},
		{"inflated total", packPolicy{maxBlob: 1 << 20, maxOther: 1 << 20, maxInflated: 500}, seed(t, "FuzzReadPack", "ofs-delta"), "objects exceed"},
		{"not a pack", packPolicy{maxBlob: 1, maxOther: 1}, []byte("hello world, not a pack"), "pack header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readPack(bytes.NewReader(tt.data), tt.pol, func(plumbing.Hash, object) {})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// A whole-repository fetch drops an oversize blob but remembers its hash and size, and leaves out the
	// delta on it, counted, instead of failing the pack.
	res, err := readPack(bytes.NewReader(seed(t, "FuzzReadPack", "ofs-delta")), packPolicy{maxBlob: 100, maxOther: 1 << 20, skipOversize: true}, func(h plumbing.Hash, o object) {
		if o.typ == plumbing.BlobObject && len(o.data) > 100 {
			t.Errorf("a blob of %d bytes handed over past the 100-byte limit", len(o.data))
		}
	})
	// The seed's large blob, and the two deltas on it.
	if err != nil || len(res.oversize) != 1 || res.deltasOnOversize != 2 {
		t.Fatalf("err %v, %d oversize, %d deltas left out; want nil, 1, 2", err, len(res.oversize), res.deltasOnOversize)
	}
}

func TestParseTree(t *testing.T) {
	entries, err := parseTree(seed(t, "FuzzParseTree", "real"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, fmt.Sprintf("%o %s", e.Mode, e.Name))
	}
	if got := strings.Join(names, ","); got != "40000 d,100644 f1,100644 f2,100644 f3,120000 l" {
		t.Errorf("entries = %s", got)
	}
	hostile, err := parseTree(seed(t, "FuzzParseTree", "hostile"))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{`file name ".." is not allowed`, "submodules are not supported", ".git entries are not allowed"} {
		if p := entryProblem(hostile[i]); !strings.Contains(p, want) {
			t.Errorf("entry %d: problem %q, want %q", i, p, want)
		}
	}
	for _, bad := range [][]byte{seed(t, "FuzzParseTree", "short"), []byte("1006444 a\x00"), []byte("zz a\x00" + strings.Repeat("x", 20)), []byte(" a\x00")} {
		if _, err := parseTree(bad); err == nil {
			t.Errorf("parseTree(%q) accepted", bad)
		}
	}
	if p := entryProblem(treeEntry{Name: "a/b", Mode: modeFile}); p == "" {
		t.Error("slash in a name accepted")
	}
	if p := entryProblem(treeEntry{Name: "ok.md", Mode: 0o100600}); !strings.Contains(p, "unknown file mode") {
		t.Errorf("odd mode: %q", p)
	}
}

func TestPreamble(t *testing.T) {
	tests := []struct {
		name    string
		shallow bool
		want    string // "" = ok
	}{
		{"nak", false, ""},
		{"shallow", true, ""},
		{"err", false, "not our ref"},
	}
	for _, tt := range tests {
		err := readPreamble(bufio.NewReader(bytes.NewReader(seed(t, "FuzzPreamble", tt.name))), tt.shallow)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(asRefused(err).Error(), tt.want)) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func FuzzReadPack(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		pol := packPolicy{maxBlob: 1 << 16, maxOther: 1 << 16, maxInflated: 1 << 20, maxObjects: 1000}
		if len(data)%2 == 1 { // a whole-commit fetch's reading too: oversize blobs and their deltas left out
			pol.maxBlob, pol.skipOversize = 64, true
		}
		readPack(bytes.NewReader(data), pol, func(h plumbing.Hash, o object) {
			if hashObject(o.typ, o.data) != h {
				t.Fatalf("object handed over under the wrong hash")
			}
			if int64(len(o.data)) > 1<<16 || o.typ == plumbing.BlobObject && int64(len(o.data)) > pol.maxBlob {
				t.Fatalf("%s of %d bytes passed its limit", o.typ, len(o.data))
			}
		})
	})
}

func FuzzParseTree(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := parseTree(data)
		if err != nil {
			return
		}
		// What parses re-encodes and parses to the same entries: nothing was skipped or invented.
		var buf bytes.Buffer
		for _, e := range entries {
			entryProblem(e)
			fmt.Fprintf(&buf, "%o %s\x00", e.Mode, e.Name)
			buf.Write(e.Hash[:])
		}
		again, err := parseTree(buf.Bytes())
		if err != nil || len(again) != len(entries) {
			t.Fatalf("re-encoded tree: %v, %d entries, want %d", err, len(again), len(entries))
		}
		for i := range again {
			if again[i] != entries[i] {
				t.Fatalf("entry %d: %+v, want %+v", i, again[i], entries[i])
			}
		}
	})
}

func FuzzPreamble(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, shallow := range []bool{false, true} {
			readPreamble(bufio.NewReader(bytes.NewReader(data)), shallow)
		}
	})
}

func TestCommitterTime(t *testing.T) {
	for _, c := range []struct {
		data string
		want int64 // -1: an error
	}{
		{"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1704067200 +0100\n\nmsg\n", 1704067200},
		{"tree t\nparent p\nauthor A <a@x> 5 +0000\ncommitter C D <c> x <c@x> 1700000000 -0700\n\ncommitter X <x> 9 +0000\n", 1700000000},
		{"tree t\nauthor A <a@x> 5 +0000\n\ncommitter C <c@x> 9 +0000\n", -1}, // in the message, not the header
		{"tree t\ncommitter C <c@x> soon +0000\n\n", -1},
		{"tree t\ncommitter C c@x 9 +0000\n\n", -1},
		{"", -1},
	} {
		got, err := committerTime([]byte(c.data))
		switch {
		case c.want < 0 && err == nil:
			t.Errorf("%q: got %v, want an error", c.data, got)
		case c.want >= 0 && (err != nil || got.Unix() != c.want):
			t.Errorf("%q: got %v, %v, want %d", c.data, got, err, c.want)
		}
	}
}

// TestReadPackAbsentBase: under skipOversize, only deltas on blobs left out for their size are left out
// too; a reference delta whose base is in no pack (the seed's base hash overwritten, the checksum
// redone) is a broken pack, whether or not the read drops oversize blobs.
func TestReadPackAbsentBase(t *testing.T) {
	data := seed(t, "FuzzReadPack", "ref-delta")
	var hashes []plumbing.Hash
	if _, err := readPack(bytes.NewReader(data), packPolicy{maxBlob: 1 << 20, maxOther: 1 << 20}, func(h plumbing.Hash, o object) { hashes = append(hashes, h) }); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, h := range hashes {
		if i := bytes.Index(data[:len(data)-20], h[:]); i >= 0 {
			copy(data[i:], bytes.Repeat([]byte{0x11}, 20))
			found++
		}
	}
	if found == 0 {
		t.Fatal("no reference delta's base hash in the seed")
	}
	sum := sha1.Sum(data[:len(data)-20])
	copy(data[len(data)-20:], sum[:])
	for _, skip := range []bool{false, true} {
		_, err := readPack(bytes.NewReader(data), packPolicy{maxBlob: 1 << 20, maxOther: 1 << 20, skipOversize: skip}, func(plumbing.Hash, object) {})
		if err == nil || !strings.Contains(err.Error(), "delta base not in pack") {
			t.Errorf("skipOversize %v: err = %v, want the delta base not in pack", skip, err)
		}
	}
}
