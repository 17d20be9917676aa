//go:build linux

package validate

import (
	"encoding/binary"
	"slices"
	"testing"
)

func dirent(name string, typ uint8, pad int) []byte {
	reclen := 19 + len(name) + 1 + pad
	b := make([]byte, reclen)
	binary.NativeEndian.PutUint64(b[0:], 1)
	binary.NativeEndian.PutUint16(b[16:], uint16(reclen))
	b[18] = typ
	copy(b[19:], name)
	return b
}

func TestParseDirents(t *testing.T) {
	var buf []byte
	for _, e := range []struct {
		name string
		typ  uint8
	}{{".", 4}, {"..", 4}, {"SKILL.md", 8}, {"refs", 4}, {"ünï", 10}} {
		buf = append(buf, dirent(e.name, e.typ, 3)...)
	}
	buf = append(buf, 1, 2, 3) // a torn record at the end is ignored
	var got []string
	parseDirents(buf, func(name []byte, typ uint8) { got = append(got, string(name)+":"+string(rune('0'+typ))) })
	if want := []string{"SKILL.md:8", "refs:4", "ünï:" + string(rune('0'+10))}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// The buffer comes from the kernel, but a parser must not trust lengths: any bytes end without a
// panic, and every name handed on lies inside the buffer and holds no NUL.
func FuzzParseDirents(f *testing.F) {
	f.Add(append(dirent("SKILL.md", 8, 0), dirent("a", 4, 5)...))
	f.Add([]byte{})
	f.Add(make([]byte, 19))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseDirents(b, func(name []byte, typ uint8) {
			if len(name) == 0 || len(name) > len(b) || slices.Contains(name, 0) {
				t.Fatalf("bad name %q", name)
			}
		})
	})
}
