package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/skillctl/skillctl/internal/gittest"
	"github.com/skillctl/skillctl/internal/lockfile"
)

// The path guarantee as a matrix (SECURITY.md, guarantees 2, 10 and 11; STYLE 17): every command that
// writes or deletes (a row) runs against every hostile layout a cloned project or a shared folder can
// hold (a column), with placements made as links and as copies. Whatever the command does, the tree
// outside its own place (the project for a project command; the user's agent folders and global lock for
// a --global one) must be byte for byte as before: the same paths, modes, contents and link targets. The
// command either refuses with a "skillctl: " error or does the safe thing.
//
// A new command joins by adding a row to matrixRows; a new kind of attack by adding a column to
// matrixLayouts. Each case copies one prepared home (built once per mode with the real binary) and runs
// the real binary once, so the whole matrix stays within a few seconds.

// matrixRow is one command that writes or deletes.
type matrixRow struct {
	name string
	// args: {copy} becomes --copy in copy mode and disappears in link mode; {proj} is the user's project
	// (sources are named by absolute path, so a layout that runs the command elsewhere still has them)
	args   []string
	global bool // a --global command: its own place is the user's agent folders and global lock
	// prep changes the prepared home so the command has something to do (run before the layout).
	prep func(c *matrixCase)
	// ok: on the benign layout the command succeeds (exit 0); otherwise it must refuse.
	ok bool
	// modeless commands do not depend on the placement mode and run in one mode only.
	modeless bool
	// check is an extra assertion after the command, for what the sentinel cannot see.
	check func(c *matrixCase) error
	// git: the row fetches from the loopback git server (acme/tools as github.com); skipped without git.
	git bool
	// findings: exit 1 with no error line is the command's answer (outdated: a skill has a newer release).
	findings bool
	// setup: commands run with the real binary after prep, before the layout; each must succeed.
	setup [][]string
	// whole: a refusal leaves the project as it was too, not only the disk outside it (a command of
	// several steps plans them all before it applies any).
	whole bool
}

// matrixLayout is one hostile layout, applied to a fresh copy of the prepared home after the row's prep.
type matrixLayout struct {
	name  string
	apply func(t *testing.T, c *matrixCase)
	root  bool // needs root (chown)
	// projectOnly layouts change only files of the project that no --global command opens (its target,
	// placements, lock and stages); --global rows skip them, the whole project being in their sentinel
	// under the layouts they do run.
	projectOnly bool
}

// matrixCase is one cell: a home folder holding the project (proj), the user's global folders, and a
// folder outside both (outside) that the layouts point into.
type matrixCase struct {
	home, proj, outside string
	cwd                 string // where the command runs: proj, unless the layout moves it
	root                string // the project root the command should work in (its own place)
	mode                string // "link" or "copy"
}

func (c *matrixCase) p(rel string) string { return filepath.Join(c.home, filepath.FromSlash(rel)) }

