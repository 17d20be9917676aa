// Package source parses what a user types to name a skill (a tree URL, OWNER/REPO, a git URL, a local
// folder or a registry name) into a Source, refusing anything that could smuggle a path, a token or a shell
// command. It is pure: no network, no files.
package source

import (
	"fmt"
	"github.com/skillctl/skillctl/internal/textsafe"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/semver"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// Kind says where a skill comes from.
type Kind int

const (
	Git      Kind = iota + 1 // a folder of a git repository, fetched over http(s) or file://
	Local                    // a folder on this machine
	Name                     // a skill name looked up in registries
	Site                     // the skills a web site lists in its well-known index
	Artifact                 // one file over http(s): an archive of a skill's folder, or a SKILL.md
)

func (k Kind) String() string {
	switch k {
	case Git:
		return "git"
	case Local:
		return "local"
	case Name:
		return "name"
	case Site:
		return "site"
	case Artifact:
		return "artifact"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MaxLen bounds a source's length; nothing legitimate comes close, and a bound keeps hostile input cheap.
const MaxLen = 2048

// Source is a parsed source. Raw is exactly what the user typed and goes into the lock verbatim, so Parse
// refuses any input carrying credentials. For Git, Path is "" or a path snapshot.ValidPath accepts.
type Source struct {
	Kind Kind
	Raw  string

	// Git.
	Repo string // clone URL, in its Canonical form
	Host string // lowercased host[:port], for auth decisions: only "github.com" gets GITHUB_TOKEN
	// Ref is a branch, tag or 40-hex commit as written; "" is the remote's default branch. For tree URLs it
	// is a first guess (the first segment after tree/) until ResolveRef splits TreeRest against real refs.
	Ref string
	// Path is the folder inside the repository: slash-separated, cleaned, no leading or trailing slash; ""
	// is the root. For tree URLs it is a first guess, like Ref.
	Path string
	// TreeRest holds, for tree and blob URLs only, the percent-decoded segments after tree/ (for blob URLs,
	// without the SKILL.md): ref and path are not split until the remote's refs are known.
	TreeRest  []string
	Shorthand bool   // came from OWNER/REPO[/PATH][@REF]
	treeSep   string // "/tree/" or GitLab's "/-/tree/", for String
	exact     bool   // Ref is a full ref name that stands for itself alone (AtRef)

	// Local.
	Dir string // as typed, cleaned; a leading "~/" is left for the caller to expand

	// Name. A two-segment shorthand also fills Author and Name (and Registry from @X, when X could be a
	// registry's name), because a/b[@x] may be a registry's AUTHOR/NAME[@REGISTRY] as well as a GitHub
	// OWNER/REPO[@REF]; its Kind stays Git, and Readings says which reading wins.
	Name, Registry, Author string

	// Site and Artifact. URL is the site's root (scheme://host) or the artifact's URL without its fragment;
	// Digest is "sha256:HEX" when the source pins an artifact (#sha256:HEX).
	URL, Digest string

	// Version is a version query (semver.ParseQuery: latest, v1, v1.2, v1.2.3) for a skill's release tags:
	// NAME@VERSION, NAME@REGISTRY@VERSION, and a git source's @REF or #REF written like a version (its Ref
	// stays set: with no release tag that matches, it is read as a branch, tag or commit, as before). A
	// tree URL's ref is never a version: it names exactly that ref.
	Version string
}

// Error is a refused source. Input is the source as typed with any user-info removed, so printing the
// error never leaks a token. The CLI prints Hint as "hint:" lines.
type Error struct {
	Input, Problem, Hint string
}

func (e *Error) Error() string {
	in := e.Input
	if len(in) > 100 {
		in = in[:100] + "..."
	}
	return "source " + strconv.QuoteToGraphic(in) + ": " + e.Problem
}

// Hints gives the accepted forms to the CLI, which prints them as hint lines.
func (e *Error) Hints() []string {
	if e.Hint == "" {
		return nil
	}
	return []string{e.Hint}
}

func refuse(input, problem string) *Error {
	return &Error{Input: textsafe.RedactURL(input), Problem: problem, Hint: AcceptedForms}
}

// shellMeta are characters that never belong in a source; they can only mean an attempt to reach a shell
// through a careless consumer, so they are refused everywhere, raw or percent-encoded.
const shellMeta = "$`;|&<>'\"\\"

// checkText refuses control, bidirectional-override and shell characters, and invalid UTF-8.
func checkText(s string) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "contains a NUL byte"
		case unicode.IsControl(r):
			return fmt.Sprintf("contains the control character %U", r)
		case isBidi(r):
			return fmt.Sprintf("contains the invisible formatting character %U", r)
		case strings.ContainsRune(shellMeta, r):
			return fmt.Sprintf("contains %q, which never belongs in a source", r)
		}
	}
	return ""
}

