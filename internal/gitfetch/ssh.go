package gitfetch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/skillctl/skillctl/internal/textsafe"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/kevinburke/ssh_config"
	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// sshWire fetches over SSH (protocol v0: git-upload-pack on the server, over golang.org/x/crypto/ssh),
// with the same partial-fetch requests and answers as HTTP's v0. Keys come from ssh-agent and the unencrypted
// ~/.ssh/id_* files; the server's host key must be in ~/.ssh/known_hosts (or /etc/ssh/ssh_known_hosts):
// an unknown host is refused with its fingerprint, a changed one as a possible attack.
type sshWire struct {
	s       *Session
	url     string
	ep      *transport.Endpoint
	auth    *sshAuth
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
		return nil, fmt.Errorf("fetch %s: not an ssh clone URL", textsafe.RedactURL(s.r.URL))
	}
	if ep.Password != "" {
		return nil, fmt.Errorf("fetch %s: a password in an ssh URL is refused; use ssh-agent or ~/.ssh keys", textsafe.RedactURL(s.r.URL))
	}
	if strings.HasPrefix(ep.Host, "-") || strings.HasPrefix(ep.User, "-") || strings.HasPrefix(ep.Path, "-") {
		return nil, fmt.Errorf("fetch %s: not an ssh clone URL", textsafe.RedactURL(s.r.URL))
	}
	user := ep.User
	if user == "" {
		user = "git"
	}
	w := &sshWire{s: s, url: s.r.URL, ep: ep}
	t := s.r.Timeout
	if t <= 0 {
		t = envTimeout()
	}
	w.auth = &sshAuth{user: user, timeout: t, hostPort: sshAddr(ep.Host, ep.Port), w: w}
	return w, nil
}