var matrixRows = []matrixRow{
	{name: "install", args: []string{"install", "{proj}/src/bar", "--agent", "claude,cursor", "{copy}", "--yes"}, ok: true},
	{name: "install ARTIFACT", args: []string{"install", "{web}/web/SKILL.md", "--agent", "claude,cursor", "{copy}", "--yes"}, ok: true},
	{name: "install --force", args: []string{"install", "{proj}/src/foo", "--agent", "claude,cursor", "{copy}", "--force", "--yes"}, ok: true},
	{name: "restore from lock", args: []string{"install", "--yes"}, ok: true, prep: func(c *matrixCase) {
		os.RemoveAll(c.p("proj/.claude/skills/foo"))
		os.RemoveAll(c.p("proj/.cursor/skills/dep"))
	}},
	{name: "update", args: []string{"update", "--yes"}, ok: true, prep: editSource},
	// Every skill goes, so no placement is left to create: only the deletes' own checks stand guard.
	{name: "remove", args: []string{"remove", "foo", "dep"}, ok: true},
	{name: "remove --force", args: []string{"remove", "--force", "foo", "dep"}, ok: true},
	{name: "remove --prune", args: []string{"remove", "--prune", "foo"}, ok: true},
	// Names stored in two lock folders: foo and dep in .claude/skills (placed in .cursor/skills), bar in
	// .cursor/skills alone; each folder is its own step, in the order of the names, so both orders run. A
	// layout that refuses either folder's step changes neither (whole), and success takes all three.
	{name: "remove across two lock folders", args: []string{"remove", "foo", "dep", "bar"}, ok: true, whole: true,
		setup: [][]string{barInCursor}, check: removedOrKept("foo", "dep", "bar")},
	{name: "remove across two lock folders, the other first", args: []string{"remove", "bar", "foo", "dep"}, ok: true, whole: true,
		setup: [][]string{barInCursor}, check: removedOrKept("foo", "dep", "bar")},
	{name: "prune", args: []string{"prune"}, ok: true, prep: func(c *matrixCase) { orphan(c, "proj/skills.lock") }},
	{name: "list (recovers)", args: []string{"list"}, ok: true},
	{name: "init", args: []string{"init", "fresh", "--dir", ".claude/skills"}, ok: true, modeless: true},
	{name: "registry add --project", args: []string{"registry", "add", "extra", "./reg", "--project"}, ok: true, modeless: true},
	{name: "registry remove --project", args: []string{"registry", "remove", "team", "--project"}, ok: true, modeless: true},

	{name: "install --global", global: true, args: []string{"install", "{proj}/src/bar", "--global", "--agent", "claude,cursor", "{copy}", "--yes"}, ok: true},
	{name: "install --global --force", global: true, args: []string{"install", "{proj}/src/foo", "--global", "--agent", "claude,cursor", "{copy}", "--force", "--yes"}, ok: true},
	{name: "install --global NAME from the project's registry", global: true, args: []string{"install", "planted", "--global", "--yes"},
		check: func(c *matrixCase) error {
			for _, d := range []string{".claude/skills/planted", ".cursor/skills/planted"} {
				if _, err := os.Lstat(c.p(d)); err == nil {
					return fmt.Errorf("~/%s: a --global install took a skill from the project's registries", d)
				}
			}
			return nil
		}},
	{name: "restore --global", global: true, args: []string{"install", "--global", "--yes"}, ok: true, prep: func(c *matrixCase) {
		os.RemoveAll(c.p(".claude/skills/foo"))
	}},
	{name: "update --global", global: true, args: []string{"update", "--global", "--yes"}, ok: true, prep: editSource},
	{name: "remove --global", global: true, args: []string{"remove", "foo", "--global"}, ok: true},
	{name: "remove --global --force", global: true, args: []string{"remove", "--force", "foo", "--global"}, ok: true},
	{name: "prune --global", global: true, args: []string{"prune", "--global"}, ok: true, prep: func(c *matrixCase) {
		orphan(c, ".config/skillctl/global/skills.lock")
	}},
	{name: "list --global", global: true, args: []string{"list", "--global"}, ok: true},

	// The commands that read what other installers and git leave, and versions. The home holds x at
	// v1.0.0 from acme/tools (released up to v1.1.0), so update moves it across releases.
	{name: "install SITE", args: []string{"install", "{web}/", "--all", "--agent", "claude,cursor", "{copy}", "--yes"}, ok: true},
	{name: "install ARCHIVE", args: []string{"install", "{web}/web/arc.tar.gz", "--agent", "claude,cursor", "{copy}", "--yes"}, ok: true},
	{name: "import --force", git: true, args: []string{"import", "--force", "--yes"}, ok: true, prep: foreignProject},
	{name: "import --global", git: true, global: true, args: []string{"import", "--global", "--yes"}, ok: true, prep: foreignHome},
	{name: "lock merge (git's driver)", git: true, modeless: true, args: []string{"lock", "merge", ".merge_file_O", ".merge_file_A", ".merge_file_B"}, ok: true,
		prep: func(c *matrixCase) {
			for from, to := range map[string]string{"base": "O", "ours": "A", "theirs": "B"} {
				copyFile(c.p("fixtures/"+from+".lock"), c.p("proj/.merge_file_"+to))
			}
		}},
	{name: "install (lock mid-merge)", git: true, args: []string{"install", "--yes"}, ok: true, prep: func(c *matrixCase) {
		base, _ := os.ReadFile(c.p("fixtures/base.lock"))
		ours, _ := os.ReadFile(c.p("fixtures/ours.lock"))
		theirs, _ := os.ReadFile(c.p("fixtures/theirs.lock"))
		os.WriteFile(c.p("proj/skills.lock"), lockfile.Conflicted(base, ours, theirs), 0o644)
	}},
	{name: "outdated (recovers)", git: true, modeless: true, args: []string{"outdated"}, ok: true, findings: true},
}

