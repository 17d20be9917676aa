package crashtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/gittest"
	"github.com/skillctl/skillctl/internal/source"
)

// baseProject is a project with skills a and b installed from repo's main branch, and c and d available.
func baseProject(t *testing.T, s *gittest.Server, repo string) *project {
	t.Helper()
	commitSkills(t, s, repo, "v1", 20, "a", "b", "c", "d")
	p := newProject(t)
	p.mustRun("install", treeURL(s, repo, "main", "skills/a"), treeURL(s, repo, "main", "skills/b"), "--dir", "skills")
	return p
}

// TestServerFaults: a server that drops the connection, answers garbage or is unavailable makes the
// install fail with a clear error naming the URL, and changes nothing; a fault that clears is retried.
func TestServerFaults(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	p := baseProject(t, s, "acme/faults")
	url := treeURL(s, "acme/faults", "main", "skills/c")
	repo := source.Canonical(s.RepoURL("acme/faults")) // messages name a repository in its one spelling
	for _, tc := range []struct {
		name  string
		fault gittest.Fault
		count int
		want  string // on stderr; "" means the install succeeds after a retry
	}{
		{"drop", gittest.FaultDropMidPack, 0, "fetch " + repo},
		{"garbage", gittest.FaultGarbage, 0, "fetch " + repo},
		{"unavailable", gittest.FaultUnavailable, 0, repo},
		{"unauthorized", gittest.FaultUnauthorized, 0, repo},
		{"drop once", gittest.FaultDropMidPack, 1, ""},
		{"unavailable once", gittest.FaultUnavailable, 1, ""},
	} {
		name := tc.name
		before := p.snapshot("skills")
		s.SetFaultCount(tc.fault, tc.count)
		r := p.run("install", url, "--dir", "skills")
		s.SetFault(gittest.FaultNone)
		if tc.want == "" {
			if r.code != 0 {
				t.Errorf("%s: a transient fault was not retried: %s", name, r)
			}
			p.mustRun("remove", "c", "--dir", "skills")
			continue
		}
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") > 12 {
			t.Errorf("%s: want a short clean error naming %q, got %s", name, tc.want, r)
		}
		if after := p.snapshot("skills"); after != before {
			t.Errorf("%s: target or lock changed:\n%s\n---\n%s", name, before, after)
		}
		t.Logf("%s: %s", name, lastLine(r.stderr))
	}
	p.checkConsistent("skills")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// lastLine is the last non-empty line: the error, after any retry notes.
func lastLine(s string) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	return ls[len(ls)-1]
}

// TestServerStall: a server that accepts the request and sends nothing. The client gives up after its
// timeout, shortened here with SKILLCTL_TIMEOUT so the test takes seconds, not the default minute.
func TestServerStall(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	p := baseProject(t, s, "acme/stall")
	p.env = append(p.env, "SKILLCTL_TIMEOUT=2s")
	before := p.snapshot("skills")
	s.SetFault(gittest.FaultStall)
	r := p.run("install", treeURL(s, "acme/stall", "main", "skills/c"), "--dir", "skills")
	s.SetFault(gittest.FaultNone)
	t.Logf("stalled server: exit %d after %v: %s", r.code, r.took, firstLine(r.stderr))
	if r.took > 30*time.Second {
		t.Errorf("SKILLCTL_TIMEOUT=2s was not honoured: the install took %v", r.took)
	}
	if r.code != 1 || !strings.Contains(r.stderr, source.Canonical(s.RepoURL("acme/stall"))) {
		t.Errorf("want a clean error naming the repository, got %s", r)
	}
	if after := p.snapshot("skills"); after != before {
		t.Errorf("target or lock changed")
	}
}

