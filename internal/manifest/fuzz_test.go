package manifest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheck feeds arbitrary bytes to Check in every mode: it must not panic, every diagnostic must have a
// position inside the file and a documented rule, and a readable skill must come with a valid verdict
// that Strict can only make stricter.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"", "---", "---\n---\n", okFM + "---\n# body\n",
		"\ufeff---\r\nname: a\r\ndescription: b\r\n---\r\n",
		okFM + "depends-on: [a, b]\nrelated-skills: c, d\nmetadata:\n  v: 1.0\nallowed-tools: [Read]\n---\n[x](references/x.md)\n",
		"---\nname: &a x\ndescription: *a\n---\n", "---\n[[[[\n---\n", "---\n- a\n---\n", "---\nname: a\x00\n",
		"---\nname: \xff\n---\n", okFM + "---\n```\n[a](b.md)\n```\n`scripts/x.sh` ![i](<assets/a b.png> \"t\")\n[r]: ../x.md\n",
	} {
		f.Add([]byte(s), "my-skill")
	}
	known := map[string]bool{}
	for _, r := range Rules {
		known[r.ID] = true
	}
	f.Fuzz(func(t *testing.T, data []byte, dir string) {
		files := []string{"SKILL.md", "references/a.md"}
		lines := 1 + strings.Count(string(data), "\n")
		var verdict [2]bool
		for i, m := range []Mode{{}, {Strict: true}, {Spec: true}} {
			sk, d := Check(Input{File: "f", Dir: dir, Data: data, Files: files}, m)
			for _, x := range d {
				if !known[x.Rule] || x.Line < 1 || x.Line > lines || x.Column < 1 || x.Message == "" || !utf8.ValidString(x.Message) && utf8.Valid(data) {
					t.Fatalf("mode %+v: bad diagnostic %+v", m, x)
				}
			}
			if sk == nil && Valid(d) {
				t.Fatalf("mode %+v: no skill but valid", m)
			}
			if i < 2 {
				verdict[i] = Valid(d)
			}
		}
		if verdict[1] && !verdict[0] {
			t.Fatal("strict valid where default is not")
		}
	})
}