// barInCursor installs bar for cursor alone, so the lock stores it in .cursor/skills, beside foo's and
// dep's placements, while foo and dep are stored in .claude/skills.
var barInCursor = []string{"install", "{proj}/src/bar", "--agent", "cursor", "{copy}", "--yes"}

// removedOrKept holds that the lock at the project root and its folders agree on names, all at once:
// either the lock records every one and each stored folder is there, or it records none and none is.
func removedOrKept(names ...string) func(c *matrixCase) error {
	return func(c *matrixCase) error {
		l, err := lockfile.Read(filepath.Join(c.root, "skills.lock"))
		if err != nil {
			return nil // no lock of the user's at the root (a planted parent): nothing was found to remove
		}
		var kept, gone []string
		for _, n := range names {
			dirs := 0
			for _, e := range l.Skills {
				if e.Name == n {
					dirs++
					if _, err := os.Lstat(filepath.Join(c.root, filepath.FromSlash(e.Dir), n)); err != nil {
						return fmt.Errorf("the lock records %s in %s, whose folder is gone", n, e.Dir)
					}
				}
			}
			if dirs > 0 {
				kept = append(kept, n)
			} else {
				gone = append(gone, n)
			}
		}
		if len(kept) > 0 && len(gone) > 0 {
			return fmt.Errorf("removed %v but kept %v: a remove across folders is all or nothing", gone, kept)
		}
		return nil
	}
}

// foreignProject leaves what vercel's CLI and APM leave in a project: skills-lock.json naming x (its folder
// in .agents/skills identical to the repository's: adopted), y (edited: replaced with --force) and z
// (missing: installed), and apm.lock.yaml naming z deployed to .claude/skills (missing: installed).
func foreignProject(c *matrixCase) {
	writeFile(c.p("proj/skills-lock.json"), `{"version": 1, "skills": {
  "x": {"source": "acme/tools", "sourceType": "github", "skillPath": "skills/x/SKILL.md"},
  "y": {"source": "acme/tools", "sourceType": "github", "skillPath": "skills/y/SKILL.md"},
  "z": {"source": "acme/tools", "sourceType": "github", "skillPath": "skills/z/SKILL.md"}}}`)
	writeFile(c.p("proj/apm.lock.yaml"), "lockfile_version: \"1\"\ndependencies:\n  - repo_url: github.com/acme/tools\n    virtual_path: skills/z\n    deployed_files: [.claude/skills/z/SKILL.md]\n")
	writeFile(c.p("proj/.agents/skills/x/SKILL.md"), matrixRelease("x", "1.1"))
	writeFile(c.p("proj/.agents/skills/y/SKILL.md"), matrixRelease("y", "edited"))
}

// foreignHome leaves what vercel's CLI leaves in a home: ~/.agents/.skill-lock.json naming x (identical:
// adopted) and z (missing: installed in ~/.agents/skills).
func foreignHome(c *matrixCase) {
	writeFile(c.p(".agents/.skill-lock.json"), `{"version": 3, "skills": {
  "x": {"source": "acme/tools", "sourceType": "github", "sourceUrl": "https://github.com/acme/tools.git", "skillPath": "skills/x/SKILL.md"},
  "z": {"source": "acme/tools", "sourceType": "github", "sourceUrl": "https://github.com/acme/tools.git", "skillPath": "skills/z/SKILL.md"}}}`)
	writeFile(c.p(".agents/skills/x/SKILL.md"), matrixRelease("x", "1.1"))
}

func writeFile(p, data string) {
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte(data), 0o644)
}

func copyFile(from, to string) {
	if b, err := os.ReadFile(from); err == nil {
		os.WriteFile(to, b, 0o644)
	}
}