// isBidi reports characters that reorder or hide text on screen, letting a source read differently from
// what it is.
func isBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) ||
		(r >= 0x2066 && r <= 0x2069) || r == 0xfeff || (r >= 0x200b && r <= 0x200d)
}

// Parse parses a source as typed. It never touches the network or the disk. A Git source's Repo is in
// its Canonical form.
func Parse(s string) (Source, error) {
	src, err := parse(s)
	if err == nil && src.Kind == Git {
		src.Repo = Canonical(src.Repo)
		if src.TreeRest == nil && semver.IsQuery(src.Ref) {
			src.Version = src.Ref
			if src.Registry == src.Ref {
				src.Registry = "" // AUTHOR/NAME@v1: a version of AUTHOR/NAME, never a registry named v1
			}
		}
	}
	return src, err
}

func parse(s string) (Source, error) {
	if s == "" {
		return Source{}, refuse(s, "empty")
	}
	if len(s) > MaxLen {
		return Source{}, refuse(s, fmt.Sprintf("longer than %d bytes", MaxLen))
	}
	scheme, _, isURL := strings.Cut(s, "://")
	if isURL {
		return parseURL(s, strings.ToLower(scheme))
	}
	if p := checkText(s); p != "" {
		return Source{}, refuse(s, p)
	}
	if strings.ContainsAny(s, " \t") && !isLocal(s) {
		return Source{}, refuse(s, "contains a space")
	}
	switch {
	case isLocal(s):
		return Source{Kind: Local, Raw: s, Dir: filepath.Clean(s)}, nil
	case isSCP(s):
		return parseSCP(s)
	case strings.Contains(s, "/"):
		return parseShorthand(s)
	}
	return parseName(s)
}

func isLocal(s string) bool {
	return s == "." || s == ".." || s == "~" || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") ||
		strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~/")
}

// isSCP matches git's scp-like syntax, USER@HOST:PATH[#REF]: the '@' and ':' must come before the '#', so
// an '@' or ':' inside a ref ("aa#v@1:2") does not make a name look like an SSH remote.
func isSCP(s string) bool {
	s, _, _ = strings.Cut(s, "#")
	at := strings.Index(s, "@")
	colon := strings.Index(s, ":")
	slash := strings.Index(s, "/")
	return at > 0 && colon > at && (slash < 0 || colon < slash)
}

// nameOK accepts skill and registry names loosely (Unicode letters, digits, '-', '_', '.'); the manifest
// rules judge a name for real once the skill is found.
func nameOK(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 255 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			return false
		}
	}
	return true
}

