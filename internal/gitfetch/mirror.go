package gitfetch

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// MirrorVar names the variable that fetches repositories from somewhere else, as git's
// url.<base>.insteadOf does: FROM=TO pairs, separated by commas or spaces, each a URL ending in '/'. The
// user's registries file may hold the same text ("mirror", read by registry.NewClient); the variable's pairs
// come first, so on the same FROM the variable wins. A repository
// whose URL starts with FROM is fetched from TO followed by the rest (the longest FROM wins):
//
//	SKILLCTL_MIRROR='https://github.com/=https://git-mirror.corp.example/github/'
//
// Only the requests move. The lock, every message about a source and every comparison keep the
// repository's own URL, and the credential is the one for the mirror's host (credentialFor is asked with
// the URL a request goes to), so a github.com token never reaches a mirror. The testscripts point
// https://github.com/ at their loopback server with it, to test GitHub sources offline.
const MirrorVar = "SKILLCTL_MIRROR"

type mirror struct{ from, to string }

// mirrorsFromEnv reads MirrorVar; an unset variable is no mirror, a malformed one an error for every
// fetch (a typo must not send requests to the repository's own host instead).
func mirrorsFromEnv() ([]mirror, error) { return parseMirrors(MirrorVar, os.Getenv(MirrorVar)) }

// parseMirrors reads FROM=TO pairs separated by commas or spaces; where names the text in an error (the
// variable, or the file that held it).
func parseMirrors(where, text string) ([]mirror, error) {
	var out []mirror
	for _, pair := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		from, to, ok := strings.Cut(pair, "=")
		if !ok || !mirrorURL(from) || !mirrorURL(to) {
			return nil, fmt.Errorf("%s: %q is not FROM=TO with two URLs ending in '/' (https://github.com/=https://mirror.example/github/)", where, pair)
		}
		out = append(out, mirror{from, to})
	}
	return out, nil
}

func mirrorURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && strings.HasSuffix(s, "/") && u.User == nil && u.RawQuery == "" && u.Fragment == "" &&
		(u.Scheme == "https" || u.Scheme == "http" || u.Scheme == "ssh" || u.Scheme == "file") && (u.Host != "" || u.Scheme == "file")
}

// rewrite is the URL repo is fetched from.
func rewrite(ms []mirror, repo string) string {
	m, ok := mirrorFor(ms, repo)
	if !ok {
		return repo
	}
	return m.to + strings.TrimPrefix(repo, m.from)
}

// mirrorFor is the mirror that moves repo: the longest FROM it starts with, the first of equals.
func mirrorFor(ms []mirror, repo string) (mirror, bool) {
	best := -1
	for i, m := range ms {
		if strings.HasPrefix(repo, m.from) && (best < 0 || len(m.from) > len(ms[best].from)) {
			best = i
		}
	}
	if best < 0 {
		return mirror{}, false
	}
	return ms[best], true
}

// AddMirrors adds the FROM=TO pairs of text (the user's configuration, named where) after the variable's,
// so the variable wins on the same FROM. Malformed text, or readErr (the configuration could not be
// read), fails every fetch, as a malformed variable does.
func (c *Client) AddMirrors(where, text string, readErr error) {
	ms, err := parseMirrors(where, text)
	if readErr != nil {
		err = readErr
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if c.mirrorErr == nil {
			c.mirrorErr = err
		}
		return
	}
	c.mirrors = append(c.mirrors, ms...)
}
