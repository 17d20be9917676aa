package txn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHostileStages: a stage folder that came with a cloned project, not from an interrupted run, must
// not make recovery rename anything between the project and the rest of the disk, in either direction,
// nor hang on a special file. Each case is refused with a hint, and the files on both sides stay put.
func TestHostileStages(t *testing.T) {
	type setup func(t *testing.T, proj, tdir, stage, outside string)
	journal := func(s string) setup {
		return func(t *testing.T, proj, tdir, stage, outside string) {
			write(t, filepath.Join(stage, "journal"), s)
		}
	}
	for _, tc := range []struct {
		name    string
		setup   setup
		problem string
	}{
		// stage/old/../../../out/PWNED is proj/out/PWNED; tdir/../../../out/PWNED is outside.
		{"remove climbs out", journal(`{"remove":["../../../out/PWNED"],"entries":"x"}`), `names "../../../out/PWNED"`},
		{"write climbs out", journal(`{"write":["../../../out/PWNED"],"entries":"x"}`), "not a folder of the target"},
		{"absolute name", journal(`{"remove":["/etc"],"entries":"x"}`), "not a folder of the target"},
		{"another stage", journal(`{"remove":[".skillctl-stage-y"],"entries":"x"}`), "not a folder of the target"},
		{"old links out", func(t *testing.T, proj, tdir, stage, outside string) {
			os.Remove(filepath.Join(stage, "old"))
			os.Symlink(outside, filepath.Join(stage, "old"))
			write(t, filepath.Join(stage, "journal"), `{"remove":["secret"],"entries":"x"}`)
		}, "old is not a real folder"},
		{"new links out", func(t *testing.T, proj, tdir, stage, outside string) {
			os.Remove(filepath.Join(stage, "new"))
			os.Symlink(outside, filepath.Join(stage, "new"))
			write(t, filepath.Join(stage, "journal"), `{"write":["secret"],"entries":"x"}`)
		}, "new is not a real folder"},
		{"journal links out", func(t *testing.T, proj, tdir, stage, outside string) {
			write(t, filepath.Join(outside, "j"), `{"remove":["a"],"entries":"x"}`)
			os.Symlink(filepath.Join(outside, "j"), filepath.Join(stage, "journal"))
		}, "symbolic link"},
		{"journal is a device", func(t *testing.T, proj, tdir, stage, outside string) {
			os.Symlink("/dev/zero", filepath.Join(stage, "journal"))
		}, "is a device"},
		{"journal is a FIFO", func(t *testing.T, proj, tdir, stage, outside string) {
			if mkfifo(filepath.Join(stage, "journal")) != nil {
				t.Skip("no FIFO")
			}
		}, "named pipe"},
		{"journal is huge", journal(`{"remove":[` + strings.Repeat(`"a",`, maxJournal/4) + `"a"],"entries":"x"}`), "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			proj := filepath.Join(root, "proj")
			outside := filepath.Join(root, "out")
			tdir := filepath.Join(proj, ".claude", "skills")
			stage := filepath.Join(tdir, stagePrefix+"x")
			for _, d := range []string{outside, filepath.Join(stage, "new"), filepath.Join(stage, "old")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			write(t, filepath.Join(outside, "secret", "SKILL.md"), "the user's")
			write(t, filepath.Join(proj, ".claude", "out", "PWNED", "x"), "payload") // stage/old/../../../out/PWNED
			write(t, filepath.Join(tdir, "out", "PWNED", "x"), "payload")            // stage/new/../../../out/PWNED
			write(t, filepath.Join(proj, "skills.lock"), `{"version":1,"skills":[]}`)
			tc.setup(t, proj, tdir, stage, outside)
			tg := Target{Dir: tdir, Rel: ".claude/skills", Lock: filepath.Join(proj, "skills.lock")}

			done := make(chan error, 1)
			go func() { done <- Recover(tg) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("recovery still running after 10s")
			}
			if err == nil || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("Recover = %v, want %q", err, tc.problem)
			}
			if ents, _ := os.ReadDir(outside); len(ents) != 1 && tc.name != "journal links out" {
				t.Errorf("outside now holds %v", ents)
			}
			if b, err := os.ReadFile(filepath.Join(outside, "secret", "SKILL.md")); err != nil || string(b) != "the user's" {
				t.Errorf("outside file moved or changed: %q %v", b, err)
			}
			if _, err := os.Stat(filepath.Join(proj, ".claude", "out", "PWNED", "x")); err != nil {
				t.Errorf("payload moved: %v", err)
			}
			if _, err := os.Stat(stage); err != nil {
				t.Errorf("the stage was deleted instead of shown: %v", err)
			}
		})
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
