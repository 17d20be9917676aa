package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/gittest"
	"github.com/skillctl/skillctl/internal/lockfile"
)

// lockState is the lock's record of a target as "name=hash" lines, to compare with the states before and
// after a command.
func lockState(l *lockfile.Lock, dir string) string {
	if l == nil {
		return ""
	}
	var out []string
	for _, e := range l.In(dir) {
		out = append(out, e.Name+"="+e.Hash)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// killOp is one command interrupted by kill -9. prepare runs after the common setup (a and b installed
// from the op's branch at v1) and returns the command's arguments.
type killOp struct {
	name    string
	prepare func(t *testing.T, s *gittest.Server, branch string) []string
}

const killRepo = "acme/market"

func killOps() []killOp {
	return []killOp{
		{"install", func(t *testing.T, s *gittest.Server, branch string) []string {
			return []string{"install", treeURL(s, killRepo, branch, "skills/c"), treeURL(s, killRepo, branch, "skills/d"), "--dir", "skills"}
		}},
		{"update", func(t *testing.T, s *gittest.Server, branch string) []string {
			commitBranch(t, s, branch, "v2")
			return []string{"update", "--dir", "skills"}
		}},
		{"remove", func(t *testing.T, s *gittest.Server, branch string) []string {
			return []string{"remove", "a", "b", "--dir", "skills"}
		}},
	}
}

// killFixture holds the skill folders of every version, written once.
var killFixture = map[string]string{}

func commitBranch(t *testing.T, s *gittest.Server, branch, version string) {
	t.Helper()
	dir := filepath.Join(killFixture["root"], version)
	if _, err := s.Commit(killRepo, branch, dir, version); err != nil {
		t.Fatal(err)
	}
}

// killCase is one op made ready to be interrupted many times: a template project with a and b installed,
// copied for each trial, the command, and the lock states before and after an uninterrupted run.
type killCase struct {
	op            killOp
	template      string
	args          []string
	before, after string
	shortest      time.Duration // the quickest uninterrupted run seen, to aim random kills by
	cache         string
}

// setupKill serves the fixture and prepares one killCase per op, running each op once uninterrupted.
func setupKill(t *testing.T) []*killCase {
	s := startServer(t)
	root := t.TempDir()
	killFixture["root"] = root
	for _, v := range []string{"v1", "v2"} {
		all := map[string]string{}
		for _, n := range []string{"a", "b", "c", "d"} {
			for p, c := range skillFiles(n, v, 80) {
				all["skills/"+p] = c
			}
		}
		if err := gittest.WriteFiles(filepath.Join(root, v), all); err != nil {
			t.Fatal(err)
		}
	}
	cache := t.TempDir() // shared, so interrupted cache writes are exercised too
	var cases []*killCase
	for _, op := range killOps() {
		commitBranch(t, s, op.name, "v1")
		tpl := newProject(t)
		tpl.env = append(tpl.env, "SKILLCTL_CACHE_DIR="+cache)
		tpl.mustRun("install", treeURL(s, killRepo, op.name, "skills/a"), treeURL(s, killRepo, op.name, "skills/b"), "--dir", "skills")
		kc := &killCase{op: op, template: tpl.dir, cache: cache, before: lockState(tpl.checkConsistent("skills"), "skills")}
		kc.args = op.prepare(t, s, op.name)
		p := kc.trial(t)
		r := p.mustRun(kc.args...)
		kc.after, kc.shortest = lockState(p.checkConsistent("skills"), "skills"), r.took
		if kc.after == kc.before {
			t.Fatalf("%s changed nothing; the trials would prove nothing", op.name)
		}
		os.RemoveAll(p.dir)
		cases = append(cases, kc)
	}
	return cases
}

// trial is a fresh project holding a copy of the case's template: the target and the lock.
func (kc *killCase) trial(t *testing.T) *project {
	t.Helper()
	p := newProject(t)
	p.env = append(p.env, "SKILLCTL_CACHE_DIR="+kc.cache)
	copyTarget(t, kc.template, p.dir)
	return p
}

// copyTarget copies a project's target folder (skills) and lock from one project folder to another: a
// prepared state in a fraction of the time an install takes.
func copyTarget(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(filepath.Join(to, "skills"), os.DirFS(filepath.Join(from, "skills"))); err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile(filepath.Join(from, "skills.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(to, "skills.lock"), lock, 0o644); err != nil {
		t.Fatal(err)
	}
}

// check recovers a trial's target with the next command and returns whether it holds the state before
// the command (false: after); a mix fails the test.
func (kc *killCase) check(t *testing.T, p *project, what string) (rolledBack bool) {
	t.Helper()
	got := lockState(p.checkConsistent("skills"), "skills")
	if got != kc.before && got != kc.after {
		t.Errorf("%s %s: lock records neither the state before nor after:\nbefore %s\nafter  %s\ngot    %s", kc.op.name, what, kc.before, kc.after, got)
	}
	return got == kc.before
}

// TestKill9 kills skillctl install, update and remove with SIGKILL, at every step of the transaction and
// then at random moments, and checks after each kill that the next command's recovery leaves the target
// consistent with the lock and exactly as it was before the command or as the command would have left it.
func TestKill9(t *testing.T) {
	t.Parallel()
	cases := setupKill(t)
	t.Run("every step", func(t *testing.T) { killAtEveryStep(t, cases) })
	t.Run("random", func(t *testing.T) { killAtRandom(t, cases) })
}

var crashHookLine = regexp.MustCompile(`crashhook: SIGKILL after step (\d+) \(([a-z]+)\)`)

// killAtEveryStep kills each op with SIGKILL right after each step of the transaction in turn (staging
// each folder, syncing the journal, each rename, writing the lock), by the crash hook the test binary is
// built with. After each kill the next command's recovery must leave the target consistent with the
// lock, and exactly as before the command up to the lock's write (the commit point) and exactly as after
// it from there on.
func killAtEveryStep(t *testing.T, cases []*killCase) {
	for _, kc := range cases {
		var trail []string // "before" or "after" per step killed at
		var steps []string
		for k := 1; ; k++ {
			if k > 100 {
				t.Fatalf("%s: still not finished after %d steps", kc.op.name, k)
			}
			p := kc.trial(t)
			p.env = append(p.env, fmt.Sprintf("SKILLCTL_CRASH_AFTER_STEP=%d", k))
			r := p.run(kc.args...)
			if r.code == 0 {
				if kc.check(t, p, "uninterrupted") {
					t.Errorf("%s: the uninterrupted run left the state before", kc.op.name)
				}
				break
			}
			m := crashHookLine.FindStringSubmatch(r.stderr)
			if r.code != -1 || m == nil || m[1] != fmt.Sprint(k) {
				t.Fatalf("%s: step %d: want a kill by the crash hook (is the binary built with skillctl_crashhook?), got %s", kc.op.name, k, r)
			}
			steps = append(steps, m[2])
			if kc.check(t, p, fmt.Sprintf("killed after step %d (%s)", k, m[2])) {
				trail = append(trail, "before")
			} else {
				trail = append(trail, "after")
			}
			os.RemoveAll(p.dir)
		}
		t.Logf("%s: killed after %s; recovered to %s", kc.op.name, strings.Join(steps, ", "), strings.Join(trail, ", "))
		first := 0 // the first step after which recovery finishes the change
		for first < len(trail) && trail[first] == "before" {
			first++
		}
		for i := first; i < len(trail); i++ {
			if trail[i] != "after" {
				t.Errorf("%s: recovered to the state after at step %d but before at step %d: the commit point moved", kc.op.name, first+1, i+1)
			}
		}
		if first == 0 || first == len(trail) {
			t.Errorf("%s: the kills did not cross the commit point (%s): the test proved less than it claims", kc.op.name, strings.Join(trail, ", "))
		}
	}
}

// killAtRandom kills each op with SIGKILL after a random delay, many times. Where killAtEveryStep covers
// each step of the transaction, these land anywhere: while fetching, while writing a file or the cache.
// 24 kills in go test ./...; 100 in .ci/run's long step.
func killAtRandom(t *testing.T, cases []*killCase) {
	// Run until this many processes were really killed (a kill after the command ended counts as a
	// trial, not a kill), within a bound on attempts.
	wantKills := 24
	switch {
	case testing.Short():
		wantKills = 4
	case longTests():
		wantKills = 100
	}
	maxTrials := 4 * wantKills
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 6))
	outcomes := map[string]int{}
	trials := 0
	for i := 0; outcomes["killed"] < wantKills && i < maxTrials; i++ {
		kc := cases[i%len(cases)]
		p := kc.trial(t)
		cmd, out, errb := p.command(context.Background(), kc.args...)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Half the kills land anywhere in the run, half in its last part, where the files are written
		// and renamed: that is where an interruption could do harm.
		d := int64(kc.shortest)
		delay := time.Duration(rng.Int64N(d * 9 / 10))
		if i%2 == 0 {
			delay = time.Duration(d*6/10 + rng.Int64N(d*4/10))
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(delay):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
		}
		took := time.Since(start)
		trials++
		status := cmd.ProcessState.Sys().(syscall.WaitStatus)
		switch {
		case status.Signaled():
			outcomes["killed"]++
		case status.ExitStatus() == 0:
			outcomes["finished"]++
			// It ran faster than the runs before it (a less loaded machine): aim the next kills by the
			// shortest run seen, so they land while the command is still running.
			kc.shortest = min(kc.shortest, took)
		default:
			t.Fatalf("%s trial %d: failed without being killed: %s\n%s", kc.op.name, i, out, errb)
		}
		if kc.check(t, p, fmt.Sprintf("trial %d (killed after %v)", i, took)) {
			outcomes[kc.op.name+" rolled back"]++
		} else {
			outcomes[kc.op.name+" completed"]++
		}
		os.RemoveAll(p.dir) // keep the temp disk small over many trials
	}
	var shortest []string
	for _, kc := range cases {
		shortest = append(shortest, fmt.Sprintf("%s %v", kc.op.name, kc.shortest.Round(time.Millisecond)))
	}
	t.Logf("%d trials; shortest uninterrupted runs %s; outcomes %v", trials, strings.Join(shortest, ", "), outcomes)
	if outcomes["killed"] < wantKills {
		t.Errorf("only %d of %d trials killed a running process", outcomes["killed"], trials)
	}
}
