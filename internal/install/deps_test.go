package install

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/skillctl/skillctl/internal/resolver"
)

// deps and install --dry-run resolve through one resolver, so for one source they give one graph: the
// same skills, from the same places, in the same order.
func TestDepsMatchesDryRun(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("SKILLCTL_CACHE_DIR", filepath.Join(dir, ".cache"))
	t.Setenv("SKILLCTL_CONFIG_DIR", filepath.Join(dir, ".config"))
	write := func(name, body string) {
		p := filepath.Join(dir, "proj", name, "SKILL.md")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("---\nname: "+name+"\ndescription: A test skill. Use it in tests.\n"+body+"---\nBody.\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("top", "depends-on:\n  - mid\n  - leaf\n")
	write("mid", "depends-on:\n  - leaf\n  - python-typing-patterns\n")
	write("leaf", "")
	src := []string{"./proj/top"}

	res, err := resolver.New(nil, Limits{}).Resolve(context.Background(), src, false) // what deps draws
	if err != nil {
		t.Fatal(err)
	}
	g, roots := res.Graph, res.Roots
	order, err := g.Order(roots...)
	if err != nil {
		t.Fatal(err)
	}
	reps, err := Run(context.Background(), Options{Sources: src, DryRun: true, Target: TargetOptions{Dir: "out"}})
	if err != nil {
		t.Fatal(err)
	}
	var planned []string
	for _, in := range reps[0].Installed {
		planned = append(planned, in.Name)
		if !slices.Equal(in.Dependencies, sorted(g.Deps(in.Name))) {
			t.Errorf("%s: install plans dependencies %v, deps shows %v", in.Name, in.Dependencies, g.Deps(in.Name))
		}
	}
	if !slices.Equal(planned, order) || len(order) != 4 {
		t.Errorf("install --dry-run plans %v; deps orders %v", planned, order)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a dry run wrote the target: %v", err)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}