// TestRefMovesDuringInstalls moves a branch between two contents as fast as git can while installs
// from that branch run: each install must pin one commit and install exactly that commit's content,
// or fail cleanly, also against a server that refuses wants that are not a branch tip.
func TestRefMovesDuringInstalls(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	repo := "acme/moving"
	dirs := map[string]string{}
	for _, v := range []string{"v1", "v2"} {
		dirs[v] = t.TempDir()
		files := map[string]string{}
		for p, c := range skillFiles("c", v, 5) {
			files["skills/"+p] = c
		}
		if err := gittest.WriteFiles(dirs[v], files); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	version := map[string]string{} // commit -> v1|v2
	c1, err := s.Commit(repo, "main", dirs["v1"], "v1")
	if err != nil {
		t.Fatal(err)
	}
	version[c1] = "v1"
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			v := []string{"v1", "v2"}[i%2]
			c, err := s.Commit(repo, "main", dirs[v], v)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			version[c] = v
			mu.Unlock()
		}
	}()
	hashes := map[string]string{}
	ok, failed := 0, 0
	for i := 0; i < 16; i++ {
		if i == 8 {
			s.SetFault(gittest.FaultTipsOnly)
		}
		p := newProject(t)
		r := p.run("install", treeURL(s, repo, "main", "skills/c"), "--dir", "skills")
		if r.code != 0 {
			if r.code != 1 || !strings.HasPrefix(r.stderr, "skillctl: ") || exists(p.path("skills")) || exists(p.path("skills.lock")) {
				t.Errorf("install %d: not a clean failure: %s", i, r)
			}
			failed++
			if failed == 1 || i == 8 {
				t.Logf("install %d failed cleanly: %s", i, lastLine(r.stderr))
			}
			continue
		}
		lock := p.checkConsistent("skills")
		e := lock.Find("skills", "c")
		mu.Lock()
		v := version[e.Commit]
		mu.Unlock()
		if v == "" {
			t.Errorf("install %d: pinned commit %s was never on the branch", i, e.Commit)
			continue
		}
		if h, seen := hashes[v]; seen && h != e.Hash {
			t.Errorf("install %d: %s content hash %s, another install of the same version had %s", i, v, e.Hash, h)
		}
		hashes[v] = e.Hash
		ok++
	}
	s.SetFault(gittest.FaultNone)
	close(stop)
	wg.Wait()
	if len(hashes) == 2 && hashes["v1"] == hashes["v2"] {
		t.Error("v1 and v2 hash alike: the test cannot tell them apart")
	}
	t.Logf("%d installs while the branch moved %d times: %d ok (versions seen %d), %d failed cleanly", ok+failed, len(version), ok, len(hashes), failed)
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// mountTmpfs mounts a tmpfs of size bytes at dir, or skips when mounting is not permitted.
func mountTmpfs(t *testing.T, dir string, size int) {
	t.Helper()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

// TestDiskFull runs an install on a small tmpfs filled to leave less and less room, so the disk fills
// at every stage of the transaction: staging, the journal, the renames and the lock. Each run must
// either complete or fail cleanly, leaving the target consistent with the lock. The sweep rises in 16 KiB
// steps from a full disk to the first level at which the install completes, then tries every page of the
// last step below it, where the journal and the lock are written, and two levels above, which must
// complete too: every stage is reached without running the levels that only complete again.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	repo := "acme/full"
	commitSkills(t, s, repo, "v1", 40, "a", "b", "c")
	cache := t.TempDir() // outside the tmpfs: the cache is not what is tested here
	// Each level starts from a copy of a project with a installed.
	tpl := newProject(t)
	tpl.env = append(tpl.env, "SKILLCTL_CACHE_DIR="+cache)
	tpl.mustRun("install", treeURL(s, repo, "main", "skills/a"), "--dir", "skills")
	outcomes := map[string]int{}
	levels := 0
	level := func(free int) (completed bool) {
		levels++
		p := newProject(t)
		p.env = append(p.env, "SKILLCTL_CACHE_DIR="+cache)
		mountTmpfs(t, p.dir, 2<<20)
		copyTarget(t, tpl.dir, p.dir)
		fillDisk(t, p.path("filler"), free)
		before := p.snapshot("skills")
		r := p.run("install", treeURL(s, repo, "main", "skills/b"), treeURL(s, repo, "main", "skills/c"), "--dir", "skills")
		os.Remove(p.path("filler")) // verify itself needs a little room to recover
		switch {
		case r.code == 0:
			outcomes["completed"]++
			completed = true
		case r.code == 1 && strings.Contains(r.stderr, "no space left on device"):
			outcomes["failed cleanly"]++
			if after := p.snapshot("skills"); after != before {
				t.Errorf("%d bytes free: failed but changed the target or lock:\n%s\n---\n%s\n%s", free, before, after, r)
			}
		default:
			t.Errorf("%d bytes free: %s", free, r)
		}
		p.checkConsistent("skills")
		return completed
	}
	if testing.Short() {
		for _, free := range []int{0, 64 << 10, 512 << 10, 1 << 20} {
			level(free)
		}
	} else {
		const step, page = 16 << 10, 4 << 10
		first := -1 // the lowest level of the coarse sweep at which the install completed
		for free := 0; free <= 1<<20 && first < 0; free += step {
			if level(free) {
				first = free
			}
		}
		if first > 0 {
			for free := first - step + page; free < first; free += page {
				level(free)
			}
			for _, free := range []int{first + 4*step, 1 << 20} {
				if !level(free) {
					t.Errorf("%d bytes free: failed, though the install completed with %d", free, first)
				}
			}
		}
		t.Logf("the install first completed with %d KiB free", first>>10)
	}
	t.Logf("outcomes over %d fill levels: %v", levels, outcomes)
	if outcomes["failed cleanly"] == 0 || outcomes["completed"] == 0 {
		t.Error("the sweep did not cross from a full disk to enough room: the test proved less than it claims")
	}
}

