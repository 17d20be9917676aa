package snapshot

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/skillctl/skillctl/internal/limits"
)

// FromArchive reads a skill folder packed in a .tar.gz or .zip archive (kind "tar.gz" or "zip") into a
// Folder, under the caps lim (zero fields: the defaults) enforced while decompressing: an entry is read
// through a limit one byte over what is left, so a bomb (a small archive inflating to gigabytes) costs at
// most the caps, never its inflated size. Regular files, executables and symlinks become files; folders
// are implied; anything else (a hard link, a device, a FIFO) is refused. Paths are kept as written, so the
// installer's one content check (install's checkContents: clean relative paths, no .git, no case
// collisions, links only to files inside) judges them as it judges a git folder; a path given twice is
// refused here, since a Folder holds each once. When every entry lies under one top folder and there is no
// SKILL.md at the top, that folder is the skill (archives are often packed that way).
func FromArchive(kind string, data []byte, lim limits.Limits) (*Folder, error) {
	lim = lim.WithDefaults()
	c := &capped{lim: lim, seen: map[string]bool{}}
	var err error
	switch kind {
	case "tar.gz":
		err = c.tarGz(data)
	case "zip":
		err = c.zip(data)
	default:
		return nil, fmt.Errorf("%q is not an archive kind (tar.gz, zip)", kind)
	}
	if err != nil {
		return nil, err
	}
	f := &Folder{Files: stripTop(c.files)}
	f.Sort()
	return f, nil
}

// ArchiveKind is the kind of archive a URL's path or a file name names ("tar.gz" or "zip"), or "".
func ArchiveKind(name string) string {
	l := strings.ToLower(name)
	switch {
	case strings.HasSuffix(l, ".tar.gz"), strings.HasSuffix(l, ".tgz"):
		return "tar.gz"
	case strings.HasSuffix(l, ".zip"):
		return "zip"
	}
	return ""
}

type capped struct {
	lim   limits.Limits
	total int64
	files []File
	seen  map[string]bool
}

// add reads one entry's bytes within what the caps leave.
func (c *capped) add(name string, mode Mode, r io.Reader) error {
	name = strings.TrimPrefix(name, "./")
	if c.seen[name] {
		return fmt.Errorf("archive: %q is given twice", name)
	}
	c.seen[name] = true
	if len(c.files) >= c.lim.MaxFiles {
		return fmt.Errorf("archive: more than %d files (raise it with --max-files)", c.lim.MaxFiles)
	}
	max := min(c.lim.MaxFileSize, c.lim.MaxTotalSize-c.total)
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return fmt.Errorf("archive: %q: %v", name, err)
	}
	if int64(len(data)) > max {
		if max == c.lim.MaxFileSize {
			return fmt.Errorf("archive: %q: over the per-file limit of %d bytes (raise it with --max-file-size)", name, c.lim.MaxFileSize)
		}
		return fmt.Errorf("archive: over the limit of %d bytes in all (raise it with --max-total-size)", c.lim.MaxTotalSize)
	}
	c.total += int64(len(data))
	c.files = append(c.files, File{Path: name, Mode: mode, Data: data})
	return nil
}

func (c *capped) tarGz(data []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("archive: not gzip: %v", err)
	}
	tr := tar.NewReader(zr)
	entries := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive: not a tar archive: %v", err)
		}
		if entries++; entries > c.lim.MaxFiles*2+limits.MaxIndexName {
			return fmt.Errorf("archive: more than %d entries", c.lim.MaxFiles*2)
		}
		switch h.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader:
		case tar.TypeReg, tar.TypeRegA:
			mode := Regular
			if h.Mode&0o111 != 0 {
				mode = Executable
			}
			if err := c.add(h.Name, mode, tr); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := c.add(h.Name, Symlink, strings.NewReader(h.Linkname)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("archive: %q: a %s entry is not a file, a folder or a symlink", h.Name, tarKind(h.Typeflag))
		}
	}
}

func tarKind(t byte) string {
	switch t {
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device"
	case tar.TypeFifo:
		return "FIFO"
	}
	return fmt.Sprintf("type %q", t)
}

func (c *capped) zip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("archive: not a zip archive: %v", err)
	}
	if len(zr.File) > c.lim.MaxFiles*2+limits.MaxIndexName {
		return fmt.Errorf("archive: more than %d entries", c.lim.MaxFiles*2)
	}
	for _, f := range zr.File {
		m := f.Mode()
		var mode Mode
		switch {
		case m.IsDir():
			continue
		case m&fs.ModeSymlink != 0:
			mode = Symlink
		case m.IsRegular() && m&0o111 != 0:
			mode = Executable
		case m.IsRegular():
			mode = Regular
		default:
			return fmt.Errorf("archive: %q: not a file, a folder or a symlink", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("archive: %q: %v", f.Name, err)
		}
		err = c.add(f.Name, mode, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// stripTop removes a top folder every file shares when SKILL.md is not at the top. A link's target is
// relative to its own folder, so it needs no change.
func stripTop(files []File) []File {
	if len(files) == 0 {
		return files
	}
	top := ""
	for _, f := range files {
		if !strings.Contains(f.Path, "/") {
			return files // a file at the top: the archive is the folder
		}
		first, _, _ := strings.Cut(f.Path, "/")
		if first == "" {
			return files // an absolute path: left for the content check to refuse
		}
		if top == "" {
			top = first
		} else if first != top {
			return files
		}
	}
	if top == "." || top == ".." {
		return files
	}
	out := make([]File, len(files))
	for i, f := range files {
		out[i] = f
		out[i].Path = strings.TrimPrefix(f.Path, top+"/")
	}
	return out
}
