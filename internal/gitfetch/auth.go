package gitfetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// This file is the one owner of "the credential for a host": which secret, if any, goes with a request
// to a URL. The HTTP wire (capabilities, ls-refs, fetches, so registry indexes and skills alike) gets
// its credential from credentialFor through Remote.WithEnvToken, asks gitCredential after a 401 (withHelperCredential), and
// keeps it across a redirect only when sameOrigin says so. SSH and file:// send none. Matching is by
// the URL a request is sent to, so a caller that rewrites a URL (a mirror) rewrites first, then asks.
//
// Sources, first match wins:
//
//  1. SKILLCTL_TOKEN_<HOST>: a token for that host alone, spelled by tokenVar (one-to-one: letters
//     upper-cased, digits kept, '.' as '_', '-' as '__', the port after '___'): SKILLCTL_TOKEN_GIT_EXAMPLE_COM,
//     SKILLCTL_TOKEN_MY__HOST_EXAMPLE for my-host.example; with a port the port form is tried first:
//     SKILLCTL_TOKEN_GIT_EXAMPLE_COM___8443;
//  2. GITHUB_TOKEN, then GH_TOKEN, for github.com;
//  3. GH_ENTERPRISE_TOKEN (or GITHUB_ENTERPRISE_TOKEN) for the host named by GH_HOST;
//  4. GITLAB_TOKEN for gitlab.com;
//  5. the machine entry for the host in $NETRC, else ~/.netrc (a default entry is never used);
//  6. last, and only after the server answered 401, `git credential fill` (see gitCredential).
//
// Hosts are compared exactly, in one form (authority): IDNA's lookup mapping to lower-case ASCII, no
// trailing dot; the port as a number when the URL gives one. A host spelled with any non-ASCII character
// gets nothing from a variable (1-4). A host that has no such form (an invalid IDNA label, an empty
// label, a last label that is a number but not an IPv4 address, a zoned IPv6 address) gets no credential
// at all. A credential is sent only as basic auth over https, or over http to a loopback address; never
// in a URL, an argument list, a log line, the lock or the cache.

// authority is a URL's scheme, host and port in the one form credentials are matched in.
type authority struct {
	scheme string // "https" or "http"
	host   string // lower-case ASCII: an IDNA name without trailing dot, a dotted-quad IPv4 or an IPv6 address
	port   string // decimal without leading zeros; "" when the URL gives none
	ascii  bool   // the URL spelled the host in ASCII: only then do variables apply
}

// authorityOf returns u's authority, or why no credential can go with u.
func authorityOf(u *url.URL) (authority, error) {
	var a authority
	a.scheme = strings.ToLower(u.Scheme)
	if a.scheme != "https" && a.scheme != "http" {
		return a, errors.New("only http(s) carries credentials")
	}
	h, ascii, err := canonicalHost(u.Hostname())
	if err != nil {
		return a, err
	}
	a.host, a.ascii = h, ascii
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return a, fmt.Errorf("port %q is not a port number", p)
		}
		a.port = strconv.Itoa(n)
	}
	return a, nil
}

// canonicalHost is h in the form credentials are matched in, and whether h was written in ASCII.
func canonicalHost(h string) (string, bool, error) {
	ascii := true
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if h == "" {
		return "", ascii, errors.New("no host")
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		if ip.Zone() != "" || (ip.Is4() && ip.String() != h) {
			return "", ascii, fmt.Errorf("address %q is not in its plain form", h)
		}
		return ip.String(), ascii, nil
	}
	a, err := idna.Lookup.ToASCII(h)
	if err != nil || len(a) > 253 {
		return "", ascii, fmt.Errorf("host %q is not a valid name", h)
	}
	labels := strings.Split(a, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", ascii, fmt.Errorf("host %q is not a valid name", h)
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", ascii, fmt.Errorf("host %q is not a valid name", h)
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", ascii, fmt.Errorf("host %q ends in a number but is not an IPv4 address", h)
	}
	return a, ascii, nil
}