// sshAddr is where to connect for host, as OpenSSH finds it: the HostName of a matching Host block in
// ~/.ssh/config (or /etc/ssh/ssh_config), so an alias the user set up for git works here too; the URL's
// port, else the block's Port, else 22. The host key is checked for the name connected to.
func sshAddr(host string, port int) string {
	alias := host
	if h := ssh_config.Get(alias, "HostName"); h != "" {
		host = h
	}
	if port == 0 {
		port, _ = strconv.Atoi(ssh_config.Get(alias, "Port"))
	}
	if port <= 0 || port > 65535 {
		port = 22
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
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

// sshAuth is a wire's key sources and host key check.
type sshAuth struct {
	user     string
	timeout  time.Duration
	hostPort string
	w        *sshWire
	tried    []string
}

// ClientConfig gathers signers from ssh-agent and ~/.ssh, and checks the host key against known_hosts.
// Call release once the handshake is over: it closes the connection to ssh-agent, which signs during it.
func (a *sshAuth) ClientConfig() (cfg *ssh.ClientConfig, release func(), err error) {
	a.tried = nil
	release = func() {}
	var signers []ssh.Signer
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		a.tried = append(a.tried, "ssh-agent")
		if conn, err := net.DialTimeout("unix", sock, a.timeout); err == nil {
			release = func() { conn.Close() }
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
	}, release, nil
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

// wrap turns the errors of connecting into ours: the host key refusal, a refused login, or a RemoteError.
func (w *sshWire) wrap(err error) error {
	if w.hostErr != nil {
		return w.hostErr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &RemoteError{URL: w.url, Err: err}
	}
	if strings.Contains(err.Error(), "unable to authenticate") {
		tried := "no key found"
		if len(w.auth.tried) > 0 {
			tried = "tried " + strings.Join(w.auth.tried, ", ")
		}
		return &SSHAuthError{URL: w.url, Tried: tried}
	}
	return &RemoteError{URL: w.url, Err: err}
}

// SSHAuthError is an SSH server that accepted none of the keys offered.
type SSHAuthError struct{ URL, Tried string }

func (e *SSHAuthError) Error() string {
	return fmt.Sprintf("fetch %s: the server accepted none of the ssh keys offered (%s)", e.URL, e.Tried)
}

func (e *SSHAuthError) Hints() []string {
	return []string{"load your key into ssh-agent (ssh-add), or put it in ~/.ssh/id_ed25519, and make sure the server knows it"}
}

// sshCmd is one git-upload-pack on the server, over a connection of its own.
type sshCmd struct {
	conn   *idleConn
	client *ssh.Client
	sess   *ssh.Session
	stdin  io.WriteCloser
	stdout *bufio.Reader // through meter: the advertisement, then the answer, each within its bound
	meter  *budgetReader
	stderr headBuffer
	stop   func() bool // unregisters the close on the context's end
}

// uploadPack connects, starts git-upload-pack on the repository's path and reads its advertisement.
func (w *sshWire) uploadPack(ctx context.Context) (*sshCmd, *packp.AdvRefs, error) {
	cfg, release, err := w.auth.ClientConfig()
	if err != nil {
		return nil, nil, w.wrap(err)
	}
	defer release()
	raw, err := (&net.Dialer{Timeout: w.auth.timeout}).DialContext(ctx, "tcp", w.auth.hostPort)
	if err != nil {
		return nil, nil, w.wrap(err)
	}
	c := &sshCmd{conn: &idleConn{Conn: raw, timeout: w.auth.timeout}}
	c.stop = context.AfterFunc(ctx, func() { c.conn.Close() })
	fail := func(err error) (*sshCmd, *packp.AdvRefs, error) {
		c.close()
		return nil, nil, err
	}
	sc, chans, reqs, err := ssh.NewClientConn(c.conn, w.auth.hostPort, cfg)
	if err != nil {
		return fail(w.failed(ctx, c, err))
	}
	c.client = ssh.NewClient(sc, chans, reqs)
	if c.sess, err = c.client.NewSession(); err != nil {
		return fail(w.failed(ctx, c, err))
	}
	c.sess.Stderr = &c.stderr
	stdin, err := c.sess.StdinPipe()
	if err != nil {
		return fail(err)
	}
	stdout, err := c.sess.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	c.meter = &budgetReader{r: stdout, left: maxRefList, problem: "the server's list of refs is larger than " + humanBytes(maxRefList)}
	c.stdin, c.stdout = stdin, bufio.NewReader(c.meter)
	if err := c.sess.Start("git-upload-pack " + shellQuote(w.ep.Path)); err != nil {
		return fail(w.failed(ctx, c, err))
	}
	adv := packp.NewAdvRefs()
	if err := adv.Decode(c.stdout); err != nil {
		var el *pktline.ErrorLine
		switch {
		case errors.Is(err, packp.ErrEmptyAdvRefs):
			err = errors.New("repository is empty")
		case errors.As(err, &el):
			err = errors.New(serverText(el.Text))
		default:
			err = w.failed(ctx, c, err)
		}
		return fail(asRemote(w.url, err))
	}
	return c, adv, nil
}

// failed explains a failed command. A server that refuses a request writes why (an ERR packet or its
// error side band on stdout, or stderr) and hangs up, often while the rest of the request is still being
// written: so what the server wrote is the story, as git reads it after a failed write, and the failure
// of our own write or read comes last. Stderr is complete once the server ended the command, which the
// connection's idle timeout and the context bound.
func (w *sshWire) failed(ctx context.Context, c *sshCmd, err error) error {
	var le *LimitError
	switch {
	case ctx.Err() != nil:
		return &RemoteError{URL: w.url, Err: context.Cause(ctx)}
	case c.meter != nil && c.meter.left < 0:
		return c.meter.over()
	case c.conn.stalled.Load():
		return &RemoteError{URL: w.url, Err: fmt.Errorf("%w for %v", errStalled, w.auth.timeout)}
	case errors.As(err, &le), errors.Is(err, errRefused):
		return err
	case w.hostErr != nil:
		return w.hostErr
	}
	if c.sess != nil {
		ended := make(chan struct{})
		go func() { c.sess.Wait(); close(ended) }()
		select { // a server that hung up ends at once; one that did not gets a few seconds
		case <-ended:
		case <-time.After(min(w.auth.timeout, 10*time.Second)):
		}
		if msg := c.stderr.lastLine(); msg != "" {
			return &refusedError{msg: serverText(msg)}
		}
	}
	return w.wrap(err)
}

// asRemote makes an error of the advertisement a RemoteError: there, what the server said is no refusal
// of a request a slower strategy could get around.
func asRemote(url string, err error) error {
	var rf *refusedError
	if errors.As(err, &rf) {
		return &RemoteError{URL: url, Err: errors.New(rf.msg)}
	}
	var re *RemoteError
	var he *HostKeyError
	var ae *SSHAuthError
	var le *LimitError
	if errors.As(err, &re) || errors.As(err, &he) || errors.As(err, &ae) || errors.As(err, &le) {
		return err
	}
	return &RemoteError{URL: url, Err: err}
}

// end says goodbye to an upload-pack that was asked nothing (a flush), and closes.
func (c *sshCmd) end() {
	c.stdin.Write([]byte("0000"))
	c.stdin.Close()
	c.close()
}

func (c *sshCmd) close() {
	c.stop()
	if c.client != nil {
		c.client.Close()
	}
	c.conn.Close()
}

// idleConn fails a read that waits longer than timeout for a byte, as the HTTP watchdog does.
type idleConn struct {
	net.Conn
	timeout time.Duration
	stalled atomic.Bool
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	n, err := c.Conn.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.stalled.Store(true)
	}
	return n, err
}

// headBuffer keeps the first 4 KiB written to it: enough of a server's stderr for its message, and no
// more of a hostile one.
type headBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *headBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p[:min(len(p), 4096-len(b.buf))]...)
	return len(p), nil
}

