package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// A lock is merged in two places: `skillctl install` when git left conflict markers in it, and the git
// merge driver `skillctl lock merge %O %A %B`. Both come here. A lock holding conflict markers is untrusted
// input like any other: splitting it is one linear pass over at most MaxSize bytes, each side is parsed
// and checked by Parse's own rules, and a marker out of place is an error, never a guess.

// ConflictError is a lock that git left mid-merge: conflict markers around the lines the two sides
// changed. Both sides parse (Parse checked each); Base is the common ancestor when every conflict carries
// it (merge.conflictStyle diff3 or zdiff3), else nil.
type ConflictError struct {
	File                string
	Base, Ours, Theirs  *Lock
	Conflicts           int
	OursName, TheirName string // the labels git wrote after the markers (HEAD, a branch name)
}

func (e *ConflictError) Error() string {
	n := "1 conflict"
	if e.Conflicts != 1 {
		n = fmt.Sprintf("%d conflicts", e.Conflicts)
	}
	return fmt.Sprintf("%s: mid-merge: it holds git conflict markers (%s)", e.File, n)
}

// Hints: the one command that resolves it.
func (e *ConflictError) Hints() []string {
	return []string{"skillctl install   # reads both sides, merges them into one lock, checks it and restores it"}
}

// Either is every entry either side records, ours first, one per folder and name, for a command that only
// reads which skills the lock names and where (validate's installed skills, the agents a lock remembers):
// it can go on mid-merge without deciding the merge, which install alone does.
func (e *ConflictError) Either() *Lock {
	l := &Lock{Version: Version}
	seen := map[[2]string]bool{}
	for _, side := range []*Lock{e.Ours, e.Theirs} {
		if side == nil {
			continue
		}
		for _, en := range side.Skills {
			if k := [2]string{en.Dir, en.Name}; !seen[k] {
				seen[k] = true
				l.Skills = append(l.Skills, en)
			}
		}
	}
	return l
}

// markerLen is the length of git's conflict markers (merge's conflict-marker-size default).
const markerLen = 7

// marker reports which conflict marker line is, if any: '<', '|', '=' or '>' (0 for none), and its label.
func marker(line []byte) (byte, string) {
	line = bytes.TrimRight(line, "\r\n")
	if len(line) < markerLen {
		return 0, ""
	}
	c := line[0]
	if c != '<' && c != '|' && c != '=' && c != '>' {
		return 0, ""
	}
	for _, b := range line[1:markerLen] {
		if b != c {
			return 0, ""
		}
	}
	rest := line[markerLen:]
	switch {
	case len(rest) == 0:
		return c, ""
	case rest[0] == ' ' && c != '=':
		return c, string(rest[1:])
	}
	return 0, ""
}

// hasConflict reports whether data has a line starting with git's "<<<<<<<" marker. No valid lock has
// one: JSON holds no line break inside a string, and no token starts with '<'.
func hasConflict(data []byte) bool {
	for rest := data; len(rest) > 0; {
		line, next, _ := bytes.Cut(rest, []byte("\n"))
		if c, _ := marker(line); c == '<' {
			return true
		}
		rest = next
	}
	return false
}

// sides splits a file with git conflict markers into the versions it merges: the lines outside every
// conflict belong to all three; inside one, the lines after "<<<<<<<" are ours, after "|||||||" the
// base's, after "=======" theirs, up to ">>>>>>>". base is nil unless every conflict has its base section.
// A marker out of its place, or a conflict left open, is an error naming its line.
func sides(data []byte) (base, ours, theirs []byte, conflicts int, oursName, theirName string, err error) {
	const (
		common = iota
		inOurs
		inBase
		inTheirs
	)
	state, withBase := common, true
	var b, o, t bytes.Buffer
	lineNo := 0
	for rest := data; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		var line []byte
		if i < 0 {
			line, rest = rest, nil
		} else {
			line, rest = rest[:i+1], rest[i+1:]
		}
		lineNo++
		c, label := marker(line)
		switch {
		case c == 0:
			switch state {
			case common:
				b.Write(line)
				o.Write(line)
				t.Write(line)
			case inOurs:
				o.Write(line)
			case inBase:
				b.Write(line)
			case inTheirs:
				t.Write(line)
			}
		case c == '<' && state == common:
			state, conflicts = inOurs, conflicts+1
			if oursName == "" {
				oursName = label
			}
		case c == '|' && state == inOurs:
			state = inBase
		case c == '=' && (state == inOurs || state == inBase):
			if state == inOurs {
				withBase = false
			}
			state = inTheirs
		case c == '>' && state == inTheirs:
			state = common
			if theirName == "" {
				theirName = label
			}
		default:
			return nil, nil, nil, 0, "", "", fmt.Errorf("line %d: conflict marker %q out of place", lineNo, strings.Repeat(string(c), markerLen))
		}
	}
	if state != common {
		return nil, nil, nil, 0, "", "", fmt.Errorf("line %d: a conflict is left open (no closing %q)", lineNo, strings.Repeat(">", markerLen))
	}
	if withBase {
		base = b.Bytes()
	}
	return base, o.Bytes(), t.Bytes(), conflicts, oursName, theirName, nil
}

