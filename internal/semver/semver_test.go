package semver

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"v1.2.3", true}, {"v0.0.0", true}, {"v1.2.3-rc.1", true}, {"v1.2.3-rc.1+build.5", true},
		{"v1.2.3+meta", true}, {"v10.20.30", true},
		{"1.2.3", false}, {"v1.2", false}, {"v1", false}, {"v01.2.3", false}, {"v1.2.3-", false},
		{"v1.2.3-01", false}, {"v1.2.3-a..b", false}, {"v1.2.3+", false}, {"v1.2.3-rc_1", false},
		{"v1.2.3.4", false}, {"V1.2.3", false}, {"v99999999999.0.0", false}, {"", false}, {"latest", false},
	} {
		_, ok := Parse(tc.in)
		if ok != tc.ok {
			t.Errorf("Parse(%q) ok = %v, want %v", tc.in, ok, tc.ok)
		}
	}
}

func TestCompare(t *testing.T) {
	// Each is lower than the next, as semver's precedence example orders them.
	order := []string{"v1.0.0-alpha", "v1.0.0-alpha.1", "v1.0.0-alpha.beta", "v1.0.0-beta", "v1.0.0-beta.2",
		"v1.0.0-beta.11", "v1.0.0-rc.1", "v1.0.0", "v1.0.1", "v1.2.0", "v1.10.0", "v2.0.0"}
	for i := range order {
		for j := range order {
			a, _ := Parse(order[i])
			b, _ := Parse(order[j])
			want := sign(i - j)
			if got := Compare(a, b); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
	a, _ := Parse("v1.0.0+a")
	b, _ := Parse("v1.0.0+b")
	if Compare(a, b) != 0 {
		t.Error("build metadata must not count")
	}
}

func refs(tags ...string) map[string]string {
	m := map[string]string{"HEAD": "h", "refs/heads/main": "h"}
	for _, t := range tags {
		m["refs/tags/"+t] = "c-" + t
	}
	return m
}

func TestSelect(t *testing.T) {
	repo := refs("v1.0.0", "v1.1.0", "v1.2.0-rc.1", "v1.1.5", "v2.0.0", "v2.1.0-beta", "v3", "latest", "skills/x/v0.9.0",
		"skills/x/v0.10.0", "skills/xy/v5.0.0", "nightly")
	for _, tc := range []struct {
		path, query, want string // want: the tag's name, "" for none
	}{
		{"", "latest", "v2.0.0"},
		{"", "v1", "v1.1.5"},
		{"", "v1.1", "v1.1.5"},
		{"", "v1.0", "v1.0.0"},
		{"", "v1.2", ""}, // only a pre-release
		{"", "v1.2.0-rc.1", "v1.2.0-rc.1"},
		{"", "v2.1.0-beta", "v2.1.0-beta"},
		{"", "v2.1", ""},
		{"", "v1.0.0", "v1.0.0"},
		{"", "v1.0.1", ""},
		{"", "v3", ""}, // the tag v3 is not a version
		{"skills/y", "latest", "v2.0.0"},
		{"skills/x", "latest", "skills/x/v0.10.0"}, // its own tags win
		{"skills/x", "v2", ""},
		{"skills/x", "v0.9", "skills/x/v0.9.0"},
		{"skills", "latest", "v2.0.0"},
	} {
		q, ok := ParseQuery(tc.query)
		if !ok {
			t.Fatalf("ParseQuery(%q) failed", tc.query)
		}
		r, found := Select(Releases(repo, tc.path), q)
		got := strings.TrimPrefix(r.Tag, "refs/tags/")
		if !found {
			got = ""
		}
		if got != tc.want {
			t.Errorf("Select(%s at %q) = %q, want %q", tc.query, tc.path, got, tc.want)
		}
		if found && r.Commit != "c-"+tc.want {
			t.Errorf("Select(%s at %q) commit %q", tc.query, tc.path, r.Commit)
		}
	}
}

func TestAtLeast(t *testing.T) {
	rels := Releases(refs("v1.0.0", "v1.2.0", "v1.3.0-rc.1", "v1.3.0", "v2.0.0"), "")
	for _, tc := range []struct{ min, want string }{
		{"v1", "v1.0.0"}, {"v1.1", "v1.2.0"}, {"v1.2.0", "v1.2.0"}, {"v1.2.1", "v1.3.0"}, {"v1.4", ""},
		{"v2", "v2.0.0"}, {"v0", ""},
	} {
		m, ok := ParseMin(tc.min)
		if !ok {
			t.Fatalf("ParseMin(%q) failed", tc.min)
		}
		r, found := AtLeast(rels, m)
		got := strings.TrimPrefix(r.Tag, "refs/tags/")
		if !found {
			got = ""
		}
		if got != tc.want {
			t.Errorf("AtLeast(%s) = %q, want %q", tc.min, got, tc.want)
		}
	}
	for _, bad := range []string{"latest", "v1.2.3-rc.1", "1.2", "v1.2.3+b", "v"} {
		if _, ok := ParseMin(bad); ok {
			t.Errorf("ParseMin(%q) accepted", bad)
		}
	}
	if n, _ := Newest(rels, 1); n.Tag != "refs/tags/v1.3.0" {
		t.Errorf("Newest(1) = %s", n.Tag)
	}
	if n, _ := Newest(rels, -1); n.Tag != "refs/tags/v2.0.0" {
		t.Errorf("Newest(-1) = %s", n.Tag)
	}
}

func TestIsQuery(t *testing.T) {
	for s, want := range map[string]bool{"latest": true, "v1": true, "v1.2": true, "v1.2.3": true, "v1.2.3-rc.1": true,
		"team": false, "v": false, "va": false, "v1-x": false, "vendor": false, "v1.2.3.4": false} {
		if IsQuery(s) != want {
			t.Errorf("IsQuery(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{"v1.2.3.4": true, "v1.02": true, "v1.": true, "v1.2.3": false, "v1": false,
		"v01": false, "v2-team": false, "vendor": false, "1.2.3": false, "latest": false} {
		if MeantAsVersion(s) != want {
			t.Errorf("MeantAsVersion(%q) = %v", s, !want)
		}
	}
}

// TestNext: update stays in the major (crosses with cross), never moves back, and skips pre-releases; a
// pre-release moves to its major's release once one is newer.
func TestNext(t *testing.T) {
	rels := Releases(refs("v1.0.0", "v1.2.0", "v1.3.0-rc.1", "v2.0.0", "v2.1.0-rc.1"), "")
	for _, tc := range []struct {
		cur   string
		cross bool
		want  string
	}{
		{"v1.0.0", false, "v1.2.0"}, {"v1.0.0", true, "v2.0.0"}, {"v1.2.0", false, ""}, {"v2.0.0", true, ""},
		{"v1.3.0-rc.1", false, ""}, {"v1.1.0-rc.1", false, "v1.2.0"}, {"v2.1.0-rc.1", true, ""}, {"v3.0.0", true, ""},
	} {
		cur, _ := Parse(tc.cur)
		r, ok := Next(rels, cur, tc.cross)
		got := r.Version.String()
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("Next(%s, cross %v) = %q, want %q", tc.cur, tc.cross, got, tc.want)
		}
	}
}

// FuzzParse: a version that parses prints as typed, compares equal to itself, and reads as an exact query
// that matches it alone.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"v1.2.3", "v1.2.3-rc.1+b", "v0.0.0-0", "v1", "v1.2", "latest", "v01.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := Parse(s)
		if !ok {
			if q, qok := ParseQuery(s); qok && q.parts == 3 {
				t.Fatalf("%q: an exact query that is not a version", s)
			}
			return
		}
		if v.String() != s || Compare(v, v) != 0 {
			t.Fatalf("%q: round trip %q", s, v.String())
		}
		q, qok := ParseQuery(s)
		if !qok || !q.Matches(v) {
			t.Fatalf("%q: not a query matching itself", s)
		}
		if tv, ok := TagVersion("refs/tags/dir/" + s); !ok || Compare(tv, v) != 0 {
			t.Fatalf("%q: tag version differs", s)
		}
	})
}