// lastLine is the last line with text, where git writes its "fatal:" message, cut at 300 bytes.
func (b *headBuffer) lastLine() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(b.buf)), "\n")
	return truncate(strings.TrimSpace(lines[len(lines)-1]), 300)
}

// shellQuote quotes s for the remote shell that runs the command, as git does: in single quotes, with '
// and ! (csh's history expansion) closed out and escaped.
func shellQuote(s string) string {
	r := strings.NewReplacer("'", `'\''`, "!", `'\!'`)
	return "'" + r.Replace(s) + "'"
}

// discover reads the advertisement once (every later fetch gets it again: each is a new git-upload-pack).
func (w *sshWire) discover(ctx context.Context) error {
	if w.adv != nil {
		return nil
	}
	c, adv, err := w.uploadPack(ctx)
	if err != nil {
		return err
	}
	c.end()
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
	c, adv, err := w.uploadPack(ctx)
	if err != nil {
		return packResult{}, err
	}
	defer c.close()
	body, err := fetchV0Body(adv.Capabilities, fr)
	if err != nil {
		return packResult{}, err
	}
	// A failed write is not the end: the answer says why (see failed).
	_, werr := c.stdin.Write(body)
	if werr == nil {
		c.stdin.Close()
	}
	c.meter.left, c.meter.problem = fr.budget, "the server sent more than the fetch may take"
	if fr.budget <= 0 {
		c.meter.left = math.MaxInt64
	}
	res, err := readV0Answer(c.stdout, adv.Capabilities, fr, put)
	if err != nil {
		return res, w.failed(ctx, c, err)
	}
	return res, nil
}

// budgetReader stops a response past its byte budget. The SSH stdout keeps one, and sets its budget and
// what passing it means for each part it reads.
type budgetReader struct {
	r       io.Reader
	left    int64
	problem string
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, b.over()
	}
	return n, err
}

func (b *budgetReader) over() error { return &LimitError{Problem: b.problem} }
