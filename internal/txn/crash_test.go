package txn_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/install"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/txn"
)

// The crash tests stop a real skillctl change (install, update, remove, a forced reinstall, a restore) at
// every step of the transaction (see txn.go), the way kill -9 would: a child process runs the command and
// exits at the Nth afterStep without running any deferred cleanup. The parent then recovers the target as the next command would, and checks that the
// target and the lock are exactly as before the command or exactly as after it: never a mix.

const (
	crashOpEnv = "SKILLCTL_TEST_CRASH_OP"
	crashAtEnv = "SKILLCTL_TEST_CRASH_AT"
	crashCode  = 77
)

// crashOp is one command to interrupt; setup runs (uncrashed) in the project folder first.
type crashOp struct {
	name  string
	setup func(t *testing.T)
	run   func(ctx context.Context) error
}

var crashTarget = install.TargetOptions{Dir: "skills", Lock: "skills.lock"}

func crashSkill(name, body string) map[string]string {
	return map[string]string{
		"SKILL.md":          fmt.Sprintf("---\nname: %s\ndescription: Test skill %s. Use it in crash tests.\n---\n%s\n", name, name, body),
		"scripts/run.sh":    "#!/bin/sh\necho " + body + "\n",
		"references/ref.md": strings.Repeat(body+"\n", 50),
		"assets/data.txt":   body,
	}
}

func writeSkill(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, s := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(full, []byte(s), mode); err != nil {
			t.Fatal(err)
		}
	}
}

func baseInstall(t *testing.T) {
	t.Helper()
	for _, n := range []string{"alpha", "beta", "gamma"} {
		writeSkill(t, filepath.Join("src", n), crashSkill(n, n+" v1"))
	}
	if _, err := install.Run(context.Background(), install.Options{Target: crashTarget, Sources: []string{"./src/alpha", "./src/beta"}}); err != nil {
		t.Fatalf("setup install: %v", err)
	}
}

var crashOps = []crashOp{
	{"install-new", baseInstall, func(ctx context.Context) error {
		_, err := install.Run(ctx, install.Options{Target: crashTarget, Sources: []string{"./src/gamma"}})
		return err
	}},
	{"update-two", func(t *testing.T) {
		baseInstall(t)
		writeSkill(t, "src/alpha", crashSkill("alpha", "alpha v2"))
		writeSkill(t, "src/beta", crashSkill("beta", "beta v2"))
	}, func(ctx context.Context) error {
		_, _, err := install.Update(ctx, install.UpdateOptions{Target: crashTarget})
		return err
	}},
	{"remove-two", baseInstall, func(ctx context.Context) error {
		_, err := install.Remove(ctx, install.RemoveOptions{Target: crashTarget, Names: []string{"alpha", "beta"}})
		return err
	}},
	// The lock does not change here: the edited folder is replaced by the pinned content. A crash after
	// the edited copy was moved aside must not lose the skill.
	{"force-over-local-edit", func(t *testing.T) {
		baseInstall(t)
		writeSkill(t, "skills/alpha", map[string]string{"references/ref.md": "edited by hand\n"})
	}, func(ctx context.Context) error {
		_, err := install.Run(ctx, install.Options{Target: crashTarget, Sources: []string{"./src/alpha"}, Force: true})
		return err
	}},
	{"from-lock-restore", func(t *testing.T) {
		baseInstall(t)
		if err := os.RemoveAll("skills/beta"); err != nil {
			t.Fatal(err)
		}
	}, func(ctx context.Context) error {
		_, err := install.Run(ctx, install.Options{Target: crashTarget})
		return err
	}},
}

// TestCrashChild is the child side of TestCrashAtEveryStep; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	opName := os.Getenv(crashOpEnv)
	if opName == "" {
		t.Skip("child process of TestCrashAtEveryStep")
	}
	at, _ := strconv.Atoi(os.Getenv(crashAtEnv))
	n := 0
	txn.SetAfterStep(func(step string) {
		n++
		if n == at {
			os.Exit(crashCode) // like kill -9: no deferred cleanup, no rollback
		}
	})
	for _, op := range crashOps {
		if op.name == opName {
			if err := op.run(context.Background()); err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				os.Exit(3)
			}
			return
		}
	}
	t.Fatalf("unknown op %q", opName)
}

// targetState is everything a command may change: the lock's bytes and each target entry's content hash.
func targetState(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	lock, err := os.ReadFile("skills.lock")
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	if _, err := lockfile.Parse("skills.lock", lock); err != nil {
		t.Fatalf("lock does not parse: %v", err)
	}
	fmt.Fprintf(&b, "lock %x\n", sha256.Sum256(lock))
	ents, err := os.ReadDir("skills")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := localfs.ReadInstalled(filepath.Join("skills", n))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		fmt.Fprintf(&b, "%s %s\n", n, f.Hash())
	}
	return b.String()
}

func TestCrashAtEveryStep(t *testing.T) {
	if os.Getenv(crashOpEnv) != "" {
		t.Skip("in the child")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SKILLCTL_CACHE_DIR", t.TempDir())
	total := 0
	for _, op := range crashOps {
		t.Run(op.name, func(t *testing.T) {
			var crashed []string // recovered states, one per crash point
			var before, after string
			for k := 1; ; k++ {
				t.Chdir(t.TempDir())
				op.setup(t)
				before = targetState(t)
				cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), crashOpEnv+"="+op.name, crashAtEnv+"="+strconv.Itoa(k))
				cmd.Dir, _ = os.Getwd()
				out, err := cmd.CombinedOutput()
				code := cmd.ProcessState.ExitCode()
				if code == 0 {
					after = targetState(t)
					if after == before {
						t.Fatalf("the command changed nothing; the test would prove nothing")
					}
					break
				}
				if code != crashCode {
					t.Fatalf("step %d: child failed (%v):\n%s", k, err, out)
				}
				// The next command recovers under the file lock; list is the lightest one.
				if _, _, err := install.List(context.Background(), install.ListOptions{Target: crashTarget}); err != nil {
					t.Fatalf("step %d: recovery: %v", k, err)
				}
				if stages, _ := filepath.Glob(filepath.Join("skills", txn.StagePrefix+"*")); len(stages) > 0 {
					t.Errorf("step %d: stage folders left after recovery: %v", k, stages)
				}
				crashed = append(crashed, targetState(t))
			}
			for i, st := range crashed {
				if st != before && st != after {
					t.Errorf("crash at step %d: recovered to a state that is neither before nor after:\n--- before\n%s--- after\n%s--- got\n%s", i+1, before, after, st)
				}
			}
			total += len(crashed)
			t.Logf("%d crash points, all recovered to before or after", len(crashed))
		})
	}
	t.Logf("%d crash points in all", total)
}
