package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/skillctl/skillctl/internal/gittest"
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
		WorkdirRoot:         t.TempDir(), // removed with the test; testscript's own root is left behind
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
			case "root":
				return os.Getuid() == 0, nil
			case "sshd":
				_, err := gittest.SSHD()
				return err == nil, nil
			case "pty":
				return ptyWorks(), nil
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
	for _, v := range []string{"GITLAB_TOKEN", "GH_HOST", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "NETRC",
		"SKILLCTL_TOKEN_127_0_0_1", "SKILLCTL_DEADLINE", "SKILLCTL_TIMEOUT", "SSH_AUTH_SOCK", "SKILLCTL_MIRROR"} {
		env.Setenv(v, "")
	}
	env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	env.Setenv("NO_COLOR", "")
	env.Setenv("CORPUS", corpusDir())
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	env.Setenv("REPO_ROOT", root)
	env.Values[serverKey{}] = &serverSlot{}
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
		// linkto PATH [TARGET]: PATH is a symbolic link (holding TARGET exactly, when given).
		"linkto": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) < 1 || len(args) > 2 {
				ts.Fatalf("usage: linkto PATH [TARGET]")
			}
			got, err := os.Readlink(ts.MkAbs(args[0]))
			ok := err == nil && (len(args) == 1 || got == filepath.FromSlash(args[1]))
			if ok == neg {
				ts.Fatalf("linkto %s: link holds %q (%v)", args[0], got, err)
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
		// randfile FILE SIZE: FILE gets SIZE deterministic bytes that do not compress.
		"randfile": func(ts *testscript.TestScript, neg bool, args []string) {
			if len(args) != 2 {
				ts.Fatalf("usage: randfile FILE SIZE")
			}
			n, err := strconv.Atoi(args[1])
			ts.Check(err)
			b := make([]byte, n)
			rand.NewChaCha8([32]byte{7}).Read(b)
			ts.Check(os.MkdirAll(filepath.Dir(ts.MkAbs(args[0])), 0o755))
			ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o644))
		},
		"gitserver": cmdGitServer,
		"sshserver": cmdSSHServer,
		"mkfifo":    cmdMkfifo,
		// onterminal COLS FILE PROGRAM [ARGS...]: see script_pty_linux_test.go.
		"onterminal": cmdOnTerminal,
		"gitrepo":    cmdGitRepo,
		"webserver":  cmdWebServer,
		"mkarchive":  cmdMkArchive,
		"digest":     cmdDigest,
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

type serverKey struct{}

// serverSlot holds a script's git server; Setup puts an empty one in every script's values.
type serverSlot struct{ s *gittest.Server }

func server(ts *testscript.TestScript) *gittest.Server {
	s := ts.Value(serverKey{}).(*serverSlot).s
	if s == nil {
		ts.Fatalf("no git server: run 'gitserver start' first")
	}
	return s
}

