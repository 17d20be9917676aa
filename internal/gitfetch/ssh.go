package gitfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	gogitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// sshWire fetches over SSH through go-git's ssh transport (protocol v0: git-upload-pack on the server),
// with the same partial-fetch requests as HTTP. Keys come from ssh-agent and the unencrypted
// ~/.ssh/id_* files; the server's host key must be in ~/.ssh/known_hosts (or /etc/ssh/ssh_known_hosts):
// an unknown host is refused with its fingerprint, a changed one as a possible attack.
type sshWire struct {
	s       *Session
	url     string
	ep      *transport.Endpoint
	auth    *sshAuth
	client  transport.Transport
	adv     *packp.AdvRefs
	hostErr *HostKeyError // set by the host key check when it refused
}

// isSCPLike matches git's USER@HOST:PATH form (no scheme, '@' before the first ':', no '/' before it).
func isSCPLike(s string) bool {
	if strings.Contains(s, "://") {
		return false
	}
	at, colon, slash := strings.Index(s, "@"), strings.Index(s, ":"), strings.Index(s, "/")
	return at > 0 && colon > at && (slash < 0 || colon < slash)
}

func newSSHWire(s *Session) (*sshWire, error) {
	ep, err := transport.NewEndpoint(s.r.URL)
	if err != nil || ep.Host == "" {
		return nil, fmt.Errorf("fetch %s: not an ssh clone URL", redact(s.r.URL))
	}
	if ep.Password != "" {
		return nil, fmt.Errorf("fetch %s: a password in an ssh URL is refused; use ssh-agent or ~/.ssh keys", redact(s.r.URL))
	}
	if strings.HasPrefix(ep.Host, "-") || strings.HasPrefix(ep.User, "-") || strings.HasPrefix(ep.Path, "-") {
		return nil, fmt.Errorf("fetch %s: not an ssh clone URL", redact(s.r.URL))
	}
	user := ep.User
	if user == "" {
		user = "git"
	}
	w := &sshWire{s: s, url: s.r.URL, ep: ep, client: gogitssh.NewClient(nil)}
	t := s.r.Timeout
	if t <= 0 {
		t = envTimeout()
	}
	port := ep.Port
	if port == 0 {
		port = gogitssh.DefaultPort
	}
	w.auth = &sshAuth{user: user, timeout: t, hostPort: net.JoinHostPort(ep.Host, strconv.Itoa(port)), w: w}
	return w, nil
}

func (w *sshWire) where() string { return w.url }
func (w *sshWire) close()        {}

// HostKeyError is an SSH server whose host key known_hosts does not vouch for.
type HostKeyError struct {
	Host, Port  string
	Fingerprint string
	Changed     bool // known_hosts holds another key for the host
}

func (e *HostKeyError) Error() string {
	if e.Changed {
		return fmt.Sprintf("ssh %s: the host key %s does not match known_hosts: someone may be intercepting the connection; not connecting", e.Host, e.Fingerprint)
	}
	return fmt.Sprintf("ssh %s: unknown host key %s; not connecting", e.Host, e.Fingerprint)
}

func (e *HostKeyError) Hints() []string {
	if e.Changed {
		return []string{"if the server's key really changed, remove its old line: ssh-keygen -R " + e.Host}
	}
	scan := "ssh-keyscan " + e.Host
	if e.Port != "" && e.Port != "22" {
		scan = "ssh-keyscan -p " + e.Port + " " + e.Host
	}
	return []string{"check " + e.Fingerprint + " with the server's owner, then trust it: " + scan + " >> ~/.ssh/known_hosts"}
}

// sshAuth is go-git's ssh.AuthMethod for our key sources and host key check.
type sshAuth struct {
	user     string
	timeout  time.Duration
	hostPort string
	w        *sshWire
	tried    []string
}

func (a *sshAuth) Name() string   { return "skillctl" }
func (a *sshAuth) String() string { return "user: " + a.user }

// ClientConfig gathers signers from ssh-agent and ~/.ssh, and checks the host key against known_hosts.
func (a *sshAuth) ClientConfig() (*ssh.ClientConfig, error) {
	a.tried = nil
	var signers []ssh.Signer
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		a.tried = append(a.tried, "ssh-agent")
		if conn, err := net.DialTimeout("unix", sock, a.timeout); err == nil {
			if ss, err := agent.NewClient(conn).Signers(); err == nil {
				signers = append(signers, ss...)
			}
		}
	}
	home, _ := os.UserHomeDir()
	for _, name := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
		p := filepath.Join(home, ".ssh", name)
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		a.tried = append(a.tried, "~/.ssh/"+name)
		k, err := ssh.ParsePrivateKey(data)
		var pm *ssh.PassphraseMissingError
		if errors.As(err, &pm) {
			a.w.s.note("~/.ssh/%s has a passphrase: add it to ssh-agent (ssh-add) for skillctl to use it", name)
			continue
		}
		if err == nil {
			signers = append(signers, k)
		}
	}
	cb, algos := a.hostKeyCheck()
	return &ssh.ClientConfig{
		User:              a.user,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signers...)},
		HostKeyCallback:   cb,
		HostKeyAlgorithms: algos,
		Timeout:           a.timeout,
	}, nil
}

