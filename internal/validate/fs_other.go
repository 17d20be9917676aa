//go:build !linux

package validate

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/skillctl/skillctl/internal/manifest"
)

// osTree reads folders through package os.
type osTree struct{ root string }

func openTree(root string) (*osTree, error) { return &osTree{root}, nil }

func (t *osTree) close()            {}
func (t *osTree) reader() dirReader { return t }

func (t *osTree) read(rel string, emit func(string, fs.FileMode)) error {
	p := t.root
	if rel != "" {
		p = filepath.Join(t.root, filepath.FromSlash(rel))
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	for _, e := range ents {
		emit(e.Name(), e.Type())
	}
	return err
}

// readFile reads the file at p to its end or to manifest.MaxFileSize+1 bytes into buf. size is the
// file's real size when it was cut short, else 0.
func readFile(p string, buf []byte) (data []byte, size int64, err error) {
	f, err := os.Open(p)
	if err != nil {
		return buf, 0, err
	}
	defer f.Close()
	const limit = manifest.MaxFileSize + 1
	if cap(buf) == 0 {
		buf = make([]byte, 0, 32<<10)
	}
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, 0, nil
		}
		if err != nil {
			return buf, 0, err
		}
	}
	if info, err := f.Stat(); err == nil {
		size = info.Size()
	}
	return buf, size, nil
}
