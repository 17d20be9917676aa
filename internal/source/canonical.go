package source

import (
	"net/netip"
	"net/url"
	"strings"
)

// Canonical is the one spelling of a repository's address: every comparison of two repositories compares
// their canonical forms, and the lock records this form. Two spellings of one repository that a server
// cannot tell apart become one:
//
//   - the scheme and host are lowercased, and a default port (80 for http, 443 for https, 22 for ssh) is
//     dropped; github.com is always https, as Parse reads it;
//   - the path loses empty segments (a trailing or doubled slash), is percent-encoded one way, and loses
//     one trailing ".git": git servers answer for REPO and REPO.git alike;
//   - on github.com, where owner and repository names ignore case, the path is lowercased;
//   - an SSH login name is kept (it says who logs in); scp-like USER@HOST:PATH stays in that form, since
//     its path is relative to the login's home and means another thing as an ssh:// URL.
//
// file:// addresses are folders on this machine, so their path is only cleaned: a bare repository's
// folder may well be called REPO.git. Anything else (not an address Parse produces) is returned as it is.
// Canonical is idempotent, and reading a lock written before it existed goes through it too, so an old
// lock's "…/REPO.git" and a new one's "…/REPO" compare equal.
func Canonical(repo string) string {
	if isSCP(repo) && !strings.Contains(repo, "://") {
		return canonicalSCP(repo)
	}
	u, err := url.Parse(repo)
	if err != nil || u.Opaque != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return repo
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "file":
		if h := strings.ToLower(u.Host); h != "" && h != "localhost" {
			return repo
		}
		segs := splitPath(u.EscapedPath())
		if len(segs) == 0 {
			return repo
		}
		return "file:///" + strings.Join(segs, "/")
	case "http", "https", "ssh":
	default:
		return repo
	}
	host := authority(u, scheme)
	if host == "" {
		return repo
	}
	segs := splitPath(u.EscapedPath())
	if len(segs) == 0 {
		return repo
	}
	if host == "github.com" && scheme != "ssh" {
		scheme = "https"
	}
	if host == "github.com" { // before trimGit, so that "R.GIT" loses its suffix as "r.git" does
		for i := range segs {
			segs[i] = strings.ToLower(segs[i])
		}
	}
	trimGit(segs)
	user := ""
	if u.User != nil && scheme == "ssh" {
		user = u.User.String() + "@"
	}
	return scheme + "://" + user + host + "/" + strings.Join(segs, "/")
}

// SameRepo reports whether two addresses name one repository: the one comparison of repositories.
func SameRepo(a, b string) bool { return Canonical(a) == Canonical(b) }

var defaultPort = map[string]string{"http": "80", "https": "443", "ssh": "22"}

// authority is u's host and port as Canonical writes them, and as Source.Host holds them: lowercased, an
// IPv6 literal bracketed, a default or empty port dropped ("" when u names no host).
func authority(u *url.URL, scheme string) string {
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return ""
	}
	if strings.Contains(host, ":") {
		if _, err := netip.ParseAddr(host); err != nil {
			return "" // "ssh://0::/x": a colon that is neither a port nor an IPv6 literal (FuzzParse)
		}
		host = "[" + host + "]" // an IPv6 literal
	}
	if p := u.Port(); p != "" && p != defaultPort[scheme] {
		host += ":" + p
	}
	return host
}

// splitPath splits an escaped path into segments escaped one way, without empty ones. "." and ".." are
// kept: whether a server resolves them is its business, so they never make two addresses equal.
func splitPath(escaped string) []string {
	var out []string
	for _, raw := range strings.Split(escaped, "/") {
		dec, err := url.PathUnescape(raw)
		if err != nil {
			dec = raw
		}
		if dec != "" {
			out = append(out, url.PathEscape(dec))
		}
	}
	return out
}

// trimGit drops ".git" from the last segment, unless nothing, or another ".git", would be left of it: the
// form must be a fixed point, so "r.git.git" is kept as it is.
func trimGit(segs []string) {
	last := len(segs) - 1
	// "..git" stays: "." is no folder name a path may hold (FuzzParse found it).
	if t := strings.TrimSuffix(segs[last], ".git"); t != "" && t != "." && t != ".." && !strings.HasSuffix(t, ".git") {
		segs[last] = t
	}
}

// canonicalSCP is Canonical for USER@HOST:PATH.
func canonicalSCP(repo string) string {
	at := strings.Index(repo, "@")
	user, hostPath := repo[:at], repo[at+1:]
	host, p, _ := strings.Cut(hostPath, ":")
	host = strings.ToLower(host)
	lead := ""
	if strings.HasPrefix(p, "/") {
		lead = "/"
	}
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return repo
	}
	if host == "github.com" { // before trimGit, so that "R.GIT" loses its suffix as "r.git" does
		for i := range segs {
			segs[i] = strings.ToLower(segs[i])
		}
	}
	trimGit(segs)
	return user + "@" + host + ":" + lead + strings.Join(segs, "/")
}
