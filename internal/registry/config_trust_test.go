package registry

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/localfs"
)

// TestProjectConfigIsUntrusted: a cloned project's registries file is read under the project-file rule,
// its folder registries stay inside the project, and it is never written through a link.
func TestProjectConfigIsUntrusted(t *testing.T) {
	type env struct{ root, outside, file string }
	put := func(t *testing.T, p, s string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, e env)
		problem string // "" when the file reads
		link    bool   // read through a link, said
	}{
		{"device", func(t *testing.T, e env) { os.Symlink("/dev/zero", e.file) }, "is a device", false},
		{"FIFO", func(t *testing.T, e env) {
			if mkfifo(e.file) != nil {
				t.Skip("no FIFO")
			}
		}, "named pipe", false},
		{"folder", func(t *testing.T, e env) { os.Mkdir(e.file, 0o755) }, "is a folder", false},
		{"huge", func(t *testing.T, e env) { put(t, e.file, `{"registries":[]}`+strings.Repeat(" ", MaxConfigSize)) }, "larger than", false},
		{"deep nesting", func(t *testing.T, e env) {
			put(t, e.file, `{"registries":`+strings.Repeat("[", 200000)+strings.Repeat("]", 200000)+`}`)
		}, "not a registries file", false},
		{"absolute folder outside", func(t *testing.T, e env) {
			put(t, e.file, `{"registries":[{"name":"home","url":"`+e.outside+`"}]}`)
		}, "a project's folder registry must lie inside the project", false},
		{"home folder", func(t *testing.T, e env) {
			put(t, e.file, `{"registries":[{"name":"home","url":"~"}]}`)
		}, "must lie inside the project", false},
		{"climbing folder", func(t *testing.T, e env) {
			put(t, e.file, `{"registries":[{"name":"up","url":"../"}]}`)
		}, "must lie inside the project", false},
		{"folder through a link", func(t *testing.T, e env) {
			os.Symlink(e.outside, filepath.Join(e.root, "reg"))
			put(t, e.file, `{"registries":[{"name":"team","url":"./reg"}]}`)
		}, "is a symbolic link inside the project", false},
		{"folder inside", func(t *testing.T, e env) {
			os.Mkdir(filepath.Join(e.root, "reg"), 0o755)
			put(t, e.file, `{"registries":[{"name":"team","url":"./reg"}]}`)
		}, "", false},
		{".skillctl links out: read and said", func(t *testing.T, e env) {
			put(t, filepath.Join(e.outside, "registries.json"), `{"registries":[{"name":"team","url":"o/r"}]}`)
			os.Remove(filepath.Dir(e.file))
			os.Symlink(e.outside, filepath.Dir(e.file))
		}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := env{root: t.TempDir(), outside: t.TempDir()}
			e.file = filepath.Join(e.root, filepath.FromSlash(ProjectFile))
			os.MkdirAll(filepath.Dir(e.file), 0o755)
			tc.setup(t, e)
			done := make(chan struct{})
			var link string
			var err error
			go func() { _, link, err = readConfig(e.file, ScopeProject); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("still reading after 10s")
			}
			if (tc.problem == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("readConfig = %v, want %q", err, tc.problem)
			}
			if (link != "") != tc.link {
				t.Errorf("link %q, want one: %v", link, tc.link)
			}
		})
	}
}

// TestProjectConfigWriteRefusesLinks: registry add and remove --project never write through a link the
// project carries, and never record a folder outside the project.
func TestProjectConfigWriteRefusesLinks(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(root); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, filepath.FromSlash(ProjectFile))
	os.Symlink(outside, filepath.Join(root, ".skillctl"))
	var pe *localfs.ProjectError
	if _, err := Add(file, "team", "https://git.example.com/t/s.git"); !errors.As(err, &pe) {
		t.Fatalf("Add through a linked .skillctl: %v", err)
	}
	if err := Remove(file, "team"); !errors.As(err, &pe) {
		t.Fatalf("Remove through a linked .skillctl: %v", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Fatalf("written outside the project: %v", ents)
	}
	os.Remove(filepath.Join(root, ".skillctl"))
	if _, err := Add(file, "home", outside); err == nil || !strings.Contains(err.Error(), "must lie inside the project") {
		t.Fatalf("Add of an outside folder to the project: %v", err)
	}
	os.Mkdir(filepath.Join(root, "reg"), 0o755)
	if _, err := Add(file, "team", "./reg"); err != nil {
		t.Fatalf("Add of a folder inside: %v", err)
	}
}
