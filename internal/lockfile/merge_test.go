package lockfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const c40b = "1111111111111111111111111111111111111111"
const c40c = "2222222222222222222222222222222222222222"
const h64b = "sha256-1111111111111111111111111111111111111111111111111111111111111111"

func repoEntry(name, commit, hash string, requested bool, deps ...string) Entry {
	return Entry{Name: name, Dir: ".claude/skills", Source: "o/r/skills/" + name, Repo: "https://github.com/o/r", Ref: "refs/heads/main",
		Commit: commit, Path: "skills/" + name, Hash: hash, Requested: requested, Dependencies: deps}
}

func lockOf(es ...Entry) *Lock { return &Lock{Version: Version, Skills: es} }

// conflicted writes what git writes for two locks that differ: the whole of each between markers is
// enough for the reader, which takes any number of conflicts apart the same way.
func TestParseConflict(t *testing.T) {
	ours := lockOf(repoEntry("a", c40, h64, true)).Marshal()
	theirs := lockOf(repoEntry("a", c40, h64, true), repoEntry("b", c40, h64, true)).Marshal()
	base := lockOf().Marshal()

	// Git's own shape: the common lines outside, one conflict in the middle, labels after the markers.
	common := strings.SplitAfter(string(ours), "\n")
	hunk := "<<<<<<< HEAD\n" + strings.Join(common[2:len(common)-3], "") + "=======\n" +
		strings.Join(strings.SplitAfter(string(theirs), "\n")[2:len(strings.SplitAfter(string(theirs), "\n"))-3], "") + ">>>>>>> feature\n"
	gitShape := strings.Join(common[:2], "") + hunk + strings.Join(common[len(common)-3:], "")

	for _, c := range []struct {
		name, data    string
		wantOurs      int // skills on each side; -1: an *Error whose problem holds want
		wantTheirs    int
		wantBase      bool
		want          string
		conflicts     int
		oursN, theirN string
	}{
		{name: "whole files", data: string(Conflicted(nil, ours, theirs)), wantOurs: 1, wantTheirs: 2, conflicts: 1, oursN: "ours", theirN: "theirs"},
		{name: "with base", data: string(Conflicted(base, ours, theirs)), wantOurs: 1, wantTheirs: 2, wantBase: true, conflicts: 1},
		{name: "git's shape", data: gitShape, wantOurs: 1, wantTheirs: 2, conflicts: 1, oursN: "HEAD", theirN: "feature"},
		{name: "crlf", data: strings.ReplaceAll(string(Conflicted(nil, ours, theirs)), "\n", "\r\n"), wantOurs: 1, wantTheirs: 2, conflicts: 1},
		{name: "unclosed", data: "<<<<<<< a\n{}\n=======\n{}\n", wantOurs: -1, want: "a conflict is left open"},
		{name: "stray middle", data: "{\n=======\n}\n<<<<<<< a\n>>>>>>> b\n", wantOurs: -1, want: `line 2: conflict marker "=======" out of place`},
		{name: "nested", data: "<<<<<<< a\n<<<<<<< b\n=======\n>>>>>>> b\n", wantOurs: -1, want: "line 2"},
		{name: "close before middle", data: "<<<<<<< a\n{}\n>>>>>>> b\n", wantOurs: -1, want: "out of place"},
		{name: "a side is not a lock", data: "<<<<<<< a\n{\"version\":1,\"skills\":[]}\n=======\nnot json\n>>>>>>> b\n", wantOurs: -1, want: "mid-merge, and their side is not a valid lock either"},
		{name: "bad base is no base", data: "<<<<<<< a\n{\"version\":1,\"skills\":[]}\n||||||| o\nnot json\n=======\n{\"version\":1,\"skills\":[]}\n>>>>>>> b\n", wantOurs: 0, wantTheirs: 0, conflicts: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("skills.lock", []byte(c.data))
			var ce *ConflictError
			var le *Error
			switch {
			case c.wantOurs < 0:
				if !errors.As(err, &le) || !strings.Contains(le.Problem, c.want) {
					t.Fatalf("got %v, want an *Error with %q", err, c.want)
				}
			case !errors.As(err, &ce):
				t.Fatalf("got %v, want a *ConflictError", err)
			default:
				if len(ce.Ours.Skills) != c.wantOurs || len(ce.Theirs.Skills) != c.wantTheirs || (ce.Base != nil) != c.wantBase || ce.Conflicts != c.conflicts {
					t.Fatalf("ours %d theirs %d base %v conflicts %d", len(ce.Ours.Skills), len(ce.Theirs.Skills), ce.Base != nil, ce.Conflicts)
				}
				if c.oursN != "" && (ce.OursName != c.oursN || ce.TheirName != c.theirN) {
					t.Fatalf("labels %q %q", ce.OursName, ce.TheirName)
				}
				if !strings.Contains(ce.Error(), "skills.lock: mid-merge: it holds git conflict markers") || !strings.HasPrefix(ce.Hints()[0], "skillctl install ") {
					t.Fatalf("message %q, hints %q", ce.Error(), ce.Hints())
				}
			}
		})
	}
}