var matrixLayouts = []matrixLayout{
	{name: "benign", apply: func(t *testing.T, c *matrixCase) {}},
	{name: "linked target", projectOnly: true, apply: func(t *testing.T, c *matrixCase) {
		moveOut(t, c, "proj/.claude", "outside/claude")
	}},
	{name: "linked agent folder", apply: func(t *testing.T, c *matrixCase) {
		moveOut(t, c, "proj/.cursor", "outside/cursor")
		if _, err := os.Lstat(c.p("proj/.agents")); err == nil {
			moveOut(t, c, "proj/.agents", "outside/agents") // the folder vercel's CLI installs in
		}
		if c.mode == "link" {
			// Where the link was, a real skill folder: remove --force would take it for a broken placement.
			must(t, os.Remove(c.p("outside/cursor/skills/foo")))
			copyTree(t, c.p("outside/victim"), c.p("outside/cursor/skills/foo"))
		}
	}},
	{name: "linked placement", projectOnly: true, apply: func(t *testing.T, c *matrixCase) {
		must(t, os.RemoveAll(c.p("proj/.cursor/skills/foo")))
		must(t, os.Symlink(c.p("outside/victim"), c.p("proj/.cursor/skills/foo")))
		if _, err := os.Lstat(c.p("proj/.agents/skills/y")); err == nil {
			// The folder an import replaces (--force) links out: the link goes, never what it points to.
			must(t, os.RemoveAll(c.p("proj/.agents/skills/y")))
			must(t, os.Symlink(c.p("outside/victim"), c.p("proj/.agents/skills/y")))
		}
	}},
	{name: "linked lock", projectOnly: true, apply: func(t *testing.T, c *matrixCase) {
		moveOut(t, c, "proj/skills.lock", "outside/skills.lock")
	}},
	{name: "forged stage", projectOnly: true, apply: func(t *testing.T, c *matrixCase) {
		// A stage that came with the clone, whose journal matches the lock (so recovery would finish it)
		// and deletes a folder outside as a placement, with its old folder linking out as well.
		l, err := lockfile.Read(c.p("proj/skills.lock"))
		if ce := (*lockfile.ConflictError)(nil); errors.As(err, &ce) {
			l, err = ce.Ours, nil // a lock left mid-merge: the stage matches our side
		}
		must(t, err)
		b, _ := json.Marshal(l.In(".claude/skills"))
		sum := sha256.Sum256(b)
		stage := c.p("proj/.claude/skills/.skillctl-stage-forged")
		for _, d := range []string{"new", "pnew", "pold"} {
			must(t, os.MkdirAll(filepath.Join(stage, d), 0o755))
		}
		must(t, os.Symlink(c.outside, filepath.Join(stage, "old")))
		j, _ := json.Marshal(map[string]any{"write": []string{}, "remove": []string{"victim"}, "entries": hex.EncodeToString(sum[:]),
			"place": []map[string]any{{"dir": c.outside, "name": "victim", "mode": "", "store": c.p("proj/.claude/skills/victim"), "existed": true, "entry": ".cursor/skills"}}})
		must(t, os.WriteFile(filepath.Join(stage, "journal"), j, 0o644))
	}},
	{name: "planted parent marker, another user's", root: true, apply: func(t *testing.T, c *matrixCase) {
		plantParent(t, c)
		must(t, filepath.WalkDir(c.outside, func(p string, d fs.DirEntry, err error) error {
			if p == c.cwd {
				return filepath.SkipDir
			}
			if err == nil {
				err = os.Lchown(p, 65534, 65534)
			}
			return err
		}))
	}},
	{name: "planted parent marker, sticky shared folder", apply: func(t *testing.T, c *matrixCase) {
		plantParent(t, c)
		must(t, os.Chmod(c.outside, 0o777|os.ModeSticky))
	}},
}

// plantParent makes outside a project holding everything the user's project holds (a lock, registries,
// installed skills and placements), with the user's folder below it: the command runs there.
func plantParent(t *testing.T, c *matrixCase) {
	copyTree(t, c.proj, c.outside)
	c.cwd = filepath.Join(c.outside, "proj")
	c.root = c.cwd
	must(t, os.MkdirAll(c.cwd, 0o755))
}

// copyTree copies the folder from into to (merging with what is there), keeping modes and links as they are.
func copyTree(t *testing.T, from, to string) {
	must(t, filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(to, strings.TrimPrefix(p, from))
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		case fi.IsDir():
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return err
			}
			return os.Chmod(dst, fi.Mode().Perm())
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, fi.Mode().Perm())
	}))
}

