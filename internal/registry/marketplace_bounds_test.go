package registry

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// buildIndex is gitIndex's marketplace path without the network: the index of data, given the listing of
// the marketplace's own repository.
func buildIndex(data []byte, dirs []string) (*Index, []string, error) {
	m, err := ParseMarketplace(data)
	if err != nil {
		return nil, nil, err
	}
	idx := &Index{Registry: "m", Repo: "https://h/o/m.git", Renames: m.Renames}
	var notes []string
	idx.Entries, idx.Plugins, notes = marketplaceIndex(m, "", "m", &skillList{dirs: dirs})
	sortEntries(idx.Entries)
	return idx, notes, nil
}

// indexBound is the most text an index may hold when built from data and dirs: the file's text once
// (a github source grows by its URL's prefix), and for each skill folder its path, its name and its
// plugin's name (at most limits.MaxIndexName bytes).
func indexBound(data []byte, dirs []string, plugins int) int64 {
	n := int64(len(data)) + 32*int64(plugins)
	for _, d := range dirs {
		n += 2*int64(len(d)) + limits.MaxIndexName + 1
	}
	return n
}

// The marketplace: 6,000 plugins called x and 6,000 renames to x (0.4 MB) made an index of
// 36 million old names (a 420 MB cache, 20-36 s per search). One x remains, named once in one note, and
// the renames are kept once, on the index.
func TestMarketplaceDuplicatesAndRenamesStayLinear(t *testing.T) {
	var ps []string
	var rs []string
	for i := 0; i < 6000; i++ {
		ps = append(ps, `{"name":"x","source":{"source":"github","repo":"o/r"}}`)
		rs = append(rs, fmt.Sprintf(`"old%d":"x"`, i))
	}
	// Plugins in the marketplace's own repository, each with its folder, then as many more claiming the
	// whole repository: each folder is listed once, under the first plugin holding it.
	var dirs []string
	for i := 0; i < 3000; i++ {
		ps = append(ps, fmt.Sprintf(`{"name":"own%d","source":"./skills/s%d","category":"cat%d"}`, i, i, i))
		dirs = append(dirs, fmt.Sprintf("skills/s%d", i))
	}
	for i := 0; i < 3000; i++ {
		ps = append(ps, fmt.Sprintf(`{"name":"all%d","source":"./"}`, i))
	}
	data := []byte(`{"plugins":[` + strings.Join(ps, ",") + `],"renames":{` + strings.Join(rs, ",") + `}}`)
	idx, notes, err := buildIndex(data, dirs)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(idx.Entries); n != 1+3000 {
		t.Errorf("%d entries, want 3001 (one x, one per folder)", n)
	}
	if got, max := idx.textBytes(), indexBound(data, dirs, 12000); got > max {
		t.Errorf("index holds %d bytes of text, more than the %d it was built from", got, max)
	}
	if got := strings.Join(notes, "\n"); got != "keeping only the first plugin of each name: 5999 left out, 1 name: x" {
		t.Errorf("notes: %q", got)
	}
	for _, e := range idx.Entries {
		if e.External == nil && e.Author != "own"+strings.TrimPrefix(e.Name, "s") {
			t.Fatalf("%s is listed under %s, not the first plugin holding it", e.Path, e.Author)
		}
	}
	// The renames still find x by an old name, and a skill by its plugin's category.
	for term, want := range map[string]string{"old5999": "x", "cat2999": "s2999"} {
		renamed := idx.renamedTo(term)
		var hits []string
		for _, e := range idx.Entries {
			if idx.matches(e, term, renamed) {
				hits = append(hits, e.Name)
			}
		}
		if len(hits) != 1 || hits[0] != want {
			t.Errorf("search %q found %v, want [%s]", term, hits, want)
		}
	}
}

// Every index is held to the same caps, however it was built or read back from the cache.
func TestIndexBounded(t *testing.T) {
	idx := &Index{Entries: make([]Entry, limits.MaxIndexEntries+1)}
	if err := idx.bounded(); err == nil || !strings.Contains(err.Error(), "more than the 100000 an index may hold") {
		t.Errorf("%d entries: %v", len(idx.Entries), err)
	}
	mib := strings.Repeat("d", 1<<20) // shared by every entry: the test allocates 1 MiB, not 65
	idx = &Index{}
	for i := 0; i <= limits.MaxIndexBytes>>20; i++ {
		idx.Entries = append(idx.Entries, Entry{Name: "a", Description: mib})
	}
	if err := idx.bounded(); err == nil || !strings.Contains(err.Error(), "more than 64 MiB") {
		t.Errorf("%d bytes: %v", idx.textBytes(), err)
	}
	long := `{"plugins":[{"name":"` + strings.Repeat("n", limits.MaxIndexName+1) + `","source":"./"}]}`
	m, err := ParseMarketplace([]byte(long))
	if err != nil || m.Plugins[0].Problem == "" || !strings.Contains(m.Plugins[0].Problem, "longer than 128 bytes") {
		t.Errorf("a long plugin name: %+v, %v", m.Plugins, err)
	}
}