// TestMerge is the merge's matrix: each row two sides (and a base or none), what the result keeps, and
// which notes or errors it gives.
func TestMerge(t *testing.T) {
	a1 := repoEntry("a", c40, h64, true)
	a2 := repoEntry("a", c40b, h64b, true)
	a3 := repoEntry("a", c40c, h64b, true)
	b1 := repoEntry("b", c40, h64, true)
	dep := repoEntry("d", c40, h64, false)
	needsD := repoEntry("n", c40, h64, true, "d")
	aDep := a1
	aDep.Requested = false
	placed := a1
	placed.Placements = []Placement{{Dir: ".agents/skills", Mode: ModeLink}}
	otherRepo := a1
	otherRepo.Repo, otherRepo.Source = "https://github.com/x/y", "x/y"
	sameRepoSpelledOtherwise := a1
	sameRepoSpelledOtherwise.Repo = "https://github.com/O/R.git"
	asked := a1
	asked.Source = "a"

	newer := func(o, t Entry) (Entry, string, error) {
		if o.Commit == c40c || t.Commit == c40c {
			return Entry{}, "", fmt.Errorf("%s: cannot tell", o.Name)
		}
		if t.Commit > o.Commit {
			return t, o.Name + ": theirs is newer", nil
		}
		return o, o.Name + ": ours is newer", nil
	}
	for _, c := range []struct {
		name               string
		base, ours, theirs *Lock
		want               string // "name@commit[*requested][+placements]" sorted, or "error: text"
		note               string
	}{
		{"union", nil, lockOf(a1), lockOf(b1), "a@0123 b@0123", ""},
		{"same on both", nil, lockOf(a1, b1), lockOf(a1, b1), "a@0123 b@0123", ""},
		{"base: a removal on one side stays removed", lockOf(a1, b1), lockOf(a1), lockOf(a1, b1), "a@0123", ""},
		{"base: a change on one side wins", lockOf(a1), lockOf(a1), lockOf(a2), "a@1111", ""},
		{"base: removed on one side, changed on the other", lockOf(a1), lockOf(), lockOf(a2), "a@1111", "removed on one side and changed on the other"},
		{"no base: a removal is not seen", nil, lockOf(), lockOf(a1), "a@0123", ""},
		{"two commits: decided", nil, lockOf(a1), lockOf(a2), "a@1111", "a: theirs is newer"},
		{"two commits, one repository spelled two ways", nil, lockOf(a2), lockOf(sameRepoSpelledOtherwise), "a@1111", "a: ours is newer"},
		{"undecidable", nil, lockOf(a1), lockOf(a3), "error: a: cannot tell", ""},
		{"different skills, one name", nil, lockOf(a1), lockOf(otherRepo), "error: a: the two sides install different skills under that name", ""},
		{"requested on either side", nil, lockOf(aDep), lockOf(a1), "a@0123*", ""},
		{"placed on either side", nil, lockOf(a1), lockOf(placed), "a@0123+.agents/skills", ""},
		{"asked for two ways: ours' words", nil, lockOf(asked), lockOf(a1), "a@0123", ""},
		{"a dependency both kept", nil, lockOf(needsD, dep), lockOf(needsD, dep, b1), "b@0123 d@0123 n@0123", ""},
		{"a dependency one side removed", lockOf(needsD, dep), lockOf(needsD), lockOf(needsD, dep), "error: n: depends on d, which neither side's lock keeps", ""},
		{"an orphan", nil, lockOf(dep), lockOf(b1), "b@0123 d@0123", "d: came as a dependency and nothing needs it now"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, notes, err := Merge(c.base, c.ours, c.theirs, newer)
			var s string
			if err != nil {
				s = "error: " + err.Error()
			} else {
				var parts []string
				for _, e := range got.Skills {
					p := e.Name + "@" + e.Commit[:4]
					if e.Requested && e.Name == "a" && c.name == "requested on either side" {
						p += "*"
					}
					for _, pl := range e.Placements {
						p += "+" + pl.Dir
					}
					parts = append(parts, p)
				}
				s = strings.Join(parts, " ")
				if _, err := Parse("merged", got.Marshal()); err != nil {
					t.Fatalf("merged lock does not parse: %v", err)
				}
			}
			if !strings.HasPrefix(s, c.want) {
				t.Fatalf("got %q, want %q", s, c.want)
			}
			if c.note != "" && !strings.Contains(strings.Join(notes, "\n"), c.note) {
				t.Fatalf("notes %q, want one with %q", notes, c.note)
			}
			if c.note == "" && len(notes) > 0 && err == nil {
				t.Fatalf("unexpected notes %q", notes)
			}
		})
	}
}

