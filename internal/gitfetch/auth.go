package gitfetch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// Credentials for HTTP(S) servers come from these sources, first match wins:
//
//  1. SKILLCTL_TOKEN_<HOST>: a token for that host alone (HOST upper-cased, every character that is not
//     a letter or digit written as '_': SKILLCTL_TOKEN_GIT_EXAMPLE_COM; with a port, the form with the
//     port is tried first: SKILLCTL_TOKEN_GIT_EXAMPLE_COM_8443);
//  2. GITHUB_TOKEN, then GH_TOKEN, for github.com;
//  3. GH_ENTERPRISE_TOKEN (or GITHUB_ENTERPRISE_TOKEN) for the host named by GH_HOST;
//  4. GITLAB_TOKEN for gitlab.com;
//  5. the machine entry for the host in $NETRC, else ~/.netrc;
//  6. last, and only after the server answered 401, `git credential fill` when a git binary is on PATH,
//     with prompts disabled and a time bound.
//
// A credential is sent only over https, or over http to a loopback address; never in a URL, an argument
// list, a log line, the lock or the cache; and a redirect to another scheme, host or port drops it.

// TokenVar is the per-host token variable for host ("host" or "host:port").
func TokenVar(host string) string {
	var b strings.Builder
	b.WriteString("SKILLCTL_TOKEN_")
	for _, r := range strings.ToUpper(host) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// credential is what was found for a host and where it came from.
type credential struct {
	user, pass string
	from       string   // the source used, e.g. "GITHUB_TOKEN"; "" when none
	tried      []string // every source looked at, in order, for messages
}

// credentialsFor looks up the sources above (all but the git helper) for an http(s) URL.
func credentialsFor(raw string) credential {
	var c credential
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return c
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme == "http" && !loopback(host) {
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
	if p := u.Port(); p != "" {
		if v := TokenVar(host + ":" + p); try(v, "x-access-token", os.Getenv(v)) {
			return c
		}
	}
	if v := TokenVar(host); try(v, "x-access-token", os.Getenv(v)) {
		return c
	}
	switch host {
	case "github.com":
		if try("GITHUB_TOKEN", "x-access-token", os.Getenv("GITHUB_TOKEN")) || try("GH_TOKEN", "x-access-token", os.Getenv("GH_TOKEN")) {
			return c
		}
	case "gitlab.com":
		if try("GITLAB_TOKEN", "oauth2", os.Getenv("GITLAB_TOKEN")) {
			return c
		}
	}
	if gh := strings.ToLower(os.Getenv("GH_HOST")); gh != "" && gh == host {
		if try("GH_ENTERPRISE_TOKEN", "x-access-token", os.Getenv("GH_ENTERPRISE_TOKEN")) ||
			try("GITHUB_ENTERPRISE_TOKEN", "x-access-token", os.Getenv("GITHUB_ENTERPRISE_TOKEN")) {
			return c
		}
	}
	file, label := netrcFile()
	if file != "" {
		data, err := os.ReadFile(file)
		var user, pass string
		if err == nil {
			user, pass = netrcLookup(data, host)
		}
		if try(label, user, pass) {
			return c
		}
	}
	return c
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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

// netrcLookup returns the login and password of the machine entry for host, or of the default entry.
// It reads the tokens of the format (machine, default, login, password, account, macdef) and ignores
// the rest; a macdef body runs to the next blank line.
func netrcLookup(data []byte, host string) (user, pass string) {
	type entry struct{ user, pass string }
	var cur *entry
	var found, def *entry
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
				if strings.EqualFold(next(), host) && found == nil {
					found = &entry{}
					cur = found
				}
			case "default":
				cur = nil
				if def == nil {
					def = &entry{}
					cur = def
				}
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
	switch {
	case found != nil:
		return found.user, found.pass
	case def != nil:
		return def.user, def.pass
	}
	return "", ""
}

// gitCredentialTimeout bounds `git credential fill`: a helper that wants a prompt must not hang a command.
const gitCredentialTimeout = 5 * time.Second

// gitCredential asks git's credential helpers for u's host, with every prompt disabled. It returns
// nothing when git is not on PATH or no helper answers in time.
func gitCredential(ctx context.Context, u *url.URL) (user, pass string, ok bool) {
	git, err := exec.LookPath("git")
	if err != nil {
		return "", "", false
	}
	ctx, cancel := context.WithTimeout(ctx, gitCredentialTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, git, "credential", "fill")
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "GCM_INTERACTIVE=never")
	in := fmt.Sprintf("protocol=%s\nhost=%s\npath=%s\n\n", u.Scheme, u.Host, strings.TrimPrefix(u.Path, "/"))
	if strings.ContainsAny(in[:len(in)-2], "\x00") || strings.Count(in, "\n") != 4 {
		return "", "", false // a newline in a field would let a URL inject helper input
	}
	cmd.Stdin = strings.NewReader(in)
	var out bytes.Buffer
	cmd.Stdout = &limitedBuffer{b: &out, left: 64 << 10}
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
	return []string{
		"set " + TokenVar(e.Host) + " to a token for " + e.Host,
		"or add 'machine " + e.Host + " login USER password TOKEN' to ~/.netrc",
	}
}
