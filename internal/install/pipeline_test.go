package install

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/lockfile"
	"github.com/skillctl/skillctl/internal/snapshot"
)

func pipelineTarget(t *testing.T) Target {
	dir := t.TempDir()
	return Target{Dir: filepath.Join(dir, "skills"), Rel: "skills", Lock: filepath.Join(dir, "skills.lock")}
}

var pipelineFolder = &snapshot.Folder{Files: []snapshot.File{{Path: "SKILL.md", Mode: snapshot.Regular,
	Data: []byte("---\nname: a\ndescription: A test skill. Use it in tests.\n---\nBody.\n")}}}

// The review (and the question it may ask) happens with no file lock held: another skillctl run on the
// project can take the lock meanwhile, instead of waiting for someone to answer.
func TestPipelineReviewsWithoutTheFileLock(t *testing.T) {
	tg := pipelineTarget(t)
	reviewed := false
	err := pipeline{target: tg,
		plan: func(lock *lockfile.Lock) (*change, error) {
			return &change{write: map[string]*snapshot.Folder{"a": pipelineFolder}}, nil
		},
		review: func(*change) error {
			reviewed = true
			done := make(chan error, 1)
			go func() {
				unlock, err := lockTarget(tg)
				if err == nil {
					unlock()
				}
				done <- err
			}()
			select {
			case err := <-done:
				return err
			case <-time.After(5 * time.Second):
				return errors.New("the file lock is held while the review runs")
			}
		},
	}.run(context.Background())
	if err != nil || !reviewed {
		t.Fatalf("run: %v (reviewed %v)", err, reviewed)
	}
	if !exists(filepath.Join(tg.Dir, "a", "SKILL.md")) {
		t.Error("the reviewed change was not applied")
	}
}

// When the target changes while the review waits, the plan made again under the lock differs, and
// nothing is written: what was reviewed is what gets applied, or nothing.
func TestPipelineRefusesAChangedTarget(t *testing.T) {
	tg := pipelineTarget(t)
	other := filepath.Join(tg.Dir, "b")
	err := pipeline{target: tg,
		plan: func(lock *lockfile.Lock) (*change, error) {
			c := &change{write: map[string]*snapshot.Folder{"a": pipelineFolder}}
			if exists(other) {
				c.remove = []string{"b"}
			}
			return c, nil
		},
		review: func(*change) error {
			return writeSkillFolder(other) // another run lands here meanwhile
		},
	}.run(context.Background())
	if !errors.Is(err, errMoved) {
		t.Fatalf("err = %v, want errMoved", err)
	}
	if exists(filepath.Join(tg.Dir, "a")) || exists(tg.Lock) {
		t.Error("a change was applied after the target moved")
	}
}

// A dry run plans and reviews and writes nothing, not even the target folder.
func TestPipelineDryRunWritesNothing(t *testing.T) {
	tg := pipelineTarget(t)
	planned, reviewed := 0, false
	err := pipeline{target: tg, dryRun: true,
		plan: func(lock *lockfile.Lock) (*change, error) {
			planned++
			return &change{write: map[string]*snapshot.Folder{"a": pipelineFolder}}, nil
		},
		review: func(*change) error { reviewed = true; return nil },
	}.run(context.Background())
	if err != nil || planned != 1 || !reviewed {
		t.Fatalf("err %v, planned %d times, reviewed %v", err, planned, reviewed)
	}
	if exists(tg.Dir) || exists(tg.Lock) {
		t.Error("a dry run wrote to the disk")
	}
}

func writeSkillFolder(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	return localfs.Write(dir, pipelineFolder)
}
