package crashtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/gittest"
	"github.com/skillctl/skillctl/internal/lockfile"
)

// binary is the skillctl built once for every test of the package. It is built with the
// skillctl_crashhook tag, which adds one thing: SKILLCTL_CRASH_AFTER_STEP=N makes it kill itself with
// SIGKILL after the Nth step of a transaction (internal/txn/crashhook.go); without that variable it
// is the release program.
var binary string

// longEnv turns on the long trials: a raised-cap install of 100,000 files on the real disk and 100
// random kill -9 trials. go test ./... leaves them out to fit its time; .ci/run runs them as their own
// step with an explicit -timeout (see README.md, "Two commands").
const longEnv = "SKILLCTL_LONG_TESTS"

func longTests() bool { return os.Getenv(longEnv) == "1" }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "skillctl-crashtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "skillctl")
	cmd := exec.Command("go", "build", "-tags", "skillctl_crashhook", "-o", binary, "./cmd/skillctl")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building skillctl: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// project is a folder the binary runs in, isolated from the user's cache, config and tokens.
type project struct {
	t   *testing.T
	dir string
	env []string
}

// root is the module's folder, where the binary is built from.
var root = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}()

// seeSources looks at every source file the binary is built from, once, while a test runs: go test's
// cache keys a package's result on the files its tests touch, and the build in TestMain, a process of
// its own, touches none of them as far as it can tell, so a change to skillctl would otherwise leave
// this package's last result cached.
var seeSources = sync.OnceFunc(func() {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "out"):
			return filepath.SkipDir
		case !d.IsDir() && (strings.HasSuffix(p, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum"):
			os.Stat(p)
		}
		return nil
	})
})

func newProject(t *testing.T) *project {
	t.Helper()
	seeSources()
	dir := t.TempDir()
	return &project{t: t, dir: dir, env: append(os.Environ(),
		"SKILLCTL_CACHE_DIR="+filepath.Join(dir, ".cache"),
		"SKILLCTL_CONFIG_DIR="+filepath.Join(dir, ".config"),
		"HOME="+dir, "XDG_CACHE_HOME="+filepath.Join(dir, ".cache"), "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"),
		"GITHUB_TOKEN=", "GH_TOKEN=", "NO_COLOR=1")}
}

// result is one finished run of the binary.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
	rss            int64 // peak resident set size in bytes; -1 where the platform does not say
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %v\nstdout:\n%sstderr:\n%s", r.code, r.took, r.stdout, r.stderr)
}

func (p *project) command(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = p.dir
	cmd.Env = p.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	return cmd, &out, &errb
}

// run runs skillctl to the end (at most two minutes).
func (p *project) run(args ...string) result {
	p.t.Helper()
	return p.runFor(2*time.Minute, args...)
}