// gitserver start | stop | restart | reset | shape github|v0|nofilter|tipsonly | auth USER PASS|off |
// fault NAME [COUNT] | down OWNER/REPO | up OWNER/REPO | fetches N | requests N | maxbytes N | https |
// date RFC3339 | delay DURATION
//
// start serves $WORK/.repos on 127.0.0.1 and sets $GITSERVER to its URL; fetches and requests assert the
// count of upload-pack rounds (or of all HTTP requests) since start or the last reset. https serves the
// same repositories over https at every host name (https://ANY.HOST/OWNER/REPO) through a CONNECT proxy:
// it sets HTTPS_PROXY and SSL_CERT_FILE and clears NO_PROXY, so no request leaves the machine. down makes
// one repository answer 503 (a registry that cannot be reached) while the others serve; up brings it back.
// date sets the author and committer time of the commits gitrepo makes from then on. delay holds every
// request that long before answering it (a simulated round trip; 0 for none).
func cmdGitServer(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: gitserver start|stop|restart|reset|fault NAME|fetches N|requests N")
	}
	if args[0] == "start" {
		s, err := gittest.Start(ts.MkAbs(".repos"))
		ts.Check(err)
		ts.Defer(s.Close)
		ts.Value(serverKey{}).(*serverSlot).s = s
		ts.Setenv("GITSERVER", s.URL())
		return
	}
	s := server(ts)
	switch args[0] {
	case "stop":
		s.Stop()
	case "restart":
		ts.Check(s.Restart())
	case "reset":
		s.ResetStats()
	case "https":
		f, err := s.StartFront(ts.MkAbs(".front"))
		ts.Check(err)
		ts.Defer(f.Close)
		ts.Setenv("HTTPS_PROXY", f.ProxyURL)
		ts.Setenv("https_proxy", "")
		ts.Setenv("NO_PROXY", "")
		ts.Setenv("no_proxy", "")
		ts.Setenv("SSL_CERT_FILE", f.CAFile)
	case "auth":
		if len(args) == 2 && args[1] == "off" {
			s.SetAuth("", "")
			return
		}
		if len(args) != 3 {
			ts.Fatalf("usage: gitserver auth USER PASS | auth off")
		}
		s.SetAuth(args[1], args[2])
	case "down", "up":
		if len(args) != 2 {
			ts.Fatalf("usage: gitserver down|up OWNER/REPO")
		}
		s.SetDown(args[1], args[0] == "down")
	case "date":
		if len(args) != 2 {
			ts.Fatalf("usage: gitserver date RFC3339")
		}
		s.SetCommitDate(args[1])
	case "delay":
		if len(args) != 2 {
			ts.Fatalf("usage: gitserver delay DURATION")
		}
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		s.SetDelay(d)
	case "shape":
		sh, err := gittest.ParseShape(args[1])
		ts.Check(err)
		s.SetShape(sh)
	case "fault":
		f, err := gittest.ParseFault(args[1])
		ts.Check(err)
		n := 0
		if len(args) > 2 {
			n, err = strconv.Atoi(args[2])
			ts.Check(err)
		}
		s.SetFaultCount(f, n)
	case "maxbytes":
		limit, err := strconv.ParseInt(args[1], 10, 64)
		ts.Check(err)
		if got := s.Stats().BytesOut; (got <= limit) == neg {
			ts.Fatalf("server sent %d bytes, limit %d", got, limit)
		}
	case "fetches", "requests":
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		st := s.Stats()
		got := st.Fetches
		if args[0] == "requests" {
			got = st.Requests
		}
		if (got == want) == neg {
			ts.Fatalf("%s = %d, want %d", args[0], got, want)
		}
	default:
		ts.Fatalf("gitserver: unknown subcommand %q", args[0])
	}
}

// sshserver start [trust]: runs a real sshd on 127.0.0.1 for the user running the tests, puts its key in
// $HOME/.ssh/id_ed25519 and, with trust, its host key in $HOME/.ssh/known_hosts. It sets $SSHREPOS to
// the ssh:// URL of $WORK/.repos (the git server's repositories), $SSHPORT and $SSHFP (the host key's
// fingerprint). Guard scripts with [!sshd] skip.
func cmdSSHServer(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || args[0] != "start" {
		ts.Fatalf("usage: sshserver start [trust]")
	}
	s, err := gittest.StartSSH(ts.MkAbs(".sshd"))
	ts.Check(err)
	ts.Defer(s.Close)
	home := ts.Getenv("HOME")
	ts.Check(os.MkdirAll(filepath.Join(home, ".ssh"), 0o700))
	key, err := os.ReadFile(s.ClientKey)
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), key, 0o600))
	if len(args) > 1 && args[1] == "trust" {
		ts.Check(os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte(s.KnownHosts), 0o600))
	}
	ts.Setenv("SSHREPOS", s.URL(ts.MkAbs(".repos")))
	ts.Setenv("SSHPORT", strconv.Itoa(s.Port))
	ts.Setenv("SSHUSER", s.User)
	ts.Setenv("SSHFP", s.Fingerprint)
}

// gitrepo commit OWNER/REPO BRANCH DIR VAR | tag OWNER/REPO TAG COMMIT | config OWNER/REPO KEY VALUE
//
// commit commits the content of DIR (relative to $WORK) on BRANCH and sets $VAR to the commit hash.
func cmdGitRepo(ts *testscript.TestScript, neg bool, args []string) {
	s := server(ts)
	if len(args) < 4 {
		ts.Fatalf("usage: gitrepo commit REPO BRANCH DIR VAR | tag REPO TAG COMMIT | config REPO KEY VALUE")
	}
	switch args[0] {
	case "commit":
		if len(args) != 5 {
			ts.Fatalf("usage: gitrepo commit REPO BRANCH DIR VAR")
		}
		c, err := s.Commit(args[1], args[2], ts.MkAbs(args[3]), "commit "+args[3])
		ts.Check(err)
		ts.Setenv(args[4], c)
	case "tag":
		ts.Check(s.Tag(args[1], args[2], args[3]))
	case "config":
		ts.Check(s.Configure(args[1], args[2], args[3]))
	default:
		ts.Fatalf("gitrepo: unknown subcommand %q", args[0])
	}
}
