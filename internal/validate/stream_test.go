package validate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func manySkills(t *testing.T, n int) string {
	files := map[string]string{}
	for i := range n {
		name := fmt.Sprintf("s%03d", i)
		files["skills/"+name+"/SKILL.md"] = skill(name) + "See [r](references/r.md).\n"
		if i%2 == 0 {
			files["skills/"+name+"/references/r.md"] = "r"
		}
	}
	return tree(t, files)
}

// Results come in folder order whatever the number of workers, and a failing callback stops the run.
func TestEachOrderAndStop(t *testing.T) {
	chdir(t, manySkills(t, 40))
	var want []string
	for _, spec := range []bool{false, true} {
		for _, jobs := range []int{1, 3, 8} {
			rs, err := collect(Options{Paths: []string{"skills"}, Jobs: jobs, Spec: spec})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Fields(dirs(rs))
			if !slices.IsSorted(got) || len(got) != 40 {
				t.Fatalf("jobs %d: not 40 sorted results: %v", jobs, got)
			}
			if want == nil {
				want = got
			} else if !slices.Equal(got, want) {
				t.Fatalf("jobs %d: %v, want %v", jobs, got, want)
			}
			broken := 0
			for _, r := range rs {
				if len(r.Diagnostics) > 0 {
					broken++
				}
			}
			if broken != 20 {
				t.Errorf("jobs %d: %d skills with a broken link, want 20", jobs, broken)
			}
			calls := 0
			stop := errors.New("stop")
			_, err = Each(Options{Paths: []string{"skills"}, Jobs: jobs, Spec: spec}, func(*Result) error {
				calls++
				if calls == 3 {
					return stop
				}
				return nil
			})
			if err != stop || calls != 3 {
				t.Errorf("jobs %d: err %v after %d calls, want stop after 3", jobs, err, calls)
			}
		}
	}
}

// With --spec (no set checks) results are handed on while later skills are still unread: a SKILL.md
// removed when the first result arrives is found missing.
func TestEachStreams(t *testing.T) {
	chdir(t, manySkills(t, 30))
	var last *Result
	first := true
	_, err := Each(Options{Paths: []string{"skills"}, Jobs: 1, Spec: true}, func(r *Result) error {
		if first {
			first = false
			if err := os.Remove(filepath.Join("skills", "s029", "SKILL.md")); err != nil {
				return err
			}
		}
		last = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Diagnostics) != 1 || last.Diagnostics[0].Rule != "unreadable-file" ||
		!strings.Contains(last.Diagnostics[0].Message, "no such file") {
		t.Fatalf("the last skill was read before the first result was handed on: %+v", last.Diagnostics)
	}
}

// A SKILL.md that cannot be read is a finding on that skill, not the end of the run.
func TestUnreadableSkill(t *testing.T) {
	root := tree(t, map[string]string{"ok/SKILL.md": skill("ok")})
	if err := os.Mkdir(filepath.Join(root, "dangling"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere.md", filepath.Join(root, "dangling", "SKILL.md")); err != nil {
		t.Skip("symlink:", err)
	}
	chdir(t, root)
	rs, err := collect(Options{Paths: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	// A link is never followed (manifest's skill reader), dangling or not: it is not a regular file.
	if len(rs) != 2 || len(rs[0].Diagnostics) != 1 || rs[0].Diagnostics[0].Rule != "not-regular-file" ||
		!strings.Contains(rs[0].Diagnostics[0].Message, "is a link") || !rs[1].Valid() {
		t.Fatalf("%+v", rs)
	}
}
