package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFind builds each case's tree under a temp folder: entries ending in "/" are folders, others files.
// from is where the walk starts; want is the root it must find ("" = not found: the start itself).
func TestFind(t *testing.T) {
	tests := []struct {
		name  string
		tree  []string
		from  string
		want  string
		found bool
	}{
		{"lock in the start folder", []string{"p/skills.lock"}, "p", "p", true},
		{"lock two levels up", []string{"p/skills.lock", "p/a/b/"}, "p/a/b", "p", true},
		{".skillctl folder marks the root", []string{"p/.skillctl/registries.json", "p/src/"}, "p/src", "p", true},
		{"top of a git work tree", []string{"repo/.git/HEAD", "repo/docs/deep/"}, "repo/docs/deep", "repo", true},
		{"a .git file (linked worktree, submodule)", []string{"wt/.git", "wt/x/"}, "wt/x", "wt", true},
		{"nearest marker wins: lock below the git top", []string{"repo/.git/", "repo/sub/skills.lock", "repo/sub/x/"}, "repo/sub/x", "repo/sub", true},
		{"nearest marker wins: git top below an outer lock", []string{"skills.lock", "repo/.git/", "repo/x/"}, "repo/x", "repo", true},
		{"a folder named skills.lock counts like the file", []string{"p/skills.lock/", "p/q/"}, "p/q", "p", true},
		{"no marker anywhere: the start folder", []string{"a/b/c/"}, "a/b/c", "a/b/c", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			for _, e := range tt.tree {
				p := filepath.Join(base, filepath.FromSlash(e))
				if strings.HasSuffix(e, "/") {
					must(t, os.MkdirAll(p, 0o755))
					continue
				}
				must(t, os.MkdirAll(filepath.Dir(p), 0o755))
				must(t, os.WriteFile(p, nil, 0o644))
			}
			root, found, err := Find(filepath.Join(base, tt.from))
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(base, filepath.FromSlash(tt.want))
			if tt.want == "" {
				want = base
			}
			if found != tt.found || (tt.found && root != want) || (!tt.found && root != filepath.Join(base, tt.from)) {
				t.Errorf("Find(%s) = %s, %v; want %s, %v", tt.from, root, found, want, tt.found)
			}
		})
	}
}

func TestFindRelative(t *testing.T) {
	base := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(base, "p", "a"), 0o755))
	must(t, os.WriteFile(filepath.Join(base, "p", "skills.lock"), nil, 0o644))
	t.Chdir(filepath.Join(base, "p", "a"))
	for _, from := range []string{".", ""} {
		root, found, err := Find(from)
		if err != nil || !found || root != filepath.Join(base, "p") {
			t.Errorf("Find(%q) = %s, %v, %v", from, root, found, err)
		}
	}
	root, found, err := Root()
	if err != nil || !found || root != filepath.Join(base, "p") {
		t.Errorf("Root() = %s, %v, %v", root, found, err)
	}
}