// parseName reads NAME, NAME@REGISTRY, NAME@VERSION and NAME@REGISTRY@VERSION: a registry is never named
// like a version (registry.parseRegistry refuses one), so the text after one '@' is one or the other.
func parseName(s string) (Source, error) {
	name, rest, _ := strings.Cut(s, "@")
	if !nameOK(name) {
		return Source{}, refuse(s, "not a skill name")
	}
	reg, ver, hasVer := strings.Cut(rest, "@")
	if !hasVer && semver.IsQuery(reg) {
		reg, ver, hasVer = "", reg, true
	}
	if !hasVer && semver.MeantAsVersion(reg) {
		return Source{}, refuse(s, "not a version after @: NAME@VERSION takes latest, v1, v1.2 or v1.2.3")
	}
	if reg != "" && (!nameOK(reg) || semver.IsQuery(reg)) || strings.HasSuffix(s, "@") {
		return Source{}, refuse(s, "not a registry name after @")
	}
	if hasVer && !semver.IsQuery(ver) {
		return Source{}, refuse(s, "not a version after the registry name: NAME@REGISTRY@VERSION takes latest, v1, v1.2 or v1.2.3")
	}
	return Source{Kind: Name, Raw: s, Name: name, Registry: reg, Version: ver}, nil
}