// parseConflict reads a lock with conflict markers: each side is parsed as a lock on its own.
func parseConflict(file string, data []byte) error {
	base, ours, theirs, n, on, tn, err := sides(data)
	if err != nil {
		return &Error{File: file, Problem: "mid-merge, and its conflict markers do not pair up: " + err.Error()}
	}
	ce := &ConflictError{File: file, Conflicts: n, OursName: textsafe.Escape(on), TheirName: textsafe.Escape(tn)}
	for _, s := range []struct {
		name string
		data []byte
		into **Lock
	}{{"our", ours, &ce.Ours}, {"their", theirs, &ce.Theirs}, {"base", base, &ce.Base}} {
		if s.data == nil {
			continue
		}
		l, err := parse(file, s.data)
		if err != nil {
			if s.name == "base" {
				continue // a base that does not parse is only a base less: the merge takes the union
			}
			var le *Error
			problem := err.Error()
			if errors.As(err, &le) {
				problem = le.Problem
			}
			return &Error{File: file, Problem: fmt.Sprintf("mid-merge, and %s side is not a valid lock either: %s", s.name, problem)}
		}
		*s.into = l
	}
	return ce
}

// Conflicted returns the lock text for a merge that could not be decided: both versions whole, between
// git's conflict markers (with the base, when there is one), so git reports the conflict and a later
// `skillctl install`, or a person, can still take it apart.
func Conflicted(base, ours, theirs []byte) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Repeat("<", markerLen) + " ours\n")
	b.Write(withNewline(ours))
	if base != nil {
		b.WriteString(strings.Repeat("|", markerLen) + " base\n")
		b.Write(withNewline(base))
	}
	b.WriteString(strings.Repeat("=", markerLen) + "\n")
	b.Write(withNewline(theirs))
	b.WriteString(strings.Repeat(">", markerLen) + " theirs\n")
	return b.Bytes()
}

func withNewline(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] != '\n' {
		return append(append([]byte(nil), b...), '\n')
	}
	return b
}

// Decide chooses between two versions of one skill (the same repository folder at two commits, the
// same local folder or bundled skill with two hashes): it returns the one to keep and a note saying why.
// It is the part of a merge that reads the world (commit times); Merge itself is pure.
type Decide func(ours, theirs Entry) (Entry, string, error)