// hostKeyCheck reads known_hosts and returns the check with the key algorithms it knows for the host,
// so the server is asked for the kind of key on record.
func (a *sshAuth) hostKeyCheck() (ssh.HostKeyCallback, []string) {
	home, _ := os.UserHomeDir()
	var files []string
	for _, f := range []string{filepath.Join(home, ".ssh", "known_hosts"), "/etc/ssh/ssh_known_hosts"} {
		if _, err := os.Stat(f); err == nil {
			files = append(files, f)
		}
	}
	var db *knownhosts.HostKeyDB
	if len(files) > 0 {
		db, _ = knownhosts.NewDB(files...)
	}
	host, port, _ := net.SplitHostPort(a.hostPort)
	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := errors.New("no known_hosts file")
		if db != nil {
			err = db.HostKeyCallback()(hostname, remote, key)
		}
		if err == nil {
			return nil
		}
		a.w.hostErr = &HostKeyError{Host: host, Port: port, Fingerprint: ssh.FingerprintSHA256(key), Changed: knownhosts.IsHostKeyChanged(err)}
		return a.w.hostErr
	}
	var algos []string
	if db != nil {
		algos = db.HostKeyAlgorithms(a.hostPort)
	}
	return cb, algos
}

// wrap turns go-git's errors into ours: the host key refusal, a refused login, or a RemoteError.
func (w *sshWire) wrap(err error) error {
	if w.hostErr != nil {
		return w.hostErr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &RemoteError{URL: w.url, Err: err}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "unable to authenticate"):
		tried := "no key found"
		if len(w.auth.tried) > 0 {
			tried = "tried " + strings.Join(w.auth.tried, ", ")
		}
		return &SSHAuthError{URL: w.url, Tried: tried}
	case strings.Contains(msg, "not our ref"):
		return &refusedError{msg: serverText(msg)}
	}
	return &RemoteError{URL: w.url, Err: errors.New(serverText(msg))}
}

// SSHAuthError is an SSH server that accepted none of the keys offered.
type SSHAuthError struct{ URL, Tried string }

func (e *SSHAuthError) Error() string {
	return fmt.Sprintf("fetch %s: the server accepted none of the ssh keys offered (%s)", e.URL, e.Tried)
}

func (e *SSHAuthError) Hints() []string {
	return []string{"load your key into ssh-agent (ssh-add), or put it in ~/.ssh/id_ed25519, and make sure the server knows it"}
}

// discover reads the advertisement once (every later fetch gets it again: each is a new git-upload-pack).
func (w *sshWire) discover(ctx context.Context) error {
	if w.adv != nil {
		return nil
	}
	sess, err := w.client.NewUploadPackSession(w.ep, w.auth)
	if err != nil {
		return w.wrap(err)
	}
	defer sess.Close()
	adv, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		if errors.Is(err, transport.ErrEmptyRemoteRepository) {
			return &RemoteError{URL: w.url, Err: errors.New("repository is empty")}
		}
		return w.wrap(err)
	}
	w.adv = adv
	return nil
}

func (w *sshWire) refs(ctx context.Context, prefixes []string) (map[string]string, error) {
	if err := w.discover(ctx); err != nil {
		return nil, err
	}
	return refsFromAdv(w.adv, prefixes), nil
}

func (w *sshWire) filter(ctx context.Context) (bool, error) {
	if err := w.discover(ctx); err != nil {
		return false, err
	}
	return w.adv.Capabilities.Supports(capability.Filter), nil
}

func (w *sshWire) reachable(ctx context.Context) (bool, error) {
	if err := w.discover(ctx); err != nil {
		return false, err
	}
	return w.adv.Capabilities.Supports(capability.AllowReachableSHA1InWant), nil
}

func (w *sshWire) isTip(h plumbing.Hash) bool {
	if w.adv == nil {
		return false
	}
	for _, r := range w.adv.References {
		if r == h {
			return true
		}
	}
	return false
}

func (w *sshWire) fetch(ctx context.Context, fr fetchReq, put func(plumbing.Hash, object)) (packResult, error) {
	if err := w.discover(ctx); err != nil {
		return packResult{}, err
	}
	sess, err := w.client.NewUploadPackSession(w.ep, w.auth)
	if err != nil {
		return packResult{}, w.wrap(err)
	}
	defer sess.Close()
	adv, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return packResult{}, w.wrap(err)
	}
	req := packp.NewUploadPackRequest()
	for _, c := range []capability.Capability{capability.OFSDelta, capability.NoProgress} {
		if adv.Capabilities.Supports(c) {
			req.Capabilities.Set(c)
		}
	}
	req.Capabilities.Set(capability.Agent, "skillctl")
	if fr.depth > 0 {
		req.Capabilities.Set(capability.Shallow)
		req.Depth = packp.DepthCommits(fr.depth)
	}
	if fr.filter != "" {
		req.Capabilities.Set(capability.Filter)
		req.Filter = fr.filter
	}
	req.Wants = fr.wants
	resp, err := sess.UploadPack(ctx, req)
	if err != nil {
		return packResult{}, w.wrap(err)
	}
	defer resp.Close()
	got := map[plumbing.Hash]object{}
	var body io.Reader = resp
	if fr.budget > 0 {
		body = &budgetReader{r: resp, left: fr.budget}
	}
	res, err := readPack(body, fr.pol, func(h plumbing.Hash, o object) { got[h] = o })
	if err != nil {
		var le *LimitError
		switch {
		case errors.Is(err, errTooLarge):
			return res, &LimitError{Problem: fmt.Sprintf("a file is larger than the %s limit", humanBytes(fr.pol.maxBlob))}
		case errors.As(err, &le):
			return res, err
		}
		return res, w.wrap(err)
	}
	for h, o := range got {
		put(h, o)
	}
	return res, nil
}

// budgetReader stops a response past its byte budget.
type budgetReader struct {
	r    io.Reader
	left int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, &LimitError{Problem: "the server sent more than the fetch may take"}
	}
	return n, err
}