// orphan makes every skill of a lock a dependency nothing asked for, so prune removes them all.
func orphan(c *matrixCase, lock string) {
	if b, err := os.ReadFile(c.p(lock)); err == nil {
		os.WriteFile(c.p(lock), bytes.ReplaceAll(b, []byte(`"requested": true`), []byte(`"requested": false`)), 0o644)
	}
}

func editSource(c *matrixCase) { appendFile(c.p("proj/src/foo/SKILL.md"), "a newer line\n") }

func appendFile(p, s string) {
	if f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0); err == nil {
		f.WriteString(s)
		f.Close()
	}
}

// moveOut moves rel to out and leaves a symbolic link to it in its place.
func moveOut(t *testing.T, c *matrixCase, rel, out string) {
	must(t, os.MkdirAll(filepath.Dir(c.p(out)), 0o755))
	must(t, os.Rename(c.p(rel), c.p(out)))
	must(t, os.Symlink(c.p(out), c.p(rel)))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const matrixSkill = "---\nname: %s\ndescription: %s is part of the path matrix; it checks where commands write.\n%s---\n# %s\n"

// prepareHome builds, with the real binary, a home in which the project proj has foo (depending on dep)
// installed for claude and cursor, and the user has foo installed --global for both; placements are made
// as links or copies. The project has a registry (team) whose skill planted no --global command may take.
func prepareHome(t *testing.T, dir, mode string) {
	files := map[string]string{
		"proj/skills.lock":                 `{"version": 1, "skills": []}`,
		"proj/.skillctl/registries.json":   `{"registries": [{"name": "team", "url": "./reg"}]}`,
		"proj/src/foo/SKILL.md":            fmt.Sprintf(matrixSkill, "foo", "Foo", "depends-on: [dep]\n", "Foo"),
		"proj/src/dep/SKILL.md":            fmt.Sprintf(matrixSkill, "dep", "Dep", "", "Dep"),
		"proj/src/bar/SKILL.md":            fmt.Sprintf(matrixSkill, "bar", "Bar", "", "Bar"),
		"proj/reg/planted/SKILL.md":        fmt.Sprintf(matrixSkill, "planted", "Planted", "", "Planted"),
		"outside/victim/SKILL.md":          fmt.Sprintf(matrixSkill, "foo", "Victim", "", "Not the project's"),
		"outside/victim/scripts/keep.sh":   "#!/bin/sh\necho keep\n",
		"outside/notes/readme.txt":         "the user's own files\n",
		".config/skillctl/registries.json": `{"registries": []}`,
	}
	for rel, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(data), 0o644))
	}
	must(t, os.Chmod(filepath.Join(dir, "outside/victim/scripts/keep.sh"), 0o755))
	run := func(args ...string) {
		if out, code := runSkillctl(t, dir, filepath.Join(dir, "proj"), mode, args); code != 0 {
			t.Fatalf("preparing the home: skillctl %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
	}
	run("install", "{proj}/src/foo", "--agent", "claude,cursor", "{copy}", "--yes")
	run("install", "{proj}/src/foo", "--global", "--agent", "claude,cursor", "{copy}", "--yes")
	if matrixGit == "" {
		return
	}
	// x from a release, and the three versions of the lock a merge of two branches hands git's driver:
	// base without x, theirs with x at v1.1.0, ours (the project's) with x at v1.0.0, an older commit.
	save := func(name string) {
		must(t, os.MkdirAll(filepath.Join(dir, "fixtures"), 0o755))
		b, err := os.ReadFile(filepath.Join(dir, "proj/skills.lock"))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, "fixtures", name), b, 0o644))
	}
	save("base.lock")
	run("install", "acme/tools/skills/x@v1.1.0", "--agent", "claude,cursor", "{copy}", "--yes")
	save("theirs.lock")
	run("install", "acme/tools/skills/x@v1.0.0", "--agent", "claude,cursor", "{copy}", "--yes", "--force")
	save("ours.lock")
}

// matrixGit is the URL of the loopback git server of the rows marked git, serving acme/tools as
// github.com: skills x, y and z, released as v1.0.0 and v1.1.0 (x changed, committed later). Empty
// without git.
var matrixGit string

// matrixRelease is acme/tools' skill name at version.
func matrixRelease(name, version string) string {
	return fmt.Sprintf(matrixSkill, name, strings.ToUpper(name[:1])+name[1:], "", name+" "+version)
}