// Merge joins two locks into one. With base (the common ancestor; nil when unknown), a skill one side
// left as it was takes the other side's version, a removal included; without it, it takes the union.
// A skill both sides changed the same way is kept; at the same origin with different bookkeeping it is
// requested if either side requested it, and placed wherever either placed it; two versions of one skill
// are decided by decide; two different skills under one name are an error. The result is checked: every
// dependency is present. Notes say what was decided and what nothing needs any more.
func Merge(base, ours, theirs *Lock, decide Decide) (*Lock, []string, error) {
	key := func(e *Entry) string { return e.Dir + "\x00" + e.Name }
	index := func(l *Lock) map[string]*Entry {
		m := map[string]*Entry{}
		if l != nil {
			for i := range l.Skills {
				m[key(&l.Skills[i])] = &l.Skills[i]
			}
		}
		return m
	}
	b, o, t := index(base), index(ours), index(theirs)
	var keys []string
	for k := range o {
		keys = append(keys, k)
	}
	for k := range t {
		if o[k] == nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := &Lock{Version: Version, Skills: []Entry{}}
	var notes []string
	var errs []error
	for _, k := range keys {
		oe, te := o[k], t[k]
		var got *Entry
		switch {
		case sameEntry(oe, te):
			got = oe
		case base != nil && sameEntry(oe, b[k]):
			got = te
		case base != nil && sameEntry(te, b[k]):
			got = oe
		case oe == nil || te == nil:
			got = oe
			if got == nil {
				got = te
			}
			if base != nil {
				notes = append(notes, fmt.Sprintf("%s: removed on one side and changed on the other; kept", got.Name))
			}
		default:
			e, note, err := combine(*oe, *te, decide)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if note != "" {
				notes = append(notes, note)
			}
			got = &e
		}
		if got != nil {
			out.Skills = append(out.Skills, *got)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, notes, err
	}
	out.Normalize()
	have := index(out)
	for _, e := range out.Skills {
		for _, d := range e.Dependencies {
			if have[e.Dir+"\x00"+d] == nil {
				errs = append(errs, fmt.Errorf("%s: depends on %s, which neither side's lock keeps for %s", e.Name, d, textsafe.Escape(e.Dir)))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, notes, err
	}
	for _, e := range unneeded(out, have) {
		notes = append(notes, fmt.Sprintf("%s: came as a dependency and nothing needs it now; skillctl prune removes it", e.Name))
	}
	return out, notes, nil
}

// combine joins two different entries for one skill name in one folder.
func combine(o, t Entry, decide Decide) (Entry, string, error) {
	var e Entry
	var note string
	switch {
	case sameOrigin(o, t) && o.Hash == t.Hash:
		e = o // the same files, asked for another way or placed elsewhere: ours' wording
	case sameSkill(o, t):
		var err error
		if e, note, err = decide(o, t); err != nil {
			return Entry{}, "", err
		}
	default:
		return Entry{}, "", fmt.Errorf("%s: the two sides install different skills under that name in %s: ours from %s, theirs from %s",
			o.Name, textsafe.Escape(o.Dir), describe(o), describe(t))
	}
	e.Requested = o.Requested || t.Requested
	e.Placements = append([]Placement(nil), e.Placements...)
	placed := make(map[string]bool, len(e.Placements))
	for _, p := range e.Placements {
		placed[p.Dir] = true
	}
	for _, other := range [][]Placement{o.Placements, t.Placements} {
		for _, p := range other {
			if !placed[p.Dir] {
				placed[p.Dir] = true
				e.Placements = append(e.Placements, p)
			}
		}
	}
	return e, note, nil
}

// sameOrigin: the same files by where they come from (repository folder at one commit, local folder,
// bundled skill).
func sameOrigin(a, b Entry) bool {
	return sameSkill(a, b) && a.Commit == b.Commit
}

// sameSkill: the same skill, perhaps at two versions: one folder of one repository (source.SameRepo),
// one local folder, one bundled skill.
func sameSkill(a, b Entry) bool {
	if a.From() != b.From() || a.Path != b.Path {
		return false
	}
	switch a.From() {
	case FromRepo:
		return source.SameRepo(a.Repo, b.Repo)
	case FromWeb:
		return a.Index == b.Index && (a.Index != "" || a.URL == b.URL)
	}
	return true
}

// describe says where an entry's files come from, for a message.
func describe(e Entry) string {
	switch e.From() {
	case FromRepo:
		s := textsafe.Escape(e.Repo)
		if e.Path != "" {
			s += "//" + textsafe.Escape(e.Path)
		}
		return s + "@" + e.Commit[:min(len(e.Commit), 12)]
	case FromFolder:
		return "the folder " + textsafe.Escape(e.Path)
	case FromWeb:
		return textsafe.Escape(e.URL)
	}
	return "the bundled skill " + textsafe.Escape(e.Path)
}

// sameEntry compares two entries as the lock records them (nil for absent).
func sameEntry(a, b *Entry) bool {
	if a == nil || b == nil {
		return a == b
	}
	norm := func(e Entry) Entry {
		e.Dependencies = append([]string{}, e.Dependencies...)
		sort.Strings(e.Dependencies)
		e.Placements = append([]Placement{}, e.Placements...)
		sort.Slice(e.Placements, func(i, j int) bool { return e.Placements[i].Dir < e.Placements[j].Dir })
		return e
	}
	return reflect.DeepEqual(norm(*a), norm(*b))
}

// unneeded lists the entries that came as dependencies and that no requested skill needs, directly or
// through others, in their folder. byKey is l's entries by folder and name. The walk keeps its own stack:
// a lock's chain of dependencies is as long as the lock is.
func unneeded(l *Lock, byKey map[string]*Entry) []Entry {
	needed := map[string]bool{}
	var stack []string
	for _, e := range l.Skills {
		if e.Requested {
			stack = append(stack, e.Dir+"\x00"+e.Name)
		}
	}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if needed[k] {
			continue
		}
		needed[k] = true
		if e := byKey[k]; e != nil {
			for _, d := range e.Dependencies {
				stack = append(stack, e.Dir+"\x00"+d)
			}
		}
	}
	var out []Entry
	for _, e := range l.Skills {
		if !needed[e.Dir+"\x00"+e.Name] {
			out = append(out, e)
		}
	}
	return out
}