func FuzzParseConflict(f *testing.F) {
	ours := lockOf(repoEntry("a", c40, h64, true)).Marshal()
	theirs := lockOf(repoEntry("a", c40b, h64b, true), repoEntry("b", c40, h64, true)).Marshal()
	f.Add(Conflicted(nil, ours, theirs))
	f.Add(Conflicted(lockOf().Marshal(), ours, theirs))
	f.Add([]byte("<<<<<<< a\n{}\n=======\n{}\n>>>>>>> b\n<<<<<<< c\n"))
	f.Add([]byte("{\n<<<<<<<\n|||||||\n=======\n>>>>>>>\n}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("f", data)
		var ce *ConflictError
		if !errors.As(err, &ce) {
			if err == nil && hasConflict(data) {
				t.Fatalf("a lock with conflict markers parsed as one lock")
			}
			_ = l
			return
		}
		if !hasConflict(data) {
			t.Fatalf("a conflict reported without markers")
		}
		// Each side is a lock by every rule Parse has; the merge of the two (any decision) is one too.
		merged, _, err := Merge(ce.Base, ce.Ours, ce.Theirs, func(o, t Entry) (Entry, string, error) { return t, "", nil })
		for _, side := range []*Lock{ce.Ours, ce.Theirs, merged} {
			if side == nil {
				continue
			}
			if _, perr := Parse("side", side.Marshal()); perr != nil {
				t.Fatalf("a side or the merge does not parse again: %v", perr)
			}
		}
		_ = err
	})
}

// TestMergeLarge takes apart and merges a conflicted lock near the size cap, built to be costly: one
// skill placed in thousands of folders on each side, and a chain of dependencies as long as the lock.
// Every step is linear (or n log n) in the input; a quadratic one would not finish in the test's time.
func TestMergeLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	side := func(prefix string, commit string) *Lock {
		l := lockOf()
		for i := 0; i < 8000; i++ {
			e := repoEntry(fmt.Sprintf("s%d", i), commit, h64, i == 0)
			if i+1 < 8000 {
				e.Dependencies = []string{fmt.Sprintf("s%d", i+1)}
			}
			l.Skills = append(l.Skills, e)
		}
		for i := 0; i < 10000; i++ {
			l.Skills[0].Placements = append(l.Skills[0].Placements, Placement{Dir: fmt.Sprintf("%s/p%d", prefix, i), Mode: ModeLink})
		}
		return l
	}
	data := Conflicted(nil, side("a", c40).Marshal(), side("b", c40b).Marshal())
	if len(data) > MaxSize {
		t.Fatalf("test input is %d bytes, over the cap", len(data))
	}
	_, err := Parse("big", data)
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatal(err)
	}
	got, _, err := Merge(ce.Base, ce.Ours, ce.Theirs, func(o, t Entry) (Entry, string, error) { return t, "", nil })
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Find(".claude/skills", "s0").Placements); n != 20000 {
		t.Fatalf("%d placements, want both sides' 20000", n)
	}
}

// TestEither: mid-merge, a reader sees every skill either side records, once, ours first.
func TestEither(t *testing.T) {
	ours := lockOf(repoEntry("a", c40, h64, true), repoEntry("b", c40, h64, true)).Marshal()
	theirs := lockOf(repoEntry("b", c40b, h64b, true), repoEntry("c", c40, h64, true)).Marshal()
	_, err := Parse("skills.lock", Conflicted(nil, ours, theirs))
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *ConflictError", err)
	}
	var got []string
	for _, e := range ce.Either().Skills {
		got = append(got, e.Name+"@"+e.Commit[:1])
	}
	if want := "[a@0 b@0 c@0]"; fmt.Sprint(got) != want {
		t.Errorf("Either() = %v, want %s", got, want)
	}
}
