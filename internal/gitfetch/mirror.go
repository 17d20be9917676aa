package gitfetch

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// MirrorVar names the variable that fetches repositories from somewhere else, as git's
// url.<base>.insteadOf does: FROM=TO pairs, separated by spaces, each a URL ending in '/'. A repository
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
func mirrorsFromEnv() ([]mirror, error) {
	var out []mirror
	for _, pair := range strings.Fields(os.Getenv(MirrorVar)) {
		from, to, ok := strings.Cut(pair, "=")
		if !ok || !mirrorURL(from) || !mirrorURL(to) {
			return nil, fmt.Errorf("%s: %q is not FROM=TO with two URLs ending in '/' (https://github.com/=https://mirror.example/github/)", MirrorVar, pair)
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
	best := -1
	for i, m := range ms {
		if strings.HasPrefix(repo, m.from) && (best < 0 || len(m.from) > len(ms[best].from)) {
			best = i
		}
	}
	if best < 0 {
		return repo
	}
	return ms[best].to + strings.TrimPrefix(repo, ms[best].from)
}
