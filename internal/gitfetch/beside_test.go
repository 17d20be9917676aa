package gitfetch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/skillctl/skillctl/internal/gittest"
)

// TestBeside holds Beside's trade: the request that brings a skill's parent folder brings the whole
// folder, its siblings with it, so a skill and the siblings it names cost no more requests; a server that
// refuses blob size filters, or an author folder too large to bring along (TestBesideLargeAuthor), costs
// what Fetch cost before.
func TestBeside(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		refuse  string   // the filter the server refuses ("" none)
		want    []string // folders whose skill file Beside returns
		fetches int      // Beside, then Fetch of the skill and its sibling
		note    string   // what the session says of the refusal
	}{
		// The commit with its root's subtrees, then python/ whole: Fetch asks for nothing more.
		{"github shape", "", []string{"skills/python/async", "skills/python/typing"}, 2, ""},
		// The refused combined filter is learnt on the commit (after the answer that says this fixture's
		// server speaks v0), which is asked for again with tree:1; the walk goes on to skills/, and python/
		// comes whole, as above.
		{"combine refused", "combine", []string{"skills/python/async", "skills/python/typing"}, 5, "refused a combined filter"},
		// Combined filters allowed but not blob:limit: Beside's refusal is the size filter's, so the commit
		// walk keeps its tree:2 and the folders come unfiltered: the commit, the refused request, the parent,
		// the folders.
		{"blob:limit refused", "blob:limit", nil, 4, "refused the blob size filter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, "acme/skills")
			if tc.refuse != "" {
				if err := fx.srv.Configure("acme/skills", "uploadpackfilter."+tc.refuse+".allow", "false"); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Open(fx.remote("acme/skills"))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			fx.srv.ResetStats()
			files, err := s.Beside(ctx, fx.commit, []string{"skills/python/async"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range tc.want {
				if files[d] == nil {
					t.Errorf("no skill file for %s", d)
				}
			}
			for d := range files {
				got = append(got, d)
			}
			if len(got) != len(tc.want) {
				t.Errorf("skill files of %v, want %v", got, tc.want)
			}
			if d := "skills/python/async"; files[d] != nil && string(files[d]) != "---\nname: async\n---\nbody\n" {
				t.Errorf("%s: %q", d, files[d])
			}
			if tc.refuse == "" {
				// The fetch then asks for nothing: the folder is whole.
				f, err := s.newFetcher(fx.commit)
				if err != nil {
					t.Fatal(err)
				}
				e, missing, err := f.walk("skills/python/async", nil)
				if err != nil || !missing.IsZero() {
					t.Fatalf("walk: %v, missing %v", err, missing)
				}
				wants := map[plumbing.Hash]bool{}
				f.frontier(e.Hash, 0, wants, map[plumbing.Hash]bool{})
				if len(wants) != 0 {
					t.Errorf("frontier of the folder = %v, want nothing", wants)
				}
			}
			folders, err := s.Fetch(ctx, fx.commit, []string{"skills/python/async", "skills/python/typing"})
			if err != nil {
				t.Fatal(err)
			}
			if f := folders["skills/python/async"]; f == nil || f.File("scripts/run.sh") == nil || f.File("references/guide.md") == nil {
				t.Fatalf("async folder incomplete: %v", f)
			}
			if st := fx.srv.Stats(); st.Fetches != tc.fetches {
				t.Errorf("%d fetch requests, want %d (log %q)", st.Fetches, tc.fetches, fx.log.String())
			}
			if log := fx.log.String(); tc.note != "" && !strings.Contains(log, tc.note) || tc.note == "" && log != "" {
				t.Errorf("log %q, want %q", log, tc.note)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// emptyServer starts a test server, and returns it with a folder to write a repository's files in.
func emptyServer(t *testing.T) (*gittest.Server, string) {
	t.Helper()
	if !gittest.Available() {
		t.Skip("git not on PATH")
	}
	srv, err := gittest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv, t.TempDir()
}

// TestBesideLargeAuthor: an author folder comes whole up to besideWholeObjects objects; past that, its
// folders' top-level files come, up to besideMaxObjects; past both, nothing is returned and the fetch
// that follows asks for the parent alone. Each case counts the fetches of Beside and of the folder's
// Fetch after it.
func TestBesideLargeAuthor(t *testing.T) {
	for _, tc := range []struct {
		name         string
		skills, refs int  // skill folders, and files under each one's references/
		blob         bool // each also has an incompressible assets/blob.bin just under besideMaxFile
		files        int  // skill files Beside returns
		fetches      int
	}{
		// A tree, a SKILL.md and a README each: the commit, the folder whole.
		{"whole", besideMaxObjects/3 + 10, 0, false, besideMaxObjects/3 + 10, 2},
		// Past besideWholeObjects in their references: the commit, the refused pack, the top-level files,
		// the folder's references.
		{"top-level files", 8, besideWholeObjects / 8, false, 8, 4},
		// Past besideWholeBudget in bytes: cut off there, then as above.
		{"past the budget", besideWholeBudget/besideMaxFile + 6, 0, true, besideWholeBudget/besideMaxFile + 6, 4},
		// Past both: the commit, two refused packs, the parent alone, the folder.
		{"neither", besideWholeObjects/3 + 10, 0, false, 0, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, dir := emptyServer(t)
			files := map[string]string{}
			for i := range tc.skills {
				files[fmt.Sprintf("skills/big/s%03d/SKILL.md", i)] = fmt.Sprintf("---\nname: s%03d\n---\n", i)
				files[fmt.Sprintf("skills/big/s%03d/README.md", i)] = fmt.Sprintf("readme %d\n", i)
				if tc.blob {
					b := make([]byte, besideMaxFile-100)
					rand.NewChaCha8([32]byte{byte(i)}).Read(b)
					files[fmt.Sprintf("skills/big/s%03d/assets/blob.bin", i)] = string(b)
				}
				for j := range tc.refs {
					files[fmt.Sprintf("skills/big/s%03d/references/r%03d.md", i, j)] = fmt.Sprintf("ref %d %d\n", i, j)
				}
			}
			if err := gittest.WriteFiles(dir, files); err != nil {
				t.Fatal(err)
			}
			commit, err := srv.Commit("acme/big", "main", dir, "initial")
			if err != nil {
				t.Fatal(err)
			}
			log := &syncBuf{}
			s, err := Open(Remote{URL: srv.RepoURL("acme/big"), Log: log})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got, err := s.Beside(context.Background(), commit, []string{"skills/big/s007"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.files {
				t.Errorf("%d skill files, want %d", len(got), tc.files)
			}
			folders, err := s.Fetch(context.Background(), commit, []string{"skills/big/s007"})
			if err != nil {
				t.Fatal(err)
			}
			f := folders["skills/big/s007"]
			if f == nil || !strings.Contains(string(f.File("SKILL.md").Data), "s007") || len(f.Files) != 2+tc.refs+boolInt(tc.blob) {
				t.Fatalf("folder after Beside: %v", f)
			}
			if st := srv.Stats(); st.Fetches != tc.fetches {
				t.Errorf("%d fetch requests, want %d (log %q)", st.Fetches, tc.fetches, log.String())
			}
		})
	}
}

// TestDeepCommit: folders under deepParents authors or more bring every author's listing with the commit,
// so the folders come in the next request (2 fetches, 3 before); a listing over deepObjects, or a server
// that caps the depth it walks, has the walk go on one level at a time (the refused fetch, then 3 as
// before). A restore of folders pinned at two commits does the same for both at once.
func TestDeepCommit(t *testing.T) {
	srv, dir := emptyServer(t)
	files := map[string]string{"README.md": "# market\n"}
	var paths []string
	for a := range deepParents {
		for s := range 2 {
			files[fmt.Sprintf("skills/a%d/s%d/SKILL.md", a, s)] = fmt.Sprintf("---\nname: s%d\n---\n", s)
			files[fmt.Sprintf("skills/a%d/s%d/references/r.md", a, s)] = fmt.Sprintf("ref %d %d\n", a, s)
		}
		paths = append(paths, fmt.Sprintf("skills/a%d/s1", a))
	}
	if err := gittest.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	c1, err := srv.Commit("acme/m", "main", dir, "initial")
	if err != nil {
		t.Fatal(err)
	}
	if err := gittest.WriteFiles(dir, map[string]string{"skills/a0/s0/SKILL.md": "---\nname: s0\ndescription: later\n---\n"}); err != nil {
		t.Fatal(err)
	}
	c2, err := srv.Commit("acme/m", "main", dir, "later")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		objects  int
		maxDepth string // uploadpackfilter.tree.maxDepth, "" for none
		fetches  int    // Fetch of the paths at one commit
		restore  int    // FetchAt of the paths at c1 and a0/s0 at c2
		note     string
	}{
		{"listing fits", deepObjects, "", 2, 2, ""},
		{"listing too large", 5, "", 4, 4, ""},
		// The first request goes out before the capabilities are read, so its refusal is first taken for a
		// server of another shape (see TestCommitFilter): refused twice, then the three of a shallow walk.
		{"depth capped by the server", deepObjects, "2", 5, 5, "refused the trees down to the folders' level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(n int) { deepObjects = n }(deepObjects)
			deepObjects = tc.objects
			if tc.maxDepth != "" {
				if err := srv.Configure("acme/m", "uploadpackfilter.tree.maxDepth", tc.maxDepth); err != nil {
					t.Fatal(err)
				}
				defer srv.Configure("acme/m", "uploadpackfilter.tree.maxDepth", "100")
			}
			log := &syncBuf{}
			s, err := Open(Remote{URL: srv.RepoURL("acme/m"), Log: log})
			if err != nil {
				t.Fatal(err)
			}
			srv.ResetStats()
			got, err := s.Fetch(context.Background(), c1, paths)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range paths {
				if f := got[p]; f == nil || f.File("references/r.md") == nil {
					t.Fatalf("%s: %v", p, f)
				}
			}
			if st := srv.Stats(); st.Fetches != tc.fetches {
				t.Errorf("Fetch: %d fetch requests, want %d (log %q)", st.Fetches, tc.fetches, log.String())
			}
			if _, ok := s.st.mem[plumbing.ComputeHash(plumbing.BlobObject, []byte("# market\n"))]; ok {
				t.Error("the root's README came with the commit")
			}
			if !strings.Contains(log.String(), tc.note) {
				t.Errorf("log %q, want %q", log.String(), tc.note)
			}
			s.Close()

			// The restore: a fresh session, the folders at c1 and one at c2, walked together.
			s, err = Open(Remote{URL: srv.RepoURL("acme/m"), Log: log})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			srv.ResetStats()
			at, missing, err := s.FetchAt(context.Background(), map[string][]string{c1: paths, c2: {"skills/a0/s0"}})
			if err != nil || len(missing) != 0 {
				t.Fatalf("FetchAt: %v, missing %v", err, missing)
			}
			if f := at[c2]["skills/a0/s0"]; f == nil || !strings.Contains(string(f.File("SKILL.md").Data), "later") {
				t.Fatalf("c2's folder: %v", f)
			}
			if st := srv.Stats(); st.Fetches != tc.restore {
				t.Errorf("FetchAt: %d fetch requests, want %d (log %q)", st.Fetches, tc.restore, log.String())
			}
		})
	}
}

// TestBesideForgedAuthor: an author folder of a thousand entries naming one folder is three objects, well
// under the pack's bound; Beside reads that folder once and answers for at most besideMaxObjects of them.
func TestBesideForgedAuthor(t *testing.T) {
	fx := newFixture(t, "acme/skills")
	git := bareGit(t, fx, "acme/skills")
	blob := git("---\nname: same\n---\n", "hash-object", "-w", "--stdin")
	folder := git(fmt.Sprintf("100644 blob %s\tSKILL.md\n", blob), "mktree")
	var author strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&author, "040000 tree %s\ts%04d\n", folder, i)
	}
	authorTree := git(author.String(), "mktree")
	skills := git(fmt.Sprintf("040000 tree %s\tforged\n", authorTree), "mktree")
	root := git(fmt.Sprintf("040000 tree %s\tskills\n", skills), "mktree")
	c := git("", "commit-tree", root, "-m", "forged")
	git("", "update-ref", "refs/heads/forged", c)

	s, err := Open(fx.remote("acme/skills"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Beside(context.Background(), c, []string{"skills/forged/s0007"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != besideMaxObjects || string(got["skills/forged/s0000"]) != "---\nname: same\n---\n" {
		t.Errorf("%d skill files (s0000: %q), want %d", len(got), got["skills/forged/s0000"], besideMaxObjects)
	}
}