func startMatrixGit(t *testing.T) string {
	if !gittest.Available() {
		return ""
	}
	srv, err := gittest.Start(t.TempDir())
	must(t, err)
	t.Cleanup(srv.Close)
	for i, v := range []string{"1.0", "1.1"} {
		tree := t.TempDir()
		for _, n := range []string{"x", "y", "z"} {
			data := matrixRelease(n, "1.0")
			if n == "x" {
				data = matrixRelease(n, v)
			}
			writeFile(filepath.Join(tree, "skills", n, "SKILL.md"), data)
		}
		srv.SetCommitDate(fmt.Sprintf("2025-0%d-01T00:00:00Z", 1+5*i))
		c, err := srv.Commit("acme/tools", "main", tree, "release "+v)
		must(t, err)
		must(t, srv.Tag("acme/tools", "v"+v+".0", c))
	}
	return srv.URL()
}

// skillctlPath is the test binary installed as skillctl by testscript.Main (TestMain).
var skillctlPath = sync.OnceValues(func() (string, error) { return exec.LookPath("skillctl") })

// runSkillctl runs the real binary in dir with home as $HOME, and returns its stdout and stderr together
// with its exit code.
func runSkillctl(t *testing.T, home, dir, mode string, args []string) (string, int) {
	t.Helper()
	bin, err := skillctlPath()
	if err != nil {
		t.Fatal(err)
	}
	var real []string
	for _, a := range args {
		switch {
		case a == "{copy}" && mode == "copy":
			real = append(real, "--copy")
		case a == "{copy}":
		default:
			a = strings.ReplaceAll(a, "{web}", matrixWeb())
			real = append(real, strings.ReplaceAll(a, "{proj}", filepath.Join(home, "proj")))
		}
	}
	cmd := exec.Command(bin, real...)
	cmd.Dir = dir
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "NO_COLOR=1",
		"SKILLCTL_CONFIG_DIR=" + filepath.Join(home, ".config", "skillctl"),
		"SKILLCTL_CACHE_DIR=" + filepath.Join(home, ".cache", "skillctl"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"GIT_CONFIG_NOSYSTEM=1"}
	if matrixGit != "" {
		env = append(env, "SKILLCTL_MIRROR=https://github.com/="+matrixGit+"/")
	}
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return "stdout:\n" + stdout.String() + "stderr:\n" + stderr.String(), code
}