// runFor runs skillctl and kills it (SIGKILL) after d.
func (p *project) runFor(d time.Duration, args ...string) result {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd, out, errb := p.command(ctx, args...)
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if cmd.ProcessState != nil {
		r.code = cmd.ProcessState.ExitCode()
		r.rss = peakRSS(cmd.ProcessState)
	} else if err != nil {
		p.t.Fatalf("skillctl %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// mustRun runs skillctl and fails the test unless it exits 0.
func (p *project) mustRun(args ...string) result {
	p.t.Helper()
	r := p.run(args...)
	if r.code != 0 {
		p.t.Fatalf("skillctl %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// mustFail runs skillctl and fails the test unless it exits 1 with a "skillctl: " error matching want.
func (p *project) mustFail(want string, args ...string) result {
	p.t.Helper()
	r := p.run(args...)
	if r.code != 1 || !strings.Contains(r.stderr, "skillctl: ") || !strings.Contains(r.stderr, want) {
		p.t.Fatalf("skillctl %s: want exit 1 and %q on stderr, got %s", strings.Join(args, " "), want, r)
	}
	return r
}

func (p *project) path(rel string) string { return filepath.Join(p.dir, filepath.FromSlash(rel)) }

// listing is a folder's content as text: every entry's path, kind, mode and content hash, to compare a
// target before and after a command that must not change it.
func listing(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		line := fmt.Sprintf("%s %v", filepath.ToSlash(rel), fi.Mode())
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			line += " -> " + l
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %d %x", len(b), sum(b))
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatalf("listing %s: %v", dir, err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// snapshotProject records the target folder and the lock, to assert a failed command changed neither.
func (p *project) snapshot(target string) string {
	p.t.Helper()
	lock, _ := os.ReadFile(p.path("skills.lock"))
	return listing(p.t, p.path(target)) + "\nlock:\n" + string(lock)
}

// checkConsistent asserts the invariant every interruption must keep: skillctl verify (which first
// recovers any interrupted change under the file lock) reports every locked skill ok, the lock parses,
// no stage folder remains, and the target holds no folder the lock does not list.
func (p *project) checkConsistent(target string) *lockfile.Lock {
	p.t.Helper()
	lock, err := lockfile.Read(p.path("skills.lock"))
	if err != nil && !os.IsNotExist(err) {
		p.t.Fatalf("lock does not parse before recovery: %v", err)
	}
	r := p.run("verify", "--dir", target, "--json")
	var vs []struct {
		Name, State string
		Problems    []string
	}
	if r.code != 0 && r.code != 1 || json.Unmarshal([]byte(r.stdout), &vs) != nil {
		if _, err := os.Stat(p.path(target)); os.IsNotExist(err) && r.code == 0 {
			return lock
		}
		p.t.Fatalf("verify: %s", r)
	}
	for _, v := range vs {
		if v.State != "ok" {
			p.t.Errorf("after recovery %s is %s (%v)\n%s", v.Name, v.State, v.Problems, listing(p.t, p.path(target)))
		}
	}
	lock, err = lockfile.Read(p.path("skills.lock"))
	if err != nil {
		p.t.Fatalf("lock does not parse after recovery: %v", err)
	}
	ents, _ := os.ReadDir(p.path(target))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			p.t.Errorf("after recovery %s remains in the target", e.Name())
			continue
		}
		if lock.Find(target, e.Name()) == nil {
			p.t.Errorf("after recovery %s is in the target but not in the lock", e.Name())
		}
	}
	return lock
}

// startServer serves bare repositories from a fresh folder on 127.0.0.1, or skips without git.
func startServer(t *testing.T) *gittest.Server {
	t.Helper()
	seeSources()
	if !gittest.Available() {
		t.Skip("needs the git binary for the test server")
	}
	s, err := gittest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// skillFiles is a valid skill folder with a script, a reference and n extra files.
func skillFiles(name, version string, extra int) map[string]string {
	files := map[string]string{
		name + "/SKILL.md":          fmt.Sprintf("---\nname: %s\ndescription: Skill %s for trust tests, %s. Use it in tests.\n---\n# %s %s\n", name, name, version, name, version),
		name + "/references/ref.md": strings.Repeat(name+" "+version+"\n", 200),
	}
	for i := 0; i < extra; i++ {
		files[fmt.Sprintf("%s/assets/f%03d.txt", name, i)] = fmt.Sprintf("%s %s %d\n", name, version, i)
	}
	return files
}

// commitSkills commits the named skills (folder skills/NAME) at version on branch main of repo.
func commitSkills(t *testing.T, s *gittest.Server, repo, version string, extra int, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{}
	for _, n := range names {
		for p, c := range skillFiles(n, version, extra) {
			all["skills/"+p] = c
		}
	}
	if err := gittest.WriteFiles(dir, all); err != nil {
		t.Fatal(err)
	}
	c, err := s.Commit(repo, "main", dir, "version "+version)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func treeURL(s *gittest.Server, repo, ref, path string) string {
	return s.URL() + "/" + repo + "/tree/" + ref + "/" + path
}

func sum(b []byte) []byte { h := sha256.Sum256(b); return h[:8] }

// TestSourcesRead reads every Go file of the module. The binary the other tests run is built by a child
// process, which go test's result cache cannot see; files read during a test are, so a change to any of
// them invalidates a cached pass of this package.
func TestSourcesRead(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	n := 0
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (d.Name() == "testdata" || d.Name() == "out" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum") {
			if _, err := os.ReadFile(p); err == nil {
				n++
			}
		}
		return nil
	})
	if n < 50 {
		t.Fatalf("read %d files; is the module root right?", n)
	}
}
