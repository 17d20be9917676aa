package manifest

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/agents"
)

// corpusDir is the shared corpus of published skills, beside the repository.
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus")

type corpusSkill struct {
	file, dir string
	data      []byte
	files     []string
}

// loadCorpus reads every SKILL.md of the shared corpus with its _files.tsv listing, or skips.
func loadCorpus(tb testing.TB) []corpusSkill {
	tb.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		tb.Skipf("shared corpus not found at %s: %v", corpusDir, err)
	}
	var out []corpusSkill
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(d.Name(), "SKILL.md") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := corpusSkill{file: p, dir: filepath.Base(filepath.Dir(p)), data: data, files: []string{}}
		if tsv, err := os.ReadFile(filepath.Join(filepath.Dir(p), "_files.tsv")); err == nil {
			sc := bufio.NewScanner(bytes.NewReader(tsv))
			for sc.Scan() {
				f := strings.SplitN(sc.Text(), "\t", 4)
				if len(f) == 4 {
					s.files = append(s.files, f[3])
				}
			}
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestCorpus checks every published skill of the corpus: no panic, every rule reported is documented,
// and the counts are logged (go test -v -run Corpus) for the README.
func TestCorpus(t *testing.T) {
	skills := loadCorpus(t)
	known := map[string]bool{}
	for _, r := range Rules {
		known[r.ID] = true
	}
	fields := agents.KnownFields() // as every command checks a skill
	for _, mode := range []Mode{{Fields: fields}, {Spec: true, Fields: fields}, {Strict: true, Fields: fields}} {
		invalid := 0
		rules := map[string]int{}
		for _, s := range skills {
			_, d := Check(Input{File: s.file, Dir: s.dir, Data: s.data, Files: s.files}, mode)
			if !Valid(d) {
				invalid++
			}
			for _, x := range d {
				if !known[x.Rule] {
					t.Errorf("%s: rule %q is not in Rules", x, x.Rule)
				}
				rules[x.Rule]++
			}
		}
		type kv struct {
			k string
			v int
		}
		var top []kv
		for k, v := range rules {
			top = append(top, kv{k, v})
		}
		sort.Slice(top, func(i, j int) bool { return top[i].v > top[j].v || top[i].v == top[j].v && top[i].k < top[j].k })
		if len(top) > 10 {
			top = top[:10]
		}
		t.Logf("mode %+v: %d skills, %d invalid; top rules %v", mode, len(skills), invalid, top)
		if len(skills) > 0 && invalid == len(skills) {
			t.Errorf("mode %+v: every skill invalid: the rules are surely wrong", mode)
		}
	}
}
