package gitfetch

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/skillctl/skillctl/internal/gittest"
)

// sshFixture serves the fixture's repositories through a real sshd on 127.0.0.1, with the test key in a
// fresh ~/.ssh and, when trust is set, the host in its known_hosts.
func sshFixture(t *testing.T, trust bool) (*fixture, *gittest.SSHServer) {
	if _, err := gittest.SSHD(); err != nil {
		t.Skipf("SSH tests need sshd: %v", err)
	}
	fx := newFixture(t, "acme/skills")
	srv, err := gittest.StartSSH(t.TempDir())
	if err != nil {
		t.Skipf("sshd cannot run here: %v", err)
	}
	t.Cleanup(srv.Close)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("SSH_AUTH_SOCK", "")
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	key, _ := os.ReadFile(srv.ClientKey)
	os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), key, 0o600)
	if trust {
		os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte(srv.KnownHosts), 0o600)
	}
	return fx, srv
}

func TestSSH(t *testing.T) {
	fx, srv := sshFixture(t, true)
	url := srv.URL(filepath.Join(fx.srv.Root(), "acme", "skills.git"))
	s, err := Open(Remote{URL: url, Log: fx.log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	refs, err := s.Refs(ctx, "refs/heads/main")
	if err != nil || refs["refs/heads/main"] != fx.commit {
		t.Fatalf("refs = %v, %v", refs, err)
	}
	got, err := s.Fetch(ctx, fx.commit, []string{"skills/python/async"})
	if err != nil {
		t.Fatal(err)
	}
	if f := got["skills/python/async"]; f == nil || len(f.Files) != 4 {
		t.Fatalf("folder = %v", f)
	}
	// Every request opens a connection (a new git-upload-pack), so this test keeps to a few: about a
	// second on a quiet machine.
	if _, err := s.Fetch(ctx, strings.Repeat("0123456789", 4), []string{"x"}); !isType[*MissingCommitError](err) {
		t.Errorf("absent commit: %T %v", err, err)
	}
	if fx.log.String() != "" {
		t.Errorf("log: %s", fx.log)
	}
	// A repository the server does not have: its own words, from stderr.
	_, err = ListRefs(ctx, Remote{URL: srv.URL(filepath.Join(fx.srv.Root(), "acme", "nothing.git"))})
	if !isType[*RemoteError](err) || !strings.Contains(err.Error(), "does not appear to be a git repository") {
		t.Errorf("absent repository: %T %v", err, err)
	}

	// The key from ssh-agent alone, with no key file left in ~/.ssh.
	agentBin, err := exec.LookPath("ssh-agent")
	if err != nil {
		t.Skip("no ssh-agent")
	}
	home, _ := os.UserHomeDir()
	os.Remove(filepath.Join(home, ".ssh", "id_ed25519"))
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ag := exec.Command(agentBin, "-D", "-a", sock)
	if err := ag.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { ag.Process.Kill(); ag.Wait() }()
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Setenv("SSH_AUTH_SOCK", sock)
	if out, err := exec.Command("ssh-add", "-q", srv.ClientKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v: %s", err, out)
	}
	if refs, err := ListRefs(ctx, Remote{URL: url}); err != nil || refs["refs/heads/main"] != fx.commit {
		t.Errorf("through ssh-agent: %v, %v", refs, err)
	}
	// Each connection's link to ssh-agent is closed after its handshake.
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		for i := 0; i < 3; i++ {
			ListRefs(ctx, Remote{URL: url})
		}
		if after, _ := os.ReadDir("/proc/self/fd"); len(after)-len(fds) >= 3 {
			t.Errorf("%d file descriptors left open by 3 listings", len(after)-len(fds))
		}
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	_, err = ListRefs(ctx, Remote{URL: url})
	if !isType[*SSHAuthError](err) || !strings.Contains(err.Error(), "accepted none of the ssh keys") {
		t.Errorf("no key at all: %T %v", err, err)
	}
}

func TestSSHUnknownHost(t *testing.T) {
	fx, srv := sshFixture(t, false)
	url := srv.URL(filepath.Join(fx.srv.Root(), "acme", "skills.git"))
	_, err := ListRefs(context.Background(), Remote{URL: url})
	var he *HostKeyError
	if !errors.As(err, &he) || he.Changed || !strings.Contains(err.Error(), "unknown host key "+srv.Fingerprint) {
		t.Fatalf("err = %T %v", err, err)
	}
	if h := strings.Join(he.Hints(), "\n"); !strings.Contains(h, "ssh-keyscan -p ") {
		t.Errorf("hint = %s", h)
	}
}

// hostileSSH serves SSH on 127.0.0.1 with no login required; every command a client runs gets answer,
// whatever it asked. The host is in a fresh ~/.ssh/known_hosts. It returns the repository's URL.
func hostileSSH(t *testing.T, answer func(w io.Writer)) string {
	_, key, _ := ed25519.GenerateKey(nil)
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, chans, reqs, err := ssh.NewServerConn(conn, cfg)
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				for nc := range chans {
					ch, creqs, err := nc.Accept()
					if err != nil {
						return
					}
					go func() {
						for r := range creqs {
							r.Reply(r.Type == "exec", nil)
							if r.Type == "exec" {
								answer(ch)
								ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
								ch.Close()
							}
						}
					}()
				}
			}()
		}
	}()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("SSH_AUTH_SOCK", "")
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	port := ln.Addr().(*net.TCPAddr).Port
	line := fmt.Sprintf("[127.0.0.1]:%d %s", port, ssh.MarshalAuthorizedKey(signer.PublicKey()))
	os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte(line), 0o600)
	return fmt.Sprintf("ssh://git@127.0.0.1:%d/acme/skills.git", port)
}

// A server's list of refs is bounded over SSH as over HTTP: an advertisement past 64 MiB is refused.
func TestSSHAdvertisementBounded(t *testing.T) {
	url := hostileSSH(t, func(w io.Writer) {
		io.WriteString(w, pkts(strings.Repeat("1", 40)+" HEAD\x00multi_ack\n"))
		long := strings.Repeat("x", 65_000)
		for i := 0; i < 1100; i++ { // 70 MiB in refs with long names, then a flush
			if _, err := io.WriteString(w, pkts(fmt.Sprintf("%s refs/heads/%04d%s\n", strings.Repeat("1", 40), i, long))); err != nil {
				return
			}
		}
		io.WriteString(w, "0000")
	})
	_, err := ListRefs(context.Background(), Remote{URL: url})
	if !isType[*LimitError](err) || !strings.Contains(err.Error(), "list of refs is larger than 64 MiB") {
		t.Errorf("err = %T %v", err, err)
	}
}