// sendable reports whether a credential may travel to a: over https, or over http to this machine.
func (a authority) sendable() bool { return a.scheme == "https" || loopback(a.host) }

// hostport is the host and the port as git's credential protocol writes them.
func (a authority) hostport() string {
	h := a.host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if a.port != "" {
		h += ":" + a.port
	}
	return h
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// tokenVar is the per-host token variable for a host in canonical form and a port ("" for none), or ""
// when the host has no variable (an IPv6 address). The spelling is one-to-one: a canonical host is
// labels of a-z, 0-9 and inner '-', joined by single dots, so a run of one '_' is a dot, a run of 2n a
// run of n hyphens, and only the port separator makes a run of three.
func tokenVar(host, port string) string {
	var b strings.Builder
	b.WriteString("SKILLCTL_TOKEN_")
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '.':
			b.WriteByte('_')
		case c == '-':
			b.WriteString("__")
		default:
			return ""
		}
	}
	if port != "" {
		b.WriteString("___" + port)
	}
	return b.String()
}

// WithEnvToken sets r's credentials from the first of sources 1-5 (above) that has one for r.URL, over
// https or to a loopback address only. Ask with the URL the request goes to, after any rewrite.
func (r Remote) WithEnvToken() Remote {
	c := credentialFor(r.URL)
	r.Username, r.Password, r.authFrom, r.authTried = c.user, c.pass, c.from, c.tried
	return r
}

// withHelperCredential sets r's credentials from git's credential helpers for raw (source 6), when
// they have one; the wire calls it once per session, after a 401 to a request that carried none.
func (r *Remote) withHelperCredential(ctx context.Context, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if a, err := authorityOf(u); err != nil || !a.sendable() {
		return false
	}
	r.authTried = append(r.authTried, "git credential fill")
	user, pass, ok := gitCredential(ctx, u)
	if ok {
		r.Username, r.Password, r.authFrom = user, pass, "git credential fill"
	}
	return ok
}

// credential is what was found for a URL and where it came from.
type credential struct {
	user, pass string
	from       string   // the source used, e.g. "GITHUB_TOKEN"; "" when none
	tried      []string // every source looked at, in order, for messages
}

// credentialFor is the credential from sources 1-5 for a request to raw.
func credentialFor(raw string) credential {
	var c credential
	u, err := url.Parse(raw)
	if err != nil {
		return c
	}
	a, err := authorityOf(u)
	if err != nil {
		if strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "http") {
			c.tried = append(c.tried, "none: "+err.Error())
		}
		return c
	}
	if !a.sendable() {
		c.tried = append(c.tried, "none: credentials are not sent over plain http")
		return c
	}
	try := func(from, user, pass string) bool {
		c.tried = append(c.tried, from)
		if pass == "" {
			return false
		}
		c.user, c.pass, c.from = user, pass, from
		return true
	}
	if a.ascii {
		if c.variables(a, try) {
			return c
		}
	} else {
		c.tried = append(c.tried, "no variable for a host written in non-ASCII characters")
	}
	if file, label := netrcFile(); file != "" {
		var user, pass string
		if data, err := os.ReadFile(file); err == nil {
			user, pass = netrcLookup(data, a.host)
		}
		try(label, user, pass)
	}
	return c
}

// variables tries sources 1-4 for a, whose host was written in ASCII.
func (c *credential) variables(a authority, try func(from, user, pass string) bool) bool {
	if a.port != "" {
		if v := tokenVar(a.host, a.port); v != "" && try(v, "x-access-token", os.Getenv(v)) {
			return true
		}
	}
	if v := tokenVar(a.host, ""); v != "" && try(v, "x-access-token", os.Getenv(v)) {
		return true
	}
	switch a.host {
	case "github.com":
		if try("GITHUB_TOKEN", "x-access-token", os.Getenv("GITHUB_TOKEN")) || try("GH_TOKEN", "x-access-token", os.Getenv("GH_TOKEN")) {
			return true
		}
	case "gitlab.com":
		if try("GITLAB_TOKEN", "oauth2", os.Getenv("GITLAB_TOKEN")) {
			return true
		}
	}
	if gh := os.Getenv("GH_HOST"); gh != "" {
		if h, ascii, err := canonicalHost(gh); err == nil && ascii && h == a.host {
			return try("GH_ENTERPRISE_TOKEN", "x-access-token", os.Getenv("GH_ENTERPRISE_TOKEN")) ||
				try("GITHUB_ENTERPRISE_TOKEN", "x-access-token", os.Getenv("GITHUB_ENTERPRISE_TOKEN"))
		}
	}
	return false
}