// fillDisk writes a file that leaves about free bytes on the file system holding path.
func fillDisk(t *testing.T, path string, free int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
	}
	f.Sync()
	fi, _ := f.Stat()
	if err := f.Truncate(max(0, fi.Size()-int64(free))); err != nil {
		t.Fatal(err)
	}
}

// TestReadOnlyTarget: a target on a read-only mount, and a lock file marked immutable, make the command
// fail with a clear error and change nothing.
func TestReadOnlyTarget(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	p := baseProject(t, s, "acme/ro")
	url := treeURL(s, "acme/ro", "main", "skills/c")

	t.Run("read-only mount", func(t *testing.T) {
		target := p.path("skills")
		if out, err := exec.Command("mount", "--bind", target, target).CombinedOutput(); err != nil {
			t.Skipf("cannot bind-mount: %v %s", err, out)
		}
		defer exec.Command("umount", "-l", target).Run()
		if out, err := exec.Command("mount", "-o", "remount,ro,bind", target).CombinedOutput(); err != nil {
			t.Skipf("cannot remount read-only: %v %s", err, out)
		}
		before := p.snapshot("skills")
		r := p.run("install", url, "--dir", "skills")
		if r.code != 1 || !strings.Contains(r.stderr, "read-only file system") {
			t.Errorf("want a read-only error, got %s", r)
		}
		r2 := p.run("remove", "a", "--dir", "skills")
		if r2.code != 1 || !strings.Contains(r2.stderr, "read-only file system") {
			t.Errorf("remove: want a read-only error, got %s", r2)
		}
		if after := p.snapshot("skills"); after != before {
			t.Errorf("changed:\n%s\n---\n%s", before, after)
		}
	})
	t.Run("immutable lock", func(t *testing.T) {
		lock := p.path("skills.lock")
		if out, err := exec.Command("chattr", "+i", lock).CombinedOutput(); err != nil {
			t.Skipf("chattr +i not available here: %v %s", err, out)
		}
		defer exec.Command("chattr", "-i", lock).Run()
		before := p.snapshot("skills")
		r := p.run("install", url, "--dir", "skills")
		if r.code != 1 || !strings.Contains(r.stderr, "skills.lock") {
			t.Errorf("want an error naming the lock, got %s", r)
		}
		exec.Command("chattr", "-i", lock).Run()
		if after := p.snapshot("skills"); after != before {
			t.Errorf("changed:\n%s\n---\n%s", before, after)
		}
	})
	p.checkConsistent("skills")
}

// TestConcurrent runs 2 and then 10 skillctl processes on one target at once, each installing or
// removing a different skill: they must all succeed in turn (the file lock serialises them) and the lock
// must end listing exactly what they left.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	repo := "acme/many"
	var names []string
	for i := 0; i < 10; i++ {
		names = append(names, fmt.Sprintf("s%02d", i))
	}
	commitSkills(t, s, repo, "v1", 10, names...)
	for _, n := range []int{2, 10} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := newProject(t)
			p.mustRun("install", treeURL(s, repo, "main", "skills/"+names[0]), "--dir", "skills")
			var wg sync.WaitGroup
			results := make([]result, n)
			start := time.Now()
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					args := []string{"install", treeURL(s, repo, "main", "skills/"+names[i]), "--dir", "skills"}
					if i == 0 {
						args = []string{"remove", names[0], "--dir", "skills"}
					}
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					defer cancel()
					cmd, out, errb := p.command(ctx, args...)
					cmd.Run()
					results[i] = result{stdout: out.String(), stderr: errb.String(), code: cmd.ProcessState.ExitCode()}
				}()
			}
			wg.Wait()
			for i, r := range results {
				if r.code != 0 {
					t.Errorf("process %d: %s", i, r)
				}
			}
			lock := p.checkConsistent("skills")
			got := lockState(lock, "skills")
			for i := 1; i < n; i++ {
				if !strings.Contains(got, names[i]+"=") {
					t.Errorf("%s missing from the lock: %s", names[i], got)
				}
			}
			if strings.Contains(got, names[0]+"=") {
				t.Errorf("%s was removed but is in the lock: %s", names[0], got)
			}
			t.Logf("%d concurrent processes done in %v; lock: %d skills", n, time.Since(start), len(lock.In("skills")))
		})
	}
}