// treeHash describes every entry under root except the excluded folders: path, type and permission bits,
// and the content of each file or the target of each link. Nothing is followed.
func treeHash(t *testing.T, root string, exclude ...string) map[string]string {
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, x := range exclude {
			if p == x {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		desc := fi.Mode().String()
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + target
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s := sha256.Sum256(b)
			desc += " " + hex.EncodeToString(s[:8])
		}
		out[strings.TrimPrefix(p, root)] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func treeDiff(before, after map[string]string) string {
	var lines []string
	for p, b := range before {
		if a, ok := after[p]; !ok {
			lines = append(lines, "deleted  "+p+" ("+b+")")
		} else if a != b {
			lines = append(lines, "changed  "+p+": "+b+" => "+a)
		}
	}
	for p, a := range after {
		if _, ok := before[p]; !ok {
			lines = append(lines, "created  "+p+" ("+a+")")
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// sentinel hashes everything in the case's home the command does not own: for a project command, all but
// its project root (and the cache); for a --global one, all but the user's agent folders (~/.agents, where
// vercel's CLI installs, among them) and global lock.
func (c *matrixCase) sentinel(t *testing.T, global bool) map[string]string {
	ex := []string{c.p(".cache")}
	if global {
		ex = append(ex, c.p(".claude"), c.p(".cursor"), c.p(".agents"), c.p(".config/skillctl/global"))
	} else {
		ex = append(ex, c.root)
	}
	return treeHash(t, c.home, ex...)
}

// matrixWeb is the URL of a loopback web server, started once, serving one skill at /web/SKILL.md and
// another as /web/arc.tar.gz: the sources of the rows that install an artifact over http.
var matrixWeb = sync.OnceValue(func() string {
	mux := http.NewServeMux()
	mux.HandleFunc("/web/SKILL.md", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, matrixSkill, "web", "Web", "", "Web")
	})
	var arc bytes.Buffer
	zw := gzip.NewWriter(&arc)
	tw := tar.NewWriter(zw)
	for name, data := range map[string]string{"SKILL.md": fmt.Sprintf(matrixSkill, "arc", "Arc", "", "Arc"), "notes/n.md": "notes\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(data))})
		tw.Write([]byte(data))
	}
	tw.Close()
	zw.Close()
	mux.HandleFunc("/web/arc.tar.gz", func(w http.ResponseWriter, r *http.Request) { w.Write(arc.Bytes()) })
	// A site's well-known index listing the archive.
	sum := sha256.Sum256(arc.Bytes())
	index := fmt.Sprintf(`{"skills": [{"name": "arc", "type": "archive", "description": "Arc.", "url": "/web/arc.tar.gz", "digest": "sha256:%x"}]}`, sum)
	mux.HandleFunc("/.well-known/agent-skills/index.json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, index) })
	return httptest.NewServer(mux).URL
})

func TestPathMatrix(t *testing.T) {
	if _, err := skillctlPath(); err != nil {
		t.Skip("no skillctl on PATH (run through go test, whose TestMain installs it)")
	}
	matrixGit = startMatrixGit(t)
	homes := map[string]string{}
	for _, mode := range []string{"link", "copy"} {
		homes[mode] = filepath.Join(t.TempDir(), "home")
		prepareHome(t, homes[mode], mode)
	}
	for _, mode := range []string{"link", "copy"} {
		for _, row := range matrixRows {
			if row.modeless && mode == "copy" {
				continue
			}
			for _, lay := range matrixLayouts {
				if row.global && lay.projectOnly || row.git && matrixGit == "" {
					continue
				}
				t.Run(mode+"/"+row.name+"/"+lay.name, func(t *testing.T) {
					t.Parallel()
					if lay.root && os.Getuid() != 0 {
						t.Skip("the layout needs root to chown a folder to another user")
					}
					home := filepath.Join(t.TempDir(), "home")
					copyTree(t, homes[mode], home)
					c := &matrixCase{home: home, proj: filepath.Join(home, "proj"), outside: filepath.Join(home, "outside"), mode: mode}
					c.cwd, c.root = c.proj, c.proj
					if row.prep != nil {
						row.prep(c)
					}
					for _, args := range row.setup {
						if out, code := runSkillctl(t, home, c.proj, mode, args); code != 0 {
							t.Fatalf("setting up: skillctl %s: exit %d\n%s", strings.Join(args, " "), code, out)
						}
					}
					lay.apply(t, c)
					before := c.sentinel(t, row.global)
					var whole map[string]string
					if row.whole {
						whole = treeHash(t, home, c.p(".cache"))
					}
					out, code := runSkillctl(t, home, c.cwd, mode, row.args)
					after := c.sentinel(t, row.global)
					if d := treeDiff(before, after); d != "" {
						t.Errorf("skillctl %s changed the disk outside its own place:\n%s\n%s", strings.Join(row.args, " "), d, out)
					}
					if row.whole && code != 0 {
						if d := treeDiff(whole, treeHash(t, home, c.p(".cache"))); d != "" {
							t.Errorf("skillctl %s refused, yet changed its own place:\n%s\n%s", strings.Join(row.args, " "), d, out)
						}
					}
					stderr := out[strings.Index(out, "stderr:\n"):]
					switch {
					case strings.Contains(out, "panic:") || strings.Contains(out, "goroutine "):
						t.Errorf("skillctl %s panicked:\n%s", strings.Join(row.args, " "), out)
					case code != 0 && !strings.Contains(stderr, "\nskillctl: ") && !(row.findings && code == 1):
						t.Errorf("skillctl %s: exit %d without a skillctl: error\n%s", strings.Join(row.args, " "), code, out)
					case code > 3:
						t.Errorf("skillctl %s: exit %d\n%s", strings.Join(row.args, " "), code, out)
					case lay.name == "benign" && row.ok != (code == 0 || row.findings && code == 1 && !strings.Contains(stderr, "\nskillctl: ")):
						t.Errorf("skillctl %s on a benign layout: exit %d, want success %v\n%s", strings.Join(row.args, " "), code, row.ok, out)
					}
					if row.check != nil {
						if err := row.check(c); err != nil {
							t.Errorf("skillctl %s: %v\n%s", strings.Join(row.args, " "), err, out)
						}
					}
				})
			}
		}
	}
}
