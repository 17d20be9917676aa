//go:build unix

package localfs

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeSkill(t *testing.T, dir, file, text string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestListSkills is the matrix of what a folder an agent reads may hold: each hostile entry is reported
// or skipped, never followed out of the project and never allowed to block, and every real skill is read
// by the one reader.
func TestListSkills(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "project")
	out := filepath.Join(base, "outside")
	agentDir := filepath.Join(root, ".claude", "skills")
	shared := filepath.Join(root, ".agents", "skills")

	writeSkill(t, filepath.Join(agentDir, "plain"), "SKILL.md", "---\nname: plain\ndescription: A plain skill.\n---\n")
	writeSkill(t, filepath.Join(agentDir, "lower"), "skill.md", "---\nname: lower\ndescription: Lowercase file.\n---\n")
	writeSkill(t, filepath.Join(agentDir, "noname"), "SKILL.md", "---\ndescription: No name field.\n---\n")
	writeSkill(t, filepath.Join(agentDir, ".skillctl-stage-1", "x"), "SKILL.md", "---\nname: x\ndescription: A stage.\n---\n")
	writeSkill(t, filepath.Join(agentDir, "broken"), "SKILL.md", "no frontmatter\n")
	writeSkill(t, filepath.Join(agentDir, "notaskill"), "README.md", "hello\n")
	writeSkill(t, filepath.Join(shared, "placed"), "SKILL.md", "---\nname: placed\ndescription: Reached through a placement.\n---\n")
	os.Symlink(filepath.Join("..", "..", ".agents", "skills", "placed"), filepath.Join(agentDir, "placed"))
	writeSkill(t, filepath.Join(out, "secret"), "SKILL.md", "---\nname: secret\ndescription: Outside the project.\n---\n")
	os.Symlink(filepath.Join(out, "secret"), filepath.Join(agentDir, "escape"))
	os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(agentDir, "dangling"))
	writeSkill(t, filepath.Join(out, "target"), "SKILL.md", "---\nname: target\ndescription: A linked file.\n---\n")
	os.MkdirAll(filepath.Join(agentDir, "filelink"), 0o755)
	os.Symlink(filepath.Join(out, "target", "SKILL.md"), filepath.Join(agentDir, "filelink", "SKILL.md"))
	os.WriteFile(filepath.Join(agentDir, "loose.md"), []byte("a file, not a skill folder"), 0o644)
	big := "---\nname: big\ndescription: d\n---\n" + strings.Repeat("x", 1<<20)
	writeSkill(t, filepath.Join(agentDir, "big"), "SKILL.md", big)
	fifo := false
	os.MkdirAll(filepath.Join(agentDir, "fifo"), 0o755)
	if syscall.Mkfifo(filepath.Join(agentDir, "fifo", "SKILL.md"), 0o644) == nil {
		fifo = true
	}

	type result struct {
		listed   []Listed
		unlisted []Unlisted
		err      error
	}
	done := make(chan result, 1)
	go func() {
		l, u, err := ListSkills(agentDir, root)
		done <- result{l, u, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("ListSkills blocked")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	names := map[string]Listed{}
	for _, l := range r.listed {
		names[l.Name] = l
	}
	for _, want := range []string{"plain", "lower", "noname", "placed"} {
		if _, ok := names[want]; !ok {
			t.Errorf("%s was not listed (listed %v)", want, r.listed)
		}
	}
	if names["noname"].Description != "No name field." {
		t.Errorf("a skill without a name lists under its folder's name: %+v", names["noname"])
	}
	if p := names["placed"]; !strings.HasSuffix(p.Real, filepath.Join(".agents", "skills", "placed")) || p.Path != filepath.Join(agentDir, "placed") {
		t.Errorf("a placement is read through its link and resolved: %+v", p)
	}
	for _, no := range []string{"x", "secret", "target", "big", "notaskill", "broken"} {
		if _, ok := names[no]; ok {
			t.Errorf("%s was listed", no)
		}
	}
	problems := map[string]string{}
	for _, u := range r.unlisted {
		problems[filepath.Base(strings.TrimSuffix(u.Path, string(filepath.Separator)+"SKILL.md"))] = u.Problem
	}
	want := map[string]string{
		"escape":   "out of the project",
		"dangling": "leads nowhere",
		"filelink": "never followed",
		"big":      "larger than",
		"broken":   "frontmatter cannot be read",
	}
	if fifo {
		want["fifo"] = "named pipe"
	}
	for k, v := range want {
		if !strings.Contains(problems[k], v) {
			t.Errorf("%s: problem %q; want it to say %q", k, problems[k], v)
		}
	}

	// The agent folder itself as a link out of the project is not followed.
	linked := filepath.Join(root, ".cursor", "skills")
	os.MkdirAll(filepath.Dir(linked), 0o755)
	os.Symlink(out, linked)
	l, u, err := ListSkills(linked, root)
	if err != nil || len(l) != 0 || len(u) != 1 || !strings.Contains(u[0].Problem, "out of the project") {
		t.Errorf("a linked agent folder: listed %v, unlisted %v, %v", l, u, err)
	}
	// A user-level folder is the user's own: its links are followed.
	l, _, err = ListSkills(linked, "")
	if err != nil || len(l) != 2 {
		t.Errorf("a user-level folder's links: listed %v, %v", l, err)
	}
	// A missing folder lists nothing.
	if l, u, err := ListSkills(filepath.Join(root, ".none", "skills"), root); l != nil || u != nil || err != nil {
		t.Errorf("a missing folder: %v %v %v", l, u, err)
	}
}
