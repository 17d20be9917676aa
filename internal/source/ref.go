package source

import (
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/skillctl/skillctl/internal/semver"
)

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// IsCommit is the one rule for a commit hash: 40 hex digits, a SHA-1 object name, in either case (it is
// recorded lowercased). skillctl fetches through go-git v5, which speaks SHA-1 repositories only, so a
// 64-digit SHA-256 name is not taken for a commit: it would pass here and fail at the server.
func IsCommit(s string) bool { return isHex(s, 40) }

func isCommit(s string) bool { return IsCommit(s) }

// ResolveRef decides the ref and commit of a Git source from the remote's advertised refs, which map full
// names ("HEAD", "refs/heads/feature/x", "refs/tags/v1.2") to peeled commit hashes. For tree URLs it splits
// TreeRest: the longest prefix naming a branch wins, then the longest naming a tag, then "HEAD", then a
// commit hash, which the caller wants directly; the remaining segments become Path. Otherwise it looks Ref
// up the same way, "" meaning HEAD. It returns the full ref name used (the hash itself for a commit) and
// sets Ref and Path.
func (s *Source) ResolveRef(refs map[string]string) (ref, commit string, err error) {
	if s.Kind != Git {
		return "", "", &Error{Input: s.Raw, Problem: "not a git source"}
	}
	if s.TreeRest != nil {
		return s.resolveTree(refs)
	}
	if s.Ref == "" {
		return s.found(refs, "HEAD")
	}
	for _, full := range s.candidates() {
		if _, ok := refs[full]; ok {
			return s.found(refs, full)
		}
	}
	if isCommit(s.Ref) {
		return strings.ToLower(s.Ref), strings.ToLower(s.Ref), nil
	}
	return "", "", s.noRef(refs, s.Ref)
}

// candidates are the full ref names Ref may stand for, in the order they win: a name written in full
// (HEAD, refs/...) is itself first, as git reads it; then a branch, then a tag. A source made by AtRef
// names one ref and nothing else.
func (s *Source) candidates() []string {
	full := s.Ref == "HEAD" || strings.HasPrefix(s.Ref, "refs/")
	if s.exact {
		return []string{s.Ref}
	}
	out := []string{"refs/heads/" + s.Ref, "refs/tags/" + s.Ref}
	if full {
		out = append([]string{s.Ref}, out...)
	}
	return out
}

// AtRef is the source of a folder that a lock entry (or any origin) pins to the full ref name fullRef
// (refs/tags/v1, refs/heads/main, HEAD): ResolveRef finds that ref alone, so a tag never turns into a
// branch of the same short name. It is built from the fields, never from text.
func AtRef(repo, fullRef, path string) Source {
	return Source{Kind: Git, Repo: Canonical(repo), Ref: fullRef, Path: path, exact: true, Raw: repo}
}

// RefPrefixes lists the ref-name prefixes under which ResolveRef looks, so a server speaking git protocol
// v2 can be asked for those refs alone (ls-refs ref-prefix) instead of all of them. For a tree URL, the
// first segment after tree/ starts every candidate (a branch or tag may hold slashes).
func (s *Source) RefPrefixes() []string {
	if s.TreeRest != nil {
		out := []string{"refs/heads/" + s.TreeRest[0], "refs/tags/" + s.TreeRest[0]}
		if first := s.TreeRest[0]; first == "HEAD" || strings.HasPrefix(first, "refs/") {
			out = append(out, first)
		}
		return out
	}
	if s.Ref == "" {
		return []string{"HEAD"}
	}
	return s.candidates()
}

func (s *Source) resolveTree(refs map[string]string) (string, string, error) {
	segs := s.TreeRest
	for _, prefix := range []string{"refs/heads/", "refs/tags/"} {
		for k := len(segs); k >= 1; k-- {
			name := strings.Join(segs[:k], "/")
			if _, ok := refs[prefix+name]; ok {
				return s.split(refs, prefix+name, name, segs[k:])
			}
		}
	}
	if segs[0] == "HEAD" {
		if _, ok := refs["HEAD"]; ok {
			return s.split(refs, "HEAD", "HEAD", segs[1:])
		}
	}
	if isCommit(segs[0]) {
		c := strings.ToLower(segs[0])
		if _, _, err := s.split(nil, "", segs[0], segs[1:]); err != nil {
			return "", "", err
		}
		return c, c, nil
	}
	return "", "", s.noRef(refs, segs[0])
}

