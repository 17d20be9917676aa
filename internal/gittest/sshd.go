package gittest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHServer is a real OpenSSH sshd on 127.0.0.1 that lets one generated key log in as the user running
// the tests, whose git-upload-pack then serves any repository by absolute path: the git CLI's and
// GitHub's SSH transport, for tests of an SSH client.
type SSHServer struct {
	Port        int
	User        string // the login name
	ClientKey   string // private key (ed25519, no passphrase) the server accepts
	KnownHosts  string // a known_hosts line for this server
	Fingerprint string // the host key's SHA256 fingerprint
	cmd         *exec.Cmd
	done        chan struct{}
	stderr      bytes.Buffer
}

// SSHD returns the sshd binary, or why SSH tests cannot run here.
func SSHD() (string, error) {
	for _, p := range []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd"} {
		if _, err := os.Stat(p); err == nil {
			if _, err := exec.LookPath("ssh-keygen"); err != nil {
				return "", errors.New("ssh-keygen not on PATH")
			}
			return p, nil
		}
	}
	if p, err := exec.LookPath("sshd"); err == nil {
		return p, nil
	}
	return "", errors.New("no sshd (Debian: apt-get install openssh-server)")
}

// StartSSH runs sshd with its keys and configuration under dir, on a free loopback port.
func StartSSH(dir string) (*SSHServer, error) {
	sshd, err := SSHD()
	if err != nil {
		return nil, err
	}
	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("gittest: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("gittest: %w", err)
	}
	hostKey, clientKey := filepath.Join(dir, "host_ed25519"), filepath.Join(dir, "client_ed25519")
	for _, k := range []string{hostKey, clientKey} {
		if _, err := os.Stat(k); err == nil {
			continue
		}
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "gittest", "-f", k).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("gittest: ssh-keygen: %v: %s", err, out)
		}
	}
	pub, err := os.ReadFile(clientKey + ".pub")
	if err != nil {
		return nil, fmt.Errorf("gittest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		return nil, fmt.Errorf("gittest: %w", err)
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		return nil, fmt.Errorf("gittest: %w", err)
	}
	pk, _, _, _, err := ssh.ParseAuthorizedKey(hostPub)
	if err != nil {
		return nil, fmt.Errorf("gittest: %w", err)
	}
	if os.Geteuid() == 0 {
		os.MkdirAll("/run/sshd", 0o755) // sshd's privilege separation folder, made by its service normally
	}
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &SSHServer{Port: port, User: u.Username, ClientKey: clientKey, Fingerprint: ssh.FingerprintSHA256(pk), done: make(chan struct{})}
		f := strings.Fields(string(hostPub))
		s.KnownHosts = fmt.Sprintf("[127.0.0.1]:%d %s %s\n", port, f[0], f[1])
		cfg := filepath.Join(dir, "sshd_config")
		conf := strings.Join([]string{
			"Port " + strconv.Itoa(port), "ListenAddress 127.0.0.1", "HostKey " + hostKey,
			"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"), "PidFile none", "StrictModes no",
			"UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "PubkeyAuthentication yes",
			"PermitRootLogin prohibit-password", "AllowTcpForwarding no", "X11Forwarding no", "PrintMotd no",
			"LogLevel ERROR", "AllowUsers " + u.Username,
			// bash started by sshd reads ~/.bashrc unless it is a nested shell; a login shell's startup
			// files are the machine's, not the test's (one here takes seconds), so it is told it is nested.
			"SetEnv SHLVL=1",
		}, "\n") + "\n"
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			return nil, fmt.Errorf("gittest: %w", err)
		}
		s.cmd = exec.Command(sshd, "-D", "-e", "-f", cfg)
		s.cmd.Stderr = &s.stderr
		dieWithParent(s.cmd)
		if err := s.cmd.Start(); err != nil {
			return nil, fmt.Errorf("gittest: sshd: %w", err)
		}
		go func() { s.cmd.Wait(); close(s.done) }()
		if err := s.wait(); err != nil {
			s.Close()
			last = err
			continue
		}
		return s, nil
	}
	return nil, last
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("gittest: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// wait returns once sshd answers with its banner, or fails when it exits first.
func (s *SSHServer) wait() error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("gittest: sshd exited: %s", strings.TrimSpace(s.stderr.String()))
		default:
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.Port), time.Second)
		if err == nil {
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 8)
			n, _ := c.Read(buf)
			c.Close()
			if strings.HasPrefix(string(buf[:n]), "SSH-") {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("gittest: sshd did not answer within 10s")
}

// URL is the ssh:// clone URL of the repository at the absolute path dir.
func (s *SSHServer) URL(dir string) string {
	return fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", s.User, s.Port, filepath.ToSlash(dir))
}

// Close stops sshd.
func (s *SSHServer) Close() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		<-s.done
	}
}
