package localfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadProjectFile(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "plain"), "hello")
	write(filepath.Join(root, ".cfg", "big"), strings.Repeat("x", 11))
	write(filepath.Join(root, ".cfg", "ten"), strings.Repeat("x", 10))
	write(filepath.Join(outside, "secret"), "outside")
	link(filepath.Join(outside, "secret"), filepath.Join(root, "linked"))
	link(outside, filepath.Join(root, "via", "dir"))
	link("nowhere", filepath.Join(root, "dangling"))
	os.Mkdir(filepath.Join(root, "folder"), 0o755)

	for _, tc := range []struct {
		name     string
		rel      string
		data     string
		link     string // the reported link, relative to root
		problem  string // part of the error, "" for none
		notExist bool
	}{
		{name: "regular", rel: "plain", data: "hello"},
		{name: "at the cap", rel: ".cfg/ten", data: strings.Repeat("x", 10)},
		{name: "over the cap", rel: ".cfg/big", problem: "larger than 10 bytes"},
		{name: "missing", rel: "none", notExist: true},
		{name: "missing folder", rel: "no/such/file", notExist: true},
		{name: "folder", rel: "folder", problem: "is a folder"},
		{name: "symlinked file is read and said", rel: "linked", data: "outside", link: "linked"},
		{name: "symlinked folder on the way is said", rel: "via/dir/secret", data: "outside", link: "via/dir"},
		{name: "dangling link", rel: "dangling", problem: "leads nowhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pf, err := ReadProjectFile(root, filepath.Join(root, filepath.FromSlash(tc.rel)), 10)
			switch {
			case tc.notExist:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("err = %v, want not-exist", err)
				}
			case tc.problem != "":
				var pe *ProjectError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("err = %v, want a ProjectError with %q", err, tc.problem)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if string(pf.Data) != tc.data {
					t.Errorf("data %q, want %q", pf.Data, tc.data)
				}
				want := ""
				if tc.link != "" {
					want = filepath.Join(root, filepath.FromSlash(tc.link))
				}
				if pf.Link != want {
					t.Errorf("link %q, want %q", pf.Link, want)
				}
			}
		})
	}
}

func TestCheckProjectPath(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(root, ".claude", "skills"), 0o755)
	os.WriteFile(filepath.Join(root, "file"), nil, 0o644)
	os.Symlink(outside, filepath.Join(root, ".skillctl"))
	os.Symlink(filepath.Join(root, "file"), filepath.Join(root, "skills.lock"))
	for _, tc := range []struct {
		p       string
		problem string
	}{
		{root, ""},
		{filepath.Join(root, ".claude", "skills", "x", "SKILL.md"), ""},
		{filepath.Join(root, "new", "deeper"), ""},
		{filepath.Join(root, "file"), ""},
		{filepath.Join(root, ".skillctl", "registries.json"), "symbolic link inside the project"},
		{filepath.Join(root, ".skillctl"), "symbolic link inside the project"},
		{filepath.Join(root, "skills.lock"), "symbolic link inside the project"},
		{filepath.Join(root, "file", "below"), "is not a folder"},
		{filepath.Join(root, "..", "elsewhere"), "outside the project"},
		{outside, "outside the project"},
	} {
		err := CheckProjectPath(root, tc.p)
		if (tc.problem == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("%s: %v, want %q", tc.p, err, tc.problem)
		}
	}
}

func TestInside(t *testing.T) {
	for _, tc := range []struct {
		root, p string
		want    bool
	}{
		{"/a/b", "/a/b", true},
		{"/a/b", "/a/b/c", true},
		{"/a/b", "/a/b/../c", false},
		{"/a/b", "/a/bc", false},
		{"/a/b", "/a", false},
		{"/a/b/", "/a/b/..c", true},
		{"/a/b", "/etc/passwd", false},
	} {
		if got := Inside(tc.root, tc.p); got != tc.want {
			t.Errorf("Inside(%q, %q) = %v", tc.root, tc.p, got)
		}
	}
}

// TestCheckWrite: the one check before a write or a delete refuses a folder reached through a link inside
// the project, and outside it (a folder the user named) only a folder that is itself a link or a file.
func TestCheckWrite(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(root, ".claude", "skills"), 0o755)
	os.MkdirAll(filepath.Join(outside, "real", "skills"), 0o755)
	os.WriteFile(filepath.Join(root, "file"), nil, 0o644)
	os.Symlink(outside, filepath.Join(root, ".cursor"))
	os.Symlink(filepath.Join(outside, "real"), filepath.Join(outside, "linked"))
	for _, tc := range []struct {
		dir     string
		problem string
	}{
		{filepath.Join(root, ".claude", "skills"), ""},
		{filepath.Join(root, ".new", "skills"), ""},
		{filepath.Join(root, ".cursor", "skills"), "symbolic link inside the project"},
		{filepath.Join(root, ".cursor"), "symbolic link inside the project"},
		{filepath.Join(root, "file"), "is not a folder"},
		{filepath.Join(outside, "real", "skills"), ""},
		{filepath.Join(outside, "linked", "skills"), ""}, // the user's own parents may be links
		{filepath.Join(outside, "linked"), "is a symbolic link; skillctl writes into and deletes from only a real folder"},
		{filepath.Join(outside, "missing"), ""},
	} {
		err := CheckWrite(root, tc.dir)
		if (tc.problem == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("%s: %v, want %q", tc.dir, err, tc.problem)
		}
	}
}
