package scaffold

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/validate"
)

// TestCreate: a new skill passes validate --strict as created; a bad name is a usage error; an existing
// folder, or a parent that is a link out of the project, is refused and nothing is written.
func TestCreate(t *testing.T) {
	proj := t.TempDir()
	outside := t.TempDir()
	t.Chdir(proj)
	if err := os.WriteFile("skills.lock", []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, "linked"); err != nil {
		t.Skip("no symbolic links here:", err)
	}

	dir, err := Create(Options{Name: "pdf-forms", Dir: "skills"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = validate.Each(validate.Options{Paths: []string{dir}, Strict: true}, func(r *validate.Result) error {
		if len(r.Diagnostics) > 0 || r.Name != "pdf-forms" {
			t.Errorf("validate --strict %s: name %q, findings %v", dir, r.Name, r.Diagnostics)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		opts  Options
		usage bool
	}{
		{Options{Name: "Bad_Name"}, true},
		{Options{Name: "pdf-forms", Dir: "skills"}, false}, // exists
		{Options{Name: "elsewhere", Dir: "linked"}, false}, // a link out of the project
	} {
		_, err := Create(c.opts)
		if err == nil {
			t.Errorf("%+v: created", c.opts)
			continue
		}
		if usage := clierr.Code(err) == clierr.CodeUsage; usage != c.usage {
			t.Errorf("%+v: usage error %v, want %v (%v)", c.opts, usage, c.usage, err)
		}
	}
	if got, _ := os.ReadDir(outside); len(got) != 0 {
		t.Errorf("wrote through the link out of the project: %v", got)
	}
	if _, err := os.Stat(filepath.Join(proj, "Bad_Name")); err == nil {
		t.Error("a bad name was created")
	}
}
