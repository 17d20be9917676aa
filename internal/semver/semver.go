// Package semver owns what a skill's version is: release tags (vX.Y.Z[-PRE], repository-wide or
// PATH/vX.Y.Z for one skill folder), how two versions compare, and which release a query (latest, an exact
// version, a prefix v1 or v1.2, a minimum from depends-on) selects. It is pure: the caller lists the tags.
package semver

import (
	"sort"
	"strconv"
	"strings"
)

// Version is a semantic version as a tag writes it: v, then MAJOR.MINOR.PATCH, then an optional
// -PRERELEASE and +BUILD (build metadata is kept in the text and ignored in comparisons).
type Version struct {
	Major, Minor, Patch int
	Pre                 []string // the pre-release's dot-separated identifiers; nil for a release
	text                string
}

// String is the version as written.
func (v Version) String() string { return v.text }

// IsZero reports the zero Version, which no tag has.
func (v Version) IsZero() bool { return v.text == "" }

// Prerelease reports a pre-release (v1.2.0-rc.1): chosen only when named exactly.
func (v Version) Prerelease() bool { return len(v.Pre) > 0 }

// MajorText is the version's major as a query names it: "v1".
func (v Version) MajorText() string { return "v" + strconv.Itoa(v.Major) }

// maxPart bounds a number: no tag needs more, and a bound keeps comparisons in int.
const maxPart = 1<<31 - 1

// number reads one numeric part: digits, no leading zero (semver's rule), within maxPart.
func number(s string) (int, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= maxPart
}

// ident reports a pre-release or build identifier: [0-9A-Za-z-]+; numeric ones without leading zeros
// when numeric is set (semver forbids them in pre-releases only).
func ident(s string, numeric bool) bool {
	if s == "" {
		return false
	}
	digits := true
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
			digits = false
		default:
			return false
		}
	}
	return !(numeric && digits && len(s) > 1 && s[0] == '0')
}

// Parse reads a full version, vX.Y.Z[-PRE][+BUILD]. It refuses anything else, a missing v included.
func Parse(s string) (Version, bool) {
	rest, ok := strings.CutPrefix(s, "v")
	if !ok || len(s) > 128 {
		return Version{}, false
	}
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		for _, id := range strings.Split(rest[i+1:], ".") {
			if !ident(id, false) {
				return Version{}, false
			}
		}
		rest = rest[:i]
	}
	core, pre, hasPre := strings.Cut(rest, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return Version{}, false
	}
	v := Version{text: s}
	var nums [3]int
	for i, p := range parts {
		n, ok := number(p)
		if !ok {
			return Version{}, false
		}
		nums[i] = n
	}
	v.Major, v.Minor, v.Patch = nums[0], nums[1], nums[2]
	if hasPre {
		v.Pre = strings.Split(pre, ".")
		for _, id := range v.Pre {
			if !ident(id, true) {
				return Version{}, false
			}
		}
	}
	return v, true
}

// Compare orders versions by semver precedence: -1, 0 or +1. Build metadata does not count.
func Compare(a, b Version) int {
	for _, d := range [3]int{a.Major - b.Major, a.Minor - b.Minor, a.Patch - b.Patch} {
		if d != 0 {
			return sign(d)
		}
	}
	switch {
	case len(a.Pre) == 0 && len(b.Pre) == 0:
		return 0
	case len(a.Pre) == 0:
		return 1
	case len(b.Pre) == 0:
		return -1
	}
	for i := 0; i < len(a.Pre) && i < len(b.Pre); i++ {
		if c := compareIdent(a.Pre[i], b.Pre[i]); c != 0 {
			return c
		}
	}
	return sign(len(a.Pre) - len(b.Pre))
}

func compareIdent(a, b string) int {
	an, aNum := number(a)
	bn, bNum := number(b)
	switch {
	case aNum && bNum:
		return sign(an - bn)
	case aNum:
		return -1
	case bNum:
		return 1
	}
	return strings.Compare(a, b)
}

func sign(d int) int {
	switch {
	case d < 0:
		return -1
	case d > 0:
		return 1
	}
	return 0
}

// Query is what a user or a depends-on entry asks of a skill's releases.
type Query struct {
	text         string
	parts        int     // 0 for latest, 1 for v1, 2 for v1.2, 3 for an exact version
	exact        Version // parts == 3
	major, minor int
}

// Latest is the query for the newest release.
const Latest = "latest"

// ParseQuery reads latest, vX, vX.Y or an exact vX.Y.Z[-PRE][+BUILD].
func ParseQuery(s string) (Query, bool) {
	if s == Latest {
		return Query{text: s}, true
	}
	if v, ok := Parse(s); ok {
		return Query{text: s, parts: 3, exact: v, major: v.Major, minor: v.Minor}, true
	}
	rest, ok := strings.CutPrefix(s, "v")
	if !ok || len(s) > 32 {
		return Query{}, false
	}
	parts := strings.Split(rest, ".")
	if len(parts) > 2 {
		return Query{}, false
	}
	q := Query{text: s, parts: len(parts)}
	for i, p := range parts {
		n, ok := number(p)
		if !ok {
			return Query{}, false
		}
		if i == 0 {
			q.major = n
		} else {
			q.minor = n
		}
	}
	return q, true
}

// IsQuery reports text that reads as a version query; a registry may not be named so, since
// NAME@X would then mean two things.
func IsQuery(s string) bool {
	_, ok := ParseQuery(s)
	return ok
}