func TestGlobalLock(t *testing.T) {
	t.Setenv("SKILLCTL_CONFIG_DIR", "/cfg/skillctl")
	got, err := GlobalLock()
	if err != nil || got != filepath.FromSlash("/cfg/skillctl/global/skills.lock") {
		t.Errorf("GlobalLock = %s, %v", got, err)
	}
	t.Setenv("SKILLCTL_CONFIG_DIR", "")
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	t.Setenv("HOME", "/home/u")
	got, err = GlobalLock()
	if want, _ := os.UserConfigDir(); err != nil || got != filepath.Join(want, "skillctl", "global", "skills.lock") {
		t.Errorf("GlobalLock = %s, %v", got, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestDiscoverTrust: the root is the user's. A marker another user owns (or in a folder another user
// owns) is passed over and reported, as git's safe.directory does; the walk stops at a sticky,
// world-writable folder and at the home folder. Ownership cases need root to chown (as CI runs); the
// injected uid case runs for anyone.
func TestDiscoverTrust(t *testing.T) {
	const other = 65534
	type tc struct {
		name   string
		tree   []string
		setup  func(t *testing.T, base string)
		from   string
		root   string // "" = not found: the start folder
		stop   string
		ignore []string
		asRoot bool
	}
	chown := func(paths ...string) func(t *testing.T, base string) {
		return func(t *testing.T, base string) {
			for _, p := range paths {
				must(t, os.Lchown(filepath.Join(base, filepath.FromSlash(p)), other, other))
			}
		}
	}
	for _, c := range []tc{
		{name: "planted .skillctl in another user's shared parent", tree: []string{"shared/.skillctl/registries.json", "shared/proj/"},
			setup: chown("shared", "shared/.skillctl"), from: "shared/proj", stop: "home", ignore: []string{"shared/.skillctl"}, asRoot: true},
		{name: "a marker another user owns, in the user's folder", tree: []string{"p/skills.lock", "p/a/"},
			setup: chown("p/skills.lock"), from: "p/a", stop: "home", ignore: []string{"p/skills.lock"}, asRoot: true},
		{name: "a marker in a folder another user owns", tree: []string{"p/.git/", "p/a/"},
			setup: chown("p"), from: "p/a", stop: "home", ignore: []string{"p/.git"}, asRoot: true},
		{name: "a foreign marker passed over, the user's own above it counts", tree: []string{"skills.lock", "p/skills.lock", "p/a/"},
			setup: chown("p/skills.lock"), from: "p/a", root: ".", ignore: []string{"p/skills.lock"}, asRoot: true},
		{name: "a sticky world-writable folder is never a root", tree: []string{"tmp/skills.lock", "tmp/p/"},
			setup: func(t *testing.T, base string) { must(t, os.Chmod(filepath.Join(base, "tmp"), 0o777|os.ModeSticky)) },
			from:  "tmp/p", stop: "shared"},
		{name: "nor is anything above one", tree: []string{"skills.lock", "tmp/p/"},
			setup: func(t *testing.T, base string) { must(t, os.Chmod(filepath.Join(base, "tmp"), 0o777|os.ModeSticky)) },
			from:  "tmp/p", stop: "shared"},
		{name: "world-writable without the sticky bit is walked", tree: []string{"skills.lock", "w/p/"},
			setup: func(t *testing.T, base string) { must(t, os.Chmod(filepath.Join(base, "w"), 0o777)) },
			from:  "w/p", root: "."},
		{name: "never above home", tree: []string{"skills.lock", "home/p/"}, from: "home/p", stop: "home"},
		{name: "home itself may be the root", tree: []string{"home/skills.lock", "home/p/"}, from: "home/p", root: "home"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.asRoot && os.Getuid() != 0 {
				t.Skip("chown needs root")
			}
			base := t.TempDir()
			mkTree(t, base, c.tree)
			t.Setenv("HOME", filepath.Join(base, "home"))
			if c.stop == "home" && !strings.HasPrefix(c.from, "home") {
				t.Setenv("HOME", base)
			}
			if c.setup != nil {
				c.setup(t, base)
			}
			d, err := Discover(filepath.Join(base, filepath.FromSlash(c.from)))
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(base, filepath.FromSlash(c.from))
			if c.root != "" {
				want = filepath.Join(base, filepath.FromSlash(c.root))
			}
			if d.Root != want || d.Found() != (c.root != "") || c.stop != "" && d.Stop != c.stop {
				t.Errorf("Discover = %+v; want root %s, stop %q", d, want, c.stop)
			}
			var got []string
			for _, i := range d.Ignored {
				got = append(got, i.Path)
				if i.UID != other || !strings.Contains(i.Note(), "owned by another user (uid 65534)") {
					t.Errorf("ignored %+v: %s", i, i.Note())
				}
			}
			var wantIgn []string
			for _, p := range c.ignore {
				wantIgn = append(wantIgn, filepath.Join(base, filepath.FromSlash(p)))
			}
			if strings.Join(got, ",") != strings.Join(wantIgn, ",") {
				t.Errorf("ignored %v, want %v", got, wantIgn)
			}
			if d.Why() == "" {
				t.Error("no reason")
			}
		})
	}
}

// TestDiscoverOtherUser runs as if the user were someone else, so every folder of the test belongs to
// another user: no marker counts, and each one is reported.
func TestDiscoverOtherUser(t *testing.T) {
	base := t.TempDir()
	mkTree(t, base, []string{"p/skills.lock", "p/.git/", "p/a/"})
	t.Setenv("HOME", base)
	me := os.Getuid()
	uid = func() int { return me + 1 }
	t.Cleanup(func() { uid = os.Getuid })
	d, err := Discover(filepath.Join(base, "p", "a"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Found() || len(d.Ignored) != 2 || d.Ignored[0].UID != me {
		t.Errorf("Discover = %+v", d)
	}
	if !strings.Contains(d.Why(), "no skills.lock, .skillctl or .git found up to the home folder") {
		t.Errorf("why: %s", d.Why())
	}
}

func mkTree(t *testing.T, base string, tree []string) {
	t.Helper()
	for _, e := range tree {
		p := filepath.Join(base, filepath.FromSlash(e))
		if strings.HasSuffix(e, "/") {
			must(t, os.MkdirAll(p, 0o755))
			continue
		}
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, nil, 0o644))
	}
}