// ownerOK accepts GitHub-style owner and repository names.
func ownerOK(s string) bool {
	if s == "" || s == "." || s == ".." || strings.EqualFold(s, ".git") || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r < utf8.RuneSelf && (r == '-' || r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}

func parseShorthand(s string) (Source, error) {
	spec, ref, hasRef := strings.Cut(s, "@")
	segs := strings.Split(strings.TrimSuffix(spec, "/"), "/")
	if len(segs) < 2 {
		return Source{}, refuse(s, "not OWNER/REPO")
	}
	owner, repo := segs[0], strings.TrimSuffix(segs[1], ".git")
	if strings.Contains(owner, ".") {
		e := refuse(s, "looks like a URL without its scheme")
		e.Hint = "write it in full: https://" + s + "\n" + AcceptedForms
		return Source{}, e
	}
	if !ownerOK(owner) || !ownerOK(repo) {
		return Source{}, refuse(s, "not OWNER/REPO: owner and repository are letters, digits, '-', '_' and '.'")
	}
	if strings.HasSuffix(strings.ToLower(repo), ".git") {
		// One ".git" is the clone URL's; a name that still ends in it cannot round-trip (GitHub has none).
		return Source{}, refuse(s, "a repository name does not end in .git")
	}
	src := Source{
		Kind: Git, Raw: s, Shorthand: true, Host: "github.com",
		Repo: "https://github.com/" + owner + "/" + repo + ".git",
	}
	if hasRef {
		if p := refProblem(ref); p != "" {
			return Source{}, refuse(s, p)
		}
		src.Ref = ref
	}
	if len(segs) > 2 {
		p := strings.Join(segs[2:], "/")
		if !validPath(p) {
			return Source{}, refuse(s, "the path inside the repository must be relative, without '..', '.', '//' or .git")
		}
		src.Path = p
	}
	if len(segs) == 2 && (!hasRef || nameOK(ref)) {
		// Also a registry's AUTHOR/NAME[@REGISTRY]: Readings says which reading wins.
		src.Author, src.Name, src.Registry = owner, repo, ref
	}
	return src, nil
}

// refProblem applies git's ref-name rules that matter here, and refuses a leading '-' so a ref can never
// read as an option.
func refProblem(ref string) string {
	switch {
	case ref == "":
		return "empty ref after @ or #"
	case strings.HasPrefix(ref, "-"):
		return "a ref cannot start with '-'"
	case strings.Contains(ref, ".."), strings.Contains(ref, "//"), strings.Contains(ref, "@{"),
		strings.HasPrefix(ref, "/"), strings.HasSuffix(ref, "/"), strings.HasSuffix(ref, ".lock"),
		strings.HasSuffix(ref, "."), strings.ContainsAny(ref, " ~^:?*[\\"):
		return "not a valid git ref: " + strconv.QuoteToGraphic(ref)
	}
	if p := checkText(ref); p != "" {
		return "the ref " + p
	}
	for _, el := range strings.Split(ref, "/") {
		if strings.HasPrefix(el, ".") {
			return "not a valid git ref: " + strconv.QuoteToGraphic(ref)
		}
	}
	return ""
}

// decodeSegments splits an escaped URL path into decoded segments. A decoded segment is split again on '/'
// so "%2F" cannot hide a ".." from the check; empty segments (doubled or trailing slashes) are dropped.
func decodeSegments(escaped string) ([]string, string) {
	var out []string
	for _, raw := range strings.Split(escaped, "/") {
		dec, err := url.PathUnescape(raw)
		if err != nil {
			return nil, "bad percent-encoding in " + strconv.QuoteToGraphic(raw)
		}
		if p := checkText(dec); p != "" {
			return nil, "the path " + p
		}
		for _, el := range strings.Split(dec, "/") {
			switch el {
			case "":
			case ".", "..":
				return nil, "the path contains '" + el + "': paths must stay inside the repository"
			default:
				out = append(out, el)
			}
		}
	}
	return out, ""
}

func parseURL(s, scheme string) (Source, error) {
	if p := checkText(s); p != "" {
		return Source{}, refuse(s, p)
	}
	if strings.ContainsAny(s, " \t") {
		return Source{}, refuse(s, "contains a space")
	}
	if strings.Contains(hostPart(s), "%") {
		// url.Parse decodes a host's escapes, so "%2F" or "%24" would put '/' or '$' into Repo unchecked.
		return Source{}, refuse(s, "percent-encoding in the host")
	}
	switch scheme {
	case "http", "https", "file":
	case "ssh", "git+ssh", "ssh+git":
		return parseSSHURL(s)
	case "git":
		e := refuse(s, scheme+":// sources are not supported: the git protocol is unauthenticated and unencrypted")
		e.Hint = "use the https URL, e.g. https://HOST/OWNER/REPO.git, or the tree URL of the folder\n" + AcceptedForms
		return Source{}, e
	default:
		return Source{}, refuse(s, "unknown scheme "+strconv.QuoteToGraphic(scheme))
	}
	u, err := url.Parse(s)
	if err != nil {
		return Source{}, refuse(s, "not a URL")
	}
	if u.User != nil || strings.Contains(hostPart(s), "@") {
		e := refuse(s, "credentials in a URL would be written to the lock and logs")
		e.Hint = "remove them from the URL and put the token in GITHUB_TOKEN (or GH_TOKEN)"
		return Source{}, e
	}
	if u.Opaque != "" {
		return Source{}, refuse(s, "not a URL")
	}
	if scheme == "file" {
		return parseFileURL(s, u)
	}
	host := authority(u, scheme)
	if host == "" {
		return Source{}, refuse(s, "no host")
	}
	segs, p := decodeSegments(u.EscapedPath())
	if p != "" {
		return Source{}, refuse(s, p)
	}
	if i := treeIndex(segs); i >= 0 {
		return parseTreeURL(s, u, host, segs, i)
	}
	if src, ok, err := parseWebURL(s, u, host, segs); ok {
		return src, err
	}
	return parseGitURL(s, u, host)
}

// parseWebURL reads an http(s) URL that names no repository: a site's root (or its well-known index),
// whose listed skills are installed; or an artifact, a URL whose path ends in .tar.gz, .tgz, .zip or
// /SKILL.md, pinned by #sha256:HEX when given. ok is false for anything else (a git URL).
func parseWebURL(s string, u *url.URL, host string, segs []string) (src Source, ok bool, err error) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return Source{}, false, nil
	}
	root := u.Scheme + "://" + host
	p := "/" + strings.Join(segs, "/")
	switch {
	case len(segs) == 0, p == "/.well-known/agent-skills/index.json", p == "/.well-known/skills/index.json":
		if u.RawQuery != "" || u.Fragment != "" {
			return Source{}, true, refuse(s, "a site's URL takes no query or fragment")
		}
		return Source{Kind: Site, Raw: s, Host: host, URL: root}, true, nil
	case snapshot.ArchiveKind(p) == "" && !strings.EqualFold(path.Base(p), manifest.FileName):
		return Source{}, false, nil
	}
	src = Source{Kind: Artifact, Raw: s, Host: host}
	if u.Fragment != "" {
		algo, h, _ := strings.Cut(u.Fragment, ":")
		if algo != "sha256" || len(h) != 64 || strings.Trim(strings.ToLower(h), "0123456789abcdef") != "" {
			return Source{}, true, refuse(s, "an artifact's fragment is its digest, #sha256: and 64 hex digits")
		}
		src.Digest = "sha256:" + strings.ToLower(h)
	}
	v := *u
	v.Fragment, v.RawFragment = "", ""
	src.URL = v.String()
	return src, true, nil
}