// sameOrigin says whether a redirect to to may keep the credential meant for from: the same scheme,
// host and port (default ports made explicit), both in the form credentials are matched in.
func sameOrigin(to, from *url.URL) bool {
	a, errA := authorityOf(to)
	b, errB := authorityOf(from)
	port := func(x authority) string {
		switch {
		case x.port != "":
			return x.port
		case x.scheme == "https":
			return "443"
		}
		return "80"
	}
	return errA == nil && errB == nil && a.scheme == b.scheme && a.host == b.host && port(a) == port(b)
}

// netrcFile is $NETRC, else ~/.netrc, with the label messages use.
func netrcFile() (string, string) {
	if f := os.Getenv("NETRC"); f != "" {
		return f, "$NETRC"
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", ""
	}
	return filepath.Join(home, ".netrc"), "~/.netrc"
}

// netrcLookup returns the login and password of the first machine entry whose name, in canonical
// form, is host. A default entry is never used: it would send one secret to every host. It reads the
// tokens of the format (machine, default, login, password, account, macdef) and ignores the rest; a
// macdef body runs to the next blank line.
func netrcLookup(data []byte, host string) (user, pass string) {
	type entry struct{ user, pass string }
	var cur, found *entry
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		f := strings.Fields(lines[i])
		for j := 0; j < len(f); j++ {
			next := func() string {
				if j+1 < len(f) {
					j++
					return f[j]
				}
				return ""
			}
			switch f[j] {
			case "machine":
				cur = nil
				if h, _, err := canonicalHost(next()); err == nil && h == host && found == nil {
					found = &entry{}
					cur = found
				}
			case "default":
				cur = nil
			case "login":
				if v := next(); cur != nil {
					cur.user = v
				}
			case "password":
				if v := next(); cur != nil {
					cur.pass = v
				}
			case "account":
				next()
			case "macdef":
				for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
					i++
				}
				j = len(f)
			}
		}
	}
	if found != nil {
		return found.user, found.pass
	}
	return "", ""
}

// gitCredentialTimeout bounds `git credential fill`: a helper that wants a prompt must not hang a command.
const gitCredentialTimeout = 5 * time.Second

// gitCredentialMaxOutput bounds what a helper may answer.
const gitCredentialMaxOutput = 64 << 10

