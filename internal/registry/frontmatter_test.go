package registry

import "testing"

func TestHeadBudget(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int64
	}{
		{"", defaultHeadBudget},
		{"0", 0},
		{"100", 100},
		{"16M", 16 << 20},
		{"512k", 512 << 10},
		{"1G", 1 << 30},
		{"-1", defaultHeadBudget},
		{"lots", defaultHeadBudget},
		{"M", defaultHeadBudget},
		{"99999999999G", defaultHeadBudget},
	} {
		t.Setenv("SKILLCTL_INDEX_BUDGET", c.env)
		if got := headBudget(); got != c.want {
			t.Errorf("SKILLCTL_INDEX_BUDGET=%q: %d, want %d", c.env, got, c.want)
		}
	}
}

// One name per skill: the frontmatter's when valid, the folder's otherwise.
func TestNameFromHead(t *testing.T) {
	for _, c := range []struct {
		data, name, desc string
	}{
		{"---\nname: keyword-search\ndescription: Finds  keywords.\n  Fast.\n---\n", "keyword-search", "Finds keywords. Fast."},
		{"---\nname: Bad_Name\ndescription: Bad.\n---\n", "folder", "Bad."},
		{"no frontmatter at all", "folder", ""},
		{"---\nname: [a, b]\n---\n", "folder", ""},
	} {
		e := Entry{Name: "folder"}
		nameFromHead(&e, []byte(c.data))
		if e.Name != c.name || e.Description != c.desc {
			t.Errorf("%q: name %q desc %q, want %q %q", c.data, e.Name, e.Description, c.name, c.desc)
		}
	}
}
