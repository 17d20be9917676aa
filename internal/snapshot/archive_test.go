package snapshot

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/limits"
)

type entry struct {
	name string
	typ  byte // tar type; for zip, '2' makes a symlink
	data string
	size int // > 0: that many zero bytes instead of data
}

func tarGz(t testing.TB, es ...entry) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644}
		switch e.typ {
		case tar.TypeSymlink, tar.TypeLink:
			h.Linkname = e.data
		case tar.TypeReg:
			h.Size = int64(len(e.data) + e.size)
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			tw.Write([]byte(e.data))
			tw.Write(make([]byte, e.size))
		}
	}
	tw.Close()
	zw.Close()
	return b.Bytes()
}

func zipOf(t testing.TB, es ...entry) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range es {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.typ == '2' {
			h.SetMode(0o777 | 1<<27) // fs.ModeSymlink
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.data))
		w.Write(make([]byte, e.size))
	}
	zw.Close()
	return b.Bytes()
}

func TestFromArchive(t *testing.T) {
	small := limits.Limits{MaxFileSize: 1 << 20, MaxTotalSize: 2 << 20, MaxFiles: 10}
	f, err := FromArchive("tar.gz", tarGz(t, entry{name: "x/", typ: tar.TypeDir}, entry{name: "x/SKILL.md", typ: tar.TypeReg, data: "hi"},
		entry{name: "x/l", typ: tar.TypeSymlink, data: "SKILL.md"}), small)
	if err != nil || strings.Join(f.Paths(), " ") != "SKILL.md l" || f.File("l").Mode != Symlink {
		t.Fatalf("%v %v", f, err)
	}
	f, err = FromArchive("zip", zipOf(t, entry{name: "SKILL.md", data: "hi"}, entry{name: "../evil", data: "x"}), small)
	if err != nil || f.File("../evil") == nil {
		t.Fatalf("a path is kept as written for the content check: %v %v", f, err)
	}
	for name, c := range map[string]struct {
		kind string
		data []byte
		want string
	}{
		"tar bomb": {"tar.gz", tarGz(t, entry{name: "SKILL.md", typ: tar.TypeReg, size: 50 << 20}), "per-file limit"},
		"zip bomb": {"zip", zipOf(t, entry{name: "SKILL.md", size: 50 << 20}), "per-file limit"},
		"total":    {"zip", zipOf(t, entry{name: "a", size: 900 << 10}, entry{name: "b", size: 900 << 10}, entry{name: "c", size: 900 << 10}), "in all"},
		"count": {"tar.gz", tarGz(t, func() []entry {
			var es []entry
			for i := range 11 {
				es = append(es, entry{name: string(rune('a' + i)), typ: tar.TypeReg})
			}
			return es
		}()...), "more than 10 files"},
		"hard link":  {"tar.gz", tarGz(t, entry{name: "SKILL.md", typ: tar.TypeLink, data: "/etc/passwd"}), "hard link"},
		"twice":      {"zip", zipOf(t, entry{name: "SKILL.md"}, entry{name: "SKILL.md"}), "given twice"},
		"not gzip":   {"tar.gz", []byte("plain"), "not gzip"},
		"not zip":    {"zip", []byte("plain"), "not a zip"},
		"wrong kind": {"rar", nil, "not an archive kind"},
	} {
		if _, err := FromArchive(c.kind, c.data, small); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	if ArchiveKind("https://h/a/x.TGZ") != "tar.gz" || ArchiveKind("x.zip") != "zip" || ArchiveKind("SKILL.md") != "" {
		t.Error("ArchiveKind")
	}
}

// FuzzFromArchive: any bytes give a folder within the caps or an error, never a panic.
func FuzzFromArchive(f *testing.F) {
	f.Add(true, tarGz(f, entry{name: "x/SKILL.md", typ: tar.TypeReg, data: "hi"}))
	f.Add(false, zipOf(f, entry{name: "SKILL.md", data: "hi"}))
	lim := limits.Limits{MaxFileSize: 1 << 16, MaxTotalSize: 1 << 18, MaxFiles: 50}
	f.Fuzz(func(t *testing.T, tgz bool, data []byte) {
		kind := "zip"
		if tgz {
			kind = "tar.gz"
		}
		fo, err := FromArchive(kind, data, lim)
		if err == nil && (len(fo.Files) > lim.MaxFiles || fo.Size() > lim.MaxTotalSize) {
			t.Fatalf("over the caps: %d files, %d bytes", len(fo.Files), fo.Size())
		}
	})
}