// FuzzMarketplaceIndex checks what an index costs, not only that it is built. From a marketplace.json and
// a listing of its repository it builds the index, checking that it holds no more entries and text than
// it was built from (indexBound). Then it grows the input 8 and 64 times (its plugins repeated under their
// own names and under new ones, its renames repeated, its folders nested) and compares the bytes each
// build allocates per input byte: a cost that grows faster than the input (one plugin's text per skill,
// every rename on every plugin, every folder per plugin) allocates several times more per byte at 64
// than at 8; a linear one does not.
func FuzzMarketplaceIndex(f *testing.F) {
	f.Add([]byte(`{"plugins":[{"name":"x","source":{"source":"github","repo":"o/r"}},{"name":"x","source":"./"}],"renames":{"a":"x","b":"x"}}`), "skills/a\nskills/b")
	f.Add([]byte(`{"metadata":{"pluginRoot":"p"},"plugins":[{"name":"a","source":"./a","skills":["./s","./t"],"category":"cat"},{"name":"b","source":"./","description":"d"}],"renames":{"old":"a"}}`), "p/a/s/x\np/a/t\np/b\n\nq")
	f.Add([]byte(`{"plugins":[{"name":"a","source":"./","author":{"name":"Acme"}},{"name":"b","source":"./"}],"renames":{"z":null}}`), "a\na/b\na/b/c\na-b\na0")
	f.Fuzz(func(t *testing.T, data []byte, listing string) {
		if len(data) > 16<<10 || len(listing) > 4<<10 {
			return
		}
		var dirs []string
		seen := map[string]bool{}
		for _, d := range strings.Split(listing, "\n") {
			if (d == "" || snapshot.ValidPath(d)) && !seen[d] && strings.Count(d, "/") < 32 {
				seen[d] = true
				dirs = append(dirs, d)
			}
		}
		if _, err := ParseMarketplace(data); err != nil {
			return
		}
		measure(t, data, dirs)
		if len(data)+len(listing) > 2<<10 {
			return // growing it 64 times would make each run slow
		}
		perByte := func(k int) float64 {
			big, bigDirs := grow(t, data, dirs, k)
			if big == nil {
				return 0
			}
			alloc := measure(t, big, bigDirs)
			return float64(alloc) / float64(len(big)+len(strings.Join(bigDirs, "\n"))+1)
		}
		at8, at64 := perByte(8), perByte(64)
		if at64 > 2*at8+4 {
			t.Fatalf("allocations per input byte grow with the input: %.0f grown 8 times, %.0f grown 64 times", at8, at64)
		}
	})
}

// measure builds the index of data and dirs, checks its size, and returns the bytes allocated building it.
func measure(t *testing.T, data []byte, dirs []string) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	idx, _, err := buildIndex(data, dirs)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := ParseMarketplace(data)
	plugins := len(m.Plugins)
	if len(idx.Entries) > plugins+len(dirs) {
		t.Fatalf("%d entries from %d plugins and %d folders", len(idx.Entries), plugins, len(dirs))
	}
	if got, max := idx.textBytes(), indexBound(data, dirs, plugins); got > max {
		t.Fatalf("the index holds %d bytes of text, more than the %d it was built from", got, max)
	}
	return after.TotalAlloc - before.TotalAlloc
}

// grow repeats data's plugins k times under their own names and k times under new ones, its renames k
// times, and nests k copies of each folder below it; nil when data is not a JSON object with a plugins list.
func grow(t *testing.T, data []byte, dirs []string, k int) ([]byte, []string) {
	var top map[string]json.RawMessage
	var plugins []json.RawMessage
	var renames map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil || json.Unmarshal(top["plugins"], &plugins) != nil {
		return nil, nil
	}
	json.Unmarshal(top["renames"], &renames)
	var ps []json.RawMessage
	for i := 0; i < k; i++ {
		ps = append(ps, plugins...)
		for _, p := range plugins {
			var obj map[string]json.RawMessage
			if json.Unmarshal(p, &obj) != nil {
				ps = append(ps, p)
				continue
			}
			var name string
			json.Unmarshal(obj["name"], &name)
			obj["name"], _ = json.Marshal(fmt.Sprintf("%s-%d", name, i))
			b, _ := json.Marshal(obj)
			ps = append(ps, b)
		}
	}
	rs := map[string]json.RawMessage{}
	for old, nw := range renames {
		for i := 0; i < k; i++ {
			rs[fmt.Sprintf("%s~%d", old, i)] = nw
		}
	}
	top["plugins"], _ = json.Marshal(ps)
	if len(rs) > 0 {
		top["renames"], _ = json.Marshal(rs)
	}
	big, err := json.Marshal(top)
	if err != nil {
		t.Fatal(err)
	}
	var bigDirs []string
	for _, d := range dirs {
		bigDirs = append(bigDirs, d)
		for i := 0; i < k; i++ {
			bigDirs = append(bigDirs, strings.TrimPrefix(fmt.Sprintf("%s/c%d", d, i), "/"))
		}
	}
	sort.Strings(bigDirs)
	return big, bigDirs
}