// split records the ref and path a tree URL resolved to, checking the path once more.
func (s *Source) split(refs map[string]string, full, short string, rest []string) (string, string, error) {
	p := strings.Join(rest, "/")
	if p != "" && !validPath(p) {
		return "", "", &Error{Input: s.Raw, Problem: "the path inside the repository is not a plain relative path", Hint: AcceptedForms}
	}
	s.Ref, s.Path = short, p
	if refs == nil {
		return "", "", nil
	}
	return s.found(refs, full)
}

func (s *Source) found(refs map[string]string, full string) (string, string, error) {
	c, ok := refs[full]
	if !ok {
		return "", "", &Error{Input: s.Raw, Problem: "the remote advertises no " + full}
	}
	if !isCommit(c) {
		return "", "", &Error{Input: s.Raw, Problem: "the remote advertises " + full + " as " + strconv.QuoteToGraphic(c) + ", not a commit hash"}
	}
	return full, strings.ToLower(c), nil
}

// noRef explains a ref that matched nothing, listing what the remote has so the user can correct it.
func (s *Source) noRef(refs map[string]string, want string) error {
	var have []string
	for full := range refs {
		if short, ok := strings.CutPrefix(full, "refs/heads/"); ok {
			have = append(have, short)
		} else if short, ok := strings.CutPrefix(full, "refs/tags/"); ok && !strings.HasSuffix(short, "^{}") {
			have = append(have, short)
		}
	}
	sort.Strings(have)
	hint := "the remote has no branches or tags"
	if len(have) > 0 {
		more := ""
		if len(have) > 10 {
			more = ", ..."
			have = have[:10]
		}
		hint = "the remote has: " + strings.Join(have, ", ") + more
	}
	if semver.MeantAsVersion(want) {
		hint += "\n" + want + " is not a version: a release is latest, v1, v1.2 or v1.2.3 (vMAJOR.MINOR.PATCH[-PRE])"
	}
	return &Error{
		Input:   s.Raw,
		Problem: "no branch, tag or commit " + strconv.QuoteToGraphic(want) + " in " + s.Repo,
		Hint:    hint,
	}
}

// String is the canonical form of the source: parsing it again gives the same source.
func (s Source) String() string {
	switch s.Kind {
	case Git:
		if s.TreeRest != nil {
			out := strings.TrimSuffix(s.Repo, ".git") + s.treeSep + pathEscape(s.Ref)
			if s.Path != "" {
				out += "/" + pathEscape(s.Path)
			}
			return out
		}
		if s.Shorthand {
			out := strings.TrimPrefix(s.Repo, "https://github.com/")
			if s.Author != "" {
				out = s.Author + "/" + s.Name // as typed: the registry reading keeps its case
			}
			if s.Path != "" {
				out += "/" + s.Path
			}
			if s.Ref != "" {
				out += "@" + s.Ref
			}
			return out
		}
		out := s.Repo
		if s.Path != "" {
			out += "//" + pathEscape(s.Path)
		}
		switch {
		case s.Ref == "":
		case isSCP(s.Repo):
			out += "#" + s.Ref // parseSCP takes everything after the first '#' as typed
		default:
			out += "#" + (&url.URL{Fragment: s.Ref}).EscapedFragment()
		}
		return out
	case Local:
		d := s.Dir
		if d == "." || d == ".." || d == "~" || filepath.IsAbs(d) || strings.HasPrefix(d, "../") || strings.HasPrefix(d, "~/") {
			return d
		}
		return "./" + d
	case Site:
		return s.URL + "/"
	case Artifact:
		if s.Digest != "" {
			return s.URL + "#" + s.Digest
		}
		return s.URL
	case Name:
		out := s.Name
		if s.Registry != "" {
			out += "@" + s.Registry
		}
		if s.Version != "" {
			out += "@" + s.Version
		}
		return out
	}
	return ""
}
