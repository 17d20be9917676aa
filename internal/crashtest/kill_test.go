package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
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
// from the trial's branch at v1) and returns the command's arguments.
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

// TestKill9 kills skillctl install, update and remove with SIGKILL after a random delay, many times, and
// checks after each that the next command's recovery leaves the target consistent with the lock and
// exactly as it was before the command or as the command would have left it.
func TestKill9(t *testing.T) {
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
	// Run until this many processes were really killed (a kill after the command ended counts as a
	// trial, not a kill), within a bound on attempts.
	wantKills, maxTrials := 100, 400
	if testing.Short() {
		wantKills, maxTrials = 4, 12
	}
	cache := t.TempDir() // shared, so interrupted cache writes are exercised too
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 6))
	ops := killOps()
	durations := map[string]time.Duration{}
	outcomes := map[string]int{}
	trials := 0
	for i := 0; outcomes["killed"] < wantKills && i < maxTrials+len(ops); i++ {
		op := ops[i%len(ops)]
		calibrate := i < len(ops) // the first run of each op is not killed: it measures it and gives "after"
		branch := fmt.Sprintf("t%03d", i)
		commitBranch(t, s, branch, "v1")
		p := newProject(t)
		p.env = append(p.env, "SKILLCTL_CACHE_DIR="+cache)
		p.mustRun("install", treeURL(s, killRepo, branch, "skills/a"), treeURL(s, killRepo, branch, "skills/b"), "--dir", "skills")
		before := lockState(p.checkConsistent("skills"), "skills")
		args := op.prepare(t, s, branch)

		cmd, out, errb := p.command(context.Background(), args...)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !calibrate {
			// Half the kills land anywhere in the run, half in its last part, where the files are
			// written and renamed: that is where an interruption could do harm.
			d := int64(durations[op.name])
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
		} else {
			cmd.Wait()
		}
		took := time.Since(start)
		if !calibrate {
			trials++
		}
		status := cmd.ProcessState.Sys().(syscall.WaitStatus)
		switch {
		case status.Signaled():
			outcomes["killed"]++
		case status.ExitStatus() == 0:
			outcomes["finished"]++
			// It ran faster than the runs before it (a less loaded machine): aim the next kills by
			// the shortest run seen, so they land while the command is still running.
			if !calibrate && took < durations[op.name] {
				durations[op.name] = took
			}
		default:
			t.Fatalf("%s trial %d: failed without being killed: %s\n%s", op.name, i, out, errb)
		}
		got := lockState(p.checkConsistent("skills"), "skills")
		if calibrate {
			durations[op.name] = took
			killFixture[op.name+" after"] = got
			if got == before {
				t.Fatalf("%s changed nothing; the trials would prove nothing", op.name)
			}
			continue
		}
		if after := killFixture[op.name+" after"]; got != before && got != after {
			t.Errorf("%s trial %d (killed after %v): lock records neither the state before nor after:\nbefore %s\nafter  %s\ngot    %s", op.name, i, took, before, after, got)
		}
		if got == before {
			outcomes[op.name+" rolled back"]++
		} else {
			outcomes[op.name+" completed"]++
		}
		os.RemoveAll(p.dir) // keep the temp disk small over many trials
	}
	t.Logf("%d trials; uncrashed durations %v; outcomes %v", trials, durations, outcomes)
	if outcomes["killed"] < wantKills {
		t.Errorf("only %d of %d trials killed a running process", outcomes["killed"], trials)
	}
}