// MeantAsVersion reports text written like a version that reads as no query: v, a digit, and a dot, as
// in v1.2.3.4 or v1.02. No registry is named so (a registry's name holds no dot), so NAME@X with such an X
// is a mistyped version, and a ref of that name is worth a hint.
func MeantAsVersion(s string) bool {
	return len(s) > 1 && s[0] == 'v' && s[1] >= '0' && s[1] <= '9' && strings.Contains(s, ".") && !IsQuery(s)
}

// String is the query as written.
func (q Query) String() string { return q.text }

// Matches reports whether v satisfies q: latest and prefixes match releases only, an exact query
// matches its own version (a pre-release only so).
func (q Query) Matches(v Version) bool {
	switch q.parts {
	case 0:
		return !v.Prerelease()
	case 1:
		return !v.Prerelease() && v.Major == q.major
	case 2:
		return !v.Prerelease() && v.Major == q.major && v.Minor == q.minor
	}
	return Compare(v, q.exact) == 0
}

// ParseMin reads a depends-on minimum, vX, vX.Y or vX.Y.Z (no pre-release): "at least that version,
// same major". It returns the minimum as a full version (v1.2 is v1.2.0).
func ParseMin(s string) (Version, bool) {
	q, ok := ParseQuery(s)
	if !ok || q.parts == 0 || (q.parts == 3 && (q.exact.Prerelease() || strings.Contains(s, "+"))) {
		return Version{}, false
	}
	if q.parts == 3 {
		return q.exact, true
	}
	v, _ := Parse("v" + strconv.Itoa(q.major) + "." + strconv.Itoa(q.minor) + ".0")
	return v, true
}

// Release is one version of a skill and the tag that makes it.
type Release struct {
	Version Version
	Tag     string // the full ref: refs/tags/v1.2.0 or refs/tags/PATH/v1.2.0
	Commit  string
}

// TagPrefix is the ref prefix under which releases are listed (ls-refs ref-prefix).
const TagPrefix = "refs/tags/"

// Releases picks, from a repository's refs (full name → peeled commit), the releases of the skill in
// folder path ("" for the root), oldest first. Tags PATH/vX.Y.Z are the skill's own: when it has any,
// they are its releases and the repository's vX.Y.Z are not (a per-skill tag wins for its skill, as a Go
// module in a subfolder has its own tags). Other refs and tags that are not versions are ignored.
func Releases(refs map[string]string, path string) []Release {
	var own, repo []Release
	for full, commit := range refs {
		name, ok := strings.CutPrefix(full, TagPrefix)
		if !ok || strings.HasSuffix(name, "^{}") {
			continue
		}
		dir, ver := "", name
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			dir, ver = name[:i], name[i+1:]
		}
		v, ok := Parse(ver)
		if !ok {
			continue
		}
		r := Release{Version: v, Tag: full, Commit: commit}
		switch {
		case dir == "":
			repo = append(repo, r)
		case path != "" && dir == path:
			own = append(own, r)
		}
	}
	if len(own) > 0 {
		repo = own
	}
	sort.Slice(repo, func(i, j int) bool {
		if c := Compare(repo[i].Version, repo[j].Version); c != 0 {
			return c < 0
		}
		return repo[i].Tag < repo[j].Tag
	})
	return repo
}

// Select is the newest release q matches; false when none does.
func Select(rels []Release, q Query) (Release, bool) {
	for i := len(rels) - 1; i >= 0; i-- {
		if q.Matches(rels[i].Version) {
			return rels[i], true
		}
	}
	return Release{}, false
}

// AtLeast is the oldest release, not a pre-release, that is min or later in min's major: what a
// depends-on minimum selects (minimal version selection takes the minimum, never the newest).
func AtLeast(rels []Release, min Version) (Release, bool) {
	for _, r := range rels {
		if !r.Version.Prerelease() && r.Version.Major == min.Major && Compare(r.Version, min) >= 0 {
			return r, true
		}
	}
	return Release{}, false
}

// Newest is the newest release in major (any major when major < 0); false when there is none.
func Newest(rels []Release, major int) (Release, bool) {
	for i := len(rels) - 1; i >= 0; i-- {
		v := rels[i].Version
		if !v.Prerelease() && (major < 0 || v.Major == major) {
			return rels[i], true
		}
	}
	return Release{}, false
}

// Next is the release update moves a skill at cur to: the newest release of cur's major (of any major
// with cross) when it is newer than cur; false when cur is already the newest. outdated's wanted and
// latest are Next without and with cross.
func Next(rels []Release, cur Version, cross bool) (Release, bool) {
	major := cur.Major
	if cross {
		major = -1
	}
	r, ok := Newest(rels, major)
	if !ok || Compare(r.Version, cur) <= 0 {
		return Release{}, false
	}
	return r, true
}

// Of finds the release a tag (a full ref) makes; false when it is not one of rels.
func Of(rels []Release, tag string) (Release, bool) {
	for _, r := range rels {
		if r.Tag == tag {
			return r, true
		}
	}
	return Release{}, false
}

// TagVersion reads the version of a release tag (refs/tags/v1.2.0, refs/tags/PATH/v1.2.0); false for
// any other ref.
func TagVersion(full string) (Version, bool) {
	name, ok := strings.CutPrefix(full, TagPrefix)
	if !ok {
		return Version{}, false
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return Parse(name)
}