// gitCredential asks the user's own git credential helpers for u, the last source, which the wire uses
// only after a 401. It runs nothing unless u may carry a credential at all (https, or http to loopback,
// with a canonical host). The one process it starts, `git -c safe.bareRepository=explicit credential
// fill` from the git on PATH, sees only configuration the user wrote:
//   - its working folder is a fresh empty temporary folder, removed afterwards, and
//     GIT_CEILING_DIRECTORIES stops git's search for a repository at it, so no project's .git, no bare
//     repository committed in a work tree and nothing in the temporary folder's parent is read;
//   - every GIT_* variable is removed (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, GIT_CONFIG_PARAMETERS,
//     GIT_CONFIG_COUNT/KEY/VALUE, GIT_CONFIG, GIT_EXEC_PATH...) but GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM
//     and GIT_CONFIG_NOSYSTEM, which choose the user's own global and system files, so a run from a git
//     hook or under `git -c` cannot hand it a project's repository or settings;
//   - prompts are off (GIT_TERMINAL_PROMPT=0, empty GIT_ASKPASS and SSH_ASKPASS, GCM_INTERACTIVE=never);
//   - its input is the protocol, host and path lines only, refused when a field holds a control
//     character; its output is capped at 64 KiB, its errors discarded, its time at 5 s.
//
// It returns nothing when git is not on PATH, the temporary folder cannot be made, or no helper answers.
func gitCredential(ctx context.Context, u *url.URL) (user, pass string, ok bool) {
	a, err := authorityOf(u)
	if err != nil || !a.sendable() {
		return "", "", false
	}
	path := strings.TrimPrefix(u.Path, "/")
	in := "protocol=" + a.scheme + "\nhost=" + a.hostport() + "\npath=" + path + "\n\n"
	for _, field := range []string{a.hostport(), path} {
		if strings.ContainsFunc(field, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "", "", false // a newline in a field would let a URL inject helper input
		}
	}
	git, err := exec.LookPath("git")
	if err != nil || !filepath.IsAbs(git) {
		return "", "", false
	}
	dir, err := os.MkdirTemp("", "skillctl-credential-")
	if err != nil {
		return "", "", false
	}
	defer os.RemoveAll(dir)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	ctx, cancel := context.WithTimeout(ctx, gitCredentialTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, git, "-c", "safe.bareRepository=explicit", "credential", "fill")
	cmd.Dir = dir
	cmd.Env = credentialEnv(os.Environ(), filepath.Dir(dir))
	cmd.Stdin = strings.NewReader(in)
	var out bytes.Buffer
	cmd.Stdout = &limitedBuffer{b: &out, left: gitCredentialMaxOutput}
	cmd.Stderr = nil
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return "", "", false
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "username":
			user = v
		case "password":
			pass = v
		}
	}
	return user, pass, pass != ""
}

// credentialEnv is environ without git's variables (but the three that choose the user's global and
// system config files), with repository discovery stopped at ceiling and every prompt disabled.
func credentialEnv(environ []string, ceiling string) []string {
	keep := map[string]bool{"GIT_CONFIG_GLOBAL": true, "GIT_CONFIG_SYSTEM": true, "GIT_CONFIG_NOSYSTEM": true}
	env := make([]string, 0, len(environ)+6)
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		k = strings.ToUpper(k) // Windows names are case-insensitive
		if strings.HasPrefix(k, "GIT_") && !keep[k] || k == "SSH_ASKPASS" || k == "GCM_INTERACTIVE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GIT_CEILING_DIRECTORIES="+ceiling, "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=",
		"GCM_INTERACTIVE=never")
}

type limitedBuffer struct {
	b    *bytes.Buffer
	left int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if len(p) > l.left {
		return 0, errors.New("too much output")
	}
	l.left -= len(p)
	return l.b.Write(p)
}

// AuthError is a server refusing access (HTTP 401 or 403), with the credential sources that were tried.
type AuthError struct {
	URL   string
	Code  int
	Host  string
	From  string   // the source whose credential the server refused; "" when none was sent
	Tried []string // sources looked at, in order
}

func (e *AuthError) Error() string {
	what := "authentication required or repository not accessible"
	if e.From != "" {
		what = "the server refused the credential from " + e.From
	}
	tried := "no credential found"
	if len(e.Tried) > 0 {
		tried = "tried " + strings.Join(e.Tried, ", ")
	}
	return fmt.Sprintf("fetch %s: HTTP %d: %s (%s)", e.URL, e.Code, what, tried)
}

func (e *AuthError) Hints() []string {
	if e.From != "" {
		return []string{"check that the token in " + e.From + " is valid and may read this repository"}
	}
	u, err := url.Parse(e.URL)
	if err != nil {
		return nil
	}
	a, err := authorityOf(u)
	if err != nil {
		return []string{"no credential is sent to this host: " + err.Error()}
	}
	var hints []string
	if v := tokenVar(a.host, ""); v != "" && a.ascii {
		hints = append(hints, "set "+v+" to a token for "+a.host)
	}
	netrc := "add 'machine " + a.host + " login USER password TOKEN' to ~/.netrc"
	if len(hints) > 0 {
		netrc = "or " + netrc
	}
	return append(hints, netrc)
}
