package registry

import (
	"reflect"
	"testing"
)

// The fields a lazy index is built from: description, category, author (object or string), a url
// source's path, and the renames map (null: withdrawn).
func TestParseMarketplaceIndexFields(t *testing.T) {
	m, err := ParseMarketplace([]byte(`{"plugins":[
		{"name":"a","description":"Does A.","category":"database","author":{"name":"Acme","email":"x@y"},
		 "source":{"source":"url","url":"https://git.example.com/o/a.git","path":"plugins/a","sha":"0123456789abcdef0123456789abcdef01234567"}},
		{"name":"b","author":"Bob","category":7,"source":"./b"},
		{"name":"c","source":{"source":"url","url":"https://git.example.com/o/c.git","path":"../up"}}
	],"renames":{"old-a":"a","gone":null,"same":"same","odd":3}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Plugin{
		{Name: "a", Description: "Does A.", Category: "database", Author: "Acme", Repo: "https://git.example.com/o/a",
			Path: "plugins/a", SHA: "0123456789abcdef0123456789abcdef01234567"},
		{Name: "b", Author: "Bob", Path: "b"},
		{Name: "c", Repo: "", Problem: `url path "../up" is not a relative path`},
	}
	for i := range want {
		if !reflect.DeepEqual(m.Plugins[i], want[i]) {
			t.Errorf("plugin %d:\n got %+v\nwant %+v", i, m.Plugins[i], want[i])
		}
	}
	if r := map[string]string{"old-a": "a", "gone": ""}; !reflect.DeepEqual(m.Renames, r) {
		t.Errorf("renames = %v, want %v", m.Renames, r)
	}
}

func TestExternalFetches(t *testing.T) {
	for _, c := range []struct {
		x    External
		want string
	}{
		{External{Repo: "https://h/o/r.git"}, "https://h/o/r"},
		{External{Repo: "https://h/o/r.git", Path: "p/q", Ref: "v1"}, "https://h/o/r//p/q#v1"},
		{External{Repo: "https://h/o/r.git", Ref: "v1", SHA: "abc"}, "https://h/o/r#abc"},
	} {
		if got := c.x.Fetches(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.x, got, c.want)
		}
	}
}

func TestCountedList(t *testing.T) {
	if got := countedList([]string{"a"}, "plugin", 3); got != "1 plugin: a" {
		t.Error(got)
	}
	if got := countedList([]string{"a", "b", "c", "d", "e"}, "plugin", 3); got != "5 plugins: a; b; c; and 2 more" {
		t.Error(got)
	}
}
