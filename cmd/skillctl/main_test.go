package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"skillctl": func() { os.Exit(Main()) },
	})
}

// TestScript runs testdata/script/*.txtar against the real binary entry point. Scripts that need the
// git server use the gitserver command (see scriptCmds).
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup:               scriptSetup,
		Cmds:                scriptCmds(),
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "git":
				_, err := exec.LookPath("git")
				return err == nil, nil
			case "short":
				return testing.Short(), nil
			case "corpus":
				_, err := os.Stat(corpusDir())
				return err == nil, nil
			}
			return false, nil
		},
	})
}

func corpusDir() string {
	d, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus"))
	return d
}

func scriptSetup(env *testscript.Env) error {
	// Isolate every script from the user's real cache, config and tokens.
	env.Setenv("SKILLCTL_CACHE_DIR", filepath.Join(env.WorkDir, ".cache", "skillctl"))
	env.Setenv("SKILLCTL_CONFIG_DIR", filepath.Join(env.WorkDir, ".config", "skillctl"))
	env.Setenv("HOME", env.WorkDir)
	env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
	env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
	env.Setenv("GITHUB_TOKEN", "")
	env.Setenv("GH_TOKEN", "")
	env.Setenv("NO_COLOR", "")
	env.Setenv("CORPUS", corpusDir())
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	env.Setenv("REPO_ROOT", root)
	return nil
}

// scriptCmds are the custom script commands; see each for its usage.
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		// unsetenv NAME...: remove variables so a default applies.
		"unsetenv": func(ts *testscript.TestScript, neg bool, args []string) {
			for _, a := range args {
				ts.Setenv(a, "")
			}
		},
		// executable FILE: FILE has an executable bit.
		"executable": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) != 1 {
				ts.Fatalf("usage: executable FILE")
			}
			fi, err := os.Stat(ts.MkAbs(args[0]))
			ts.Check(err)
			if (fi.Mode()&0o111 != 0) == neg {
				ts.Fatalf("%s mode %v", args[0], fi.Mode())
			}
		},
		// readlink LINK TARGET: LINK is a symlink to TARGET.
		"readlink": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) != 2 {
				ts.Fatalf("usage: readlink LINK TARGET")
			}
			got, err := os.Readlink(ts.MkAbs(args[0]))
			if (err == nil && got == args[1]) == neg {
				ts.Fatalf("%s -> %q (%v), want %q", args[0], got, err, args[1])
			}
		},
		// lines FILE N: FILE has exactly N lines.
		"lines": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) != 2 {
				ts.Fatalf("usage: lines FILE N")
			}
			got := strings.Count(ts.ReadFile(args[0]), "\n")
			if (strings.TrimSpace(args[1]) == strconv.Itoa(got)) == neg {
				ts.Fatalf("%s has %d lines", args[0], got)
			}
		},
	}
}