// hostPart is the authority of a URL as typed, for checks that must not depend on url.Parse's reading.
func hostPart(s string) string {
	_, rest, _ := strings.Cut(s, "://")
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// treeIndex finds "tree" or "blob" after OWNER/REPO (GitHub and its Enterprise shape) or after "-" (GitLab's
// GROUP/.../REPO/-/tree/REF shape); -1 when the URL is not a tree URL.
func treeIndex(segs []string) int {
	if len(segs) >= 3 && (segs[2] == "tree" || segs[2] == "blob") {
		return 2
	}
	for i := 2; i+1 < len(segs); i++ {
		if segs[i] == "-" && (segs[i+1] == "tree" || segs[i+1] == "blob") {
			return i + 1
		}
	}
	return -1
}

func parseTreeURL(s string, u *url.URL, host string, segs []string, i int) (Source, error) {
	if host == "github.com" && i != 2 {
		return Source{}, refuse(s, "a github.com URL must be a repository or a tree URL")
	}
	repoSegs := segs[:i]
	if repoSegs[len(repoSegs)-1] == "-" {
		repoSegs = repoSegs[:len(repoSegs)-1]
	}
	for _, r := range repoSegs {
		if !ownerOK(r) {
			return Source{}, refuse(s, "not a repository name: "+strconv.QuoteToGraphic(r))
		}
	}
	rest := segs[i+1:]
	if segs[i] == "blob" {
		if len(rest) < 2 || !manifest.IsFileName(rest[len(rest)-1]) {
			e := refuse(s, "a blob URL must point at a SKILL.md")
			e.Hint = "use the folder's tree URL: https://HOST/OWNER/REPO/tree/REF/PATH\n" + AcceptedForms
			return Source{}, e
		}
		rest = rest[:len(rest)-1]
	}
	if len(rest) == 0 {
		return Source{}, refuse(s, "no ref after /"+segs[i]+"/")
	}
	if p := refProblem(rest[0]); p != "" {
		return Source{}, refuse(s, p)
	}
	last := len(repoSegs) - 1
	repoPath := strings.Join(repoSegs[:last], "/") + "/" + strings.TrimSuffix(repoSegs[last], ".git") + ".git"
	src := Source{
		Kind: Git, Raw: s, Host: host,
		Repo:     webScheme(u, host) + "://" + host + "/" + pathEscape(repoPath),
		TreeRest: rest,
		Ref:      rest[0],
		Path:     strings.Join(rest[1:], "/"),
		treeSep:  "/tree/",
	}
	if len(repoSegs) < i {
		src.treeSep = "/-/tree/"
	}
	if src.Path != "" && !validPath(src.Path) {
		return Source{}, refuse(s, "the path inside the repository is not a plain relative path")
	}
	return src, nil
}

// webScheme is the URL's scheme, except that github.com is always reached over https: it is the host that
// gets GITHUB_TOKEN, which must never cross the network in clear.
func webScheme(u *url.URL, host string) string {
	if host == "github.com" {
		return "https"
	}
	return u.Scheme
}

// pathEscape escapes each segment of a slash path.
func pathEscape(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// gitPath reads the path of a git URL (https, ssh:// or file://), the one rule for all three: no query
// string; the repository is the part before the first "//", decoded and checked (decodeSegments) and not
// empty; the folder is the part after it, still escaped.
func gitPath(s string, u *url.URL) (repoEsc, folderEsc string, repoSegs []string, err error) {
	if u.RawQuery != "" || u.ForceQuery {
		return "", "", nil, refuse(s, "a git URL cannot carry a query string")
	}
	repoEsc = u.EscapedPath()
	if i := strings.Index(repoEsc, "//"); i >= 0 {
		repoEsc, folderEsc = repoEsc[:i], repoEsc[i+2:]
	}
	repoSegs, p := decodeSegments(repoEsc)
	if p != "" {
		return "", "", nil, refuse(s, p)
	}
	if len(repoSegs) == 0 {
		return "", "", nil, refuse(s, "no repository path")
	}
	return repoEsc, folderEsc, repoSegs, nil
}

func parseGitURL(s string, u *url.URL, host string) (Source, error) {
	repoEsc, folderEsc, repoSegs, err := gitPath(s, u)
	if err != nil {
		return Source{}, err
	}
	if host == "github.com" && (len(repoSegs) != 2 || strings.HasSuffix(repoEsc, "/")) {
		return Source{}, refuse(s, "a github.com URL must be a repository or a tree URL")
	}
	for _, raw := range strings.Split(repoEsc, "/") {
		if dec, _ := url.PathUnescape(raw); strings.Contains(dec, "/") {
			return Source{}, refuse(s, "an encoded '/' in the repository path")
		}
	}
	repo := webScheme(u, host) + "://" + host + strings.TrimSuffix(repoEsc, "/")
	if host == "github.com" {
		owner, name := repoSegs[0], strings.TrimSuffix(repoSegs[1], ".git")
		if !ownerOK(owner) || !ownerOK(name) {
			return Source{}, refuse(s, "not a github.com repository: owner and repository are letters, digits, '-', '_' and '.'")
		}
		repo = "https://github.com/" + owner + "/" + name + ".git"
	}
	src := Source{Kind: Git, Raw: s, Host: host, Repo: repo}
	if err := gitFolderRef(s, u, folderEsc, &src); err != nil {
		return Source{}, err
	}
	return src, nil
}

// gitFolderRef fills Path from the part after "//" and Ref from the fragment.
func gitFolderRef(s string, u *url.URL, folderEsc string, src *Source) error {
	if folderEsc != "" {
		segs, p := decodeSegments(folderEsc)
		if p != "" {
			return refuse(s, p)
		}
		src.Path = strings.Join(segs, "/")
		if src.Path != "" && !validPath(src.Path) {
			return refuse(s, "the path inside the repository is not a plain relative path")
		}
	}
	if u.Fragment != "" || strings.HasSuffix(s, "#") {
		if p := refProblem(u.Fragment); p != "" {
			return refuse(s, p)
		}
		src.Ref = u.Fragment
	}
	return nil
}

// SSHUserOK accepts the user names SSH remotes use (git, deploy, a login name), never a password: the
// rule for parsing a source and for reading one back from a lock.
func SSHUserOK(u string) bool {
	if u == "" || len(u) > 64 || u[0] == '-' {
		return false
	}
	for _, c := range u {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// parseSSHURL reads ssh://[USER@]HOST[:PORT]/PATH[//FOLDER][#REF]. A user name is allowed (it is who to
// log in as, not a secret); a password is not.
func parseSSHURL(s string) (Source, error) {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return Source{}, refuse(s, "not a URL")
	}
	if _, has := u.User.Password(); has {
		e := refuse(s, "credentials in a URL would be written to the lock and logs")
		e.Hint = "SSH uses your ssh-agent or ~/.ssh keys; remove the password from the URL"
		return Source{}, e
	}
	user := ""
	if u.User != nil {
		if !SSHUserOK(u.User.Username()) {
			return Source{}, refuse(s, "not a valid ssh user name")
		}
		user = u.User.Username() + "@"
	}
	host := authority(u, "ssh")
	if host == "" || strings.HasPrefix(host, "-") {
		return Source{}, refuse(s, "no host")
	}
	_, folderEsc, segs, err := gitPath(s, u)
	if err != nil {
		return Source{}, err
	}
	src := Source{Kind: Git, Raw: s, Host: host, Repo: "ssh://" + user + host + "/" + pathEscape(path.Join(segs...))}
	if err := gitFolderRef(s, u, folderEsc, &src); err != nil {
		return Source{}, err
	}
	return src, nil
}

// parseSCP reads git's scp-like form USER@HOST:PATH[//FOLDER][#REF]; PATH is relative to the user's
// home on the server, as git reads it, so the form is kept as typed in Repo.
func parseSCP(s string) (Source, error) {
	rest, ref, hasRef := strings.Cut(s, "#")
	at := strings.Index(rest, "@")
	user, hostPath := rest[:at], rest[at+1:]
	host, p, _ := strings.Cut(hostPath, ":")
	if !SSHUserOK(user) {
		return Source{}, refuse(s, "not a valid ssh user name")
	}
	if host == "" || strings.HasPrefix(host, "-") || strings.ContainsAny(host, "/@[]") {
		return Source{}, refuse(s, "no host")
	}
	repoPath, folder, _ := strings.Cut(p, "//")
	if strings.Contains(repoPath, ":") {
		// git reads TRANSPORT::ADDRESS as a remote helper to run, and "u@h:x:.git//f" would be written
		// back as "u@h:x://f", a URL (both found by FuzzParse): a repository path has no ':'.
		return Source{}, refuse(s, "a ':' in the repository path is not an SSH path")
	}
	segs, prob := decodeSegments(strings.TrimPrefix(repoPath, "/"))
	if prob != "" {
		return Source{}, refuse(s, prob)
	}
	if len(segs) == 0 || strings.HasPrefix(repoPath, "-") {
		return Source{}, refuse(s, "no repository path")
	}
	lead := ""
	if strings.HasPrefix(repoPath, "/") {
		lead = "/"
	}
	// The checks read the path decoded, but git reads an SSH path as typed ("a%20b" is a folder of that
	// name), so Repo keeps it so; it round-trips through String and names what git would fetch.
	typed := strings.FieldsFunc(repoPath, func(r rune) bool { return r == '/' })
	src := Source{Kind: Git, Raw: s, Host: strings.ToLower(host), Repo: user + "@" + strings.ToLower(host) + ":" + lead + strings.Join(typed, "/")}
	if folder != "" {
		fs, prob := decodeSegments(folder)
		if prob != "" {
			return Source{}, refuse(s, prob)
		}
		src.Path = strings.Join(fs, "/")
		if src.Path != "" && !validPath(src.Path) {
			return Source{}, refuse(s, "the path inside the repository is not a plain relative path")
		}
	}
	if hasRef {
		if pr := refProblem(ref); pr != "" {
			return Source{}, refuse(s, pr)
		}
		src.Ref = ref
	}
	return src, nil
}

func parseFileURL(s string, u *url.URL) (Source, error) {
	if h := strings.ToLower(u.Host); h != "" && h != "localhost" {
		return Source{}, refuse(s, "a file URL names no host: use file:///ABSOLUTE/PATH")
	}
	_, folderEsc, segs, err := gitPath(s, u)
	if err != nil {
		return Source{}, err
	}
	src := Source{Kind: Git, Raw: s, Repo: "file:///" + pathEscape(path.Join(segs...))}
	if err := gitFolderRef(s, u, folderEsc, &src); err != nil {
		return Source{}, err
	}
	return src, nil
}

// validPath is the one rule for a folder inside a repository, shared with everything that installs files.
func validPath(p string) bool { return snapshot.ValidPath(p) }
