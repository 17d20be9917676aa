package gitfetch

import (
	"context"
	"errors"
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
		blob         bool // each also has an incompressible assets/blob.bin just under besideWholeFile
		files        int  // skill files Beside returns
		fetches      int
	}{
		// A tree, a SKILL.md and a README each: the commit, the folder whole.
		{"whole", besideMaxObjects/3 + 10, 0, false, besideMaxObjects/3 + 10, 2},
		// Past besideWholeObjects in their references: the commit, the refused pack, the top-level files,
		// the folder's references.
		{"top-level files", 8, besideWholeObjects / 8, false, 8, 4},
		// Past besideWholeBudget in bytes: cut off there, then as above.
		{"past the budget", besideWholeBudget/besideWholeFile + 6, 0, true, besideWholeBudget/besideWholeFile + 6, 4},
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
					b := make([]byte, besideWholeFile-100)
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

// TestBesideThenWholeCommit: when the session falls back to whole-commit fetches after Beside brought an
// author folder without its large file (as a refusal of a later request would make it), the Fetch that
// follows still fetches the commit whole for that file instead of stopping short, and a file over the
// size limit is the limit error whichever operation's fetch dropped it.
func TestBesideThenWholeCommit(t *testing.T) {
	big := make([]byte, 100000)
	rand.NewChaCha8([32]byte{3}).Read(big)
	srv, commit := besideRepo(t, map[string]string{"skills/ann/t/SKILL.md": "---\nname: t\n---\n", "skills/ann/t/a/x.bin": string(big)})
	for _, tc := range []struct {
		name    string
		maxFile int64
		want    string // "" for a folder with every file
	}{
		{"within the limit", 0, ""},
		{"over the limit", 50000, "file is larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(Remote{URL: srv.RepoURL("acme/r"), Limits: Limits{MaxFileSize: tc.maxFile}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Beside(context.Background(), commit, []string{"skills/ann/t"}); err != nil {
				t.Fatal(err)
			}
			s.strat = stratFull
			folders, err := s.Fetch(context.Background(), commit, []string{"skills/ann/t"})
			var le *LimitError
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Fetch: %v", err)
			case tc.want == "" && folders["skills/ann/t"].File("a/x.bin") == nil:
				t.Fatal("the large file is missing")
			case tc.want != "" && (!errors.As(err, &le) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Fetch: %T %v, want a *LimitError %q", err, err, tc.want)
			}
		})
	}
}

// besideRepo commits files, with a sibling and a README, as acme/r on a new server.
func besideRepo(t *testing.T, files map[string]string) (*gittest.Server, string) {
	t.Helper()
	srv, dir := emptyServer(t)
	all := map[string]string{"skills/ann/sib/SKILL.md": "---\nname: sib\n---\n", "README.md": "x\n"}
	for k, v := range files {
		all[k] = v
	}
	if err := gittest.WriteFiles(dir, all); err != nil {
		t.Fatal(err)
	}
	c, err := srv.Commit("acme/r", "main", dir, "initial")
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// TestBesideBounds: the whole request's bounds are per author folder asked (two authors that each fit
// come whole together), its inflated bound holds (a folder of compressible files past it gets the
// top-level files), and a refusal of what it wants is not taken for a refusal of the size filter.
func TestBesideBounds(t *testing.T) {
	ctx := context.Background()
	t.Run("two authors", func(t *testing.T) {
		files := map[string]string{}
		for _, a := range []string{"ann", "bob"} {
			for i := range 6 {
				files[fmt.Sprintf("skills/%s/s%02d/SKILL.md", a, i)] = fmt.Sprintf("---\nname: s%02d\n---\n", i)
				for j := range 40 {
					files[fmt.Sprintf("skills/%s/s%02d/references/r%03d.md", a, i, j)] = fmt.Sprintf("%s %d %d\n", a, i, j)
				}
			}
		}
		srv, c := besideRepo(t, files)
		roots := []string{"skills/ann/s01", "skills/bob/s01"}
		s, _ := Open(Remote{URL: srv.RepoURL("acme/r")})
		defer s.Close()
		srv.ResetStats()
		got, err := s.Beside(ctx, c, roots)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Fetch(ctx, c, roots); err != nil {
			t.Fatal(err)
		}
		// The commit, both author folders whole: 6+7 skill files, and the Fetch asks for nothing.
		if st := srv.Stats(); st.Fetches != 2 || len(got) != 13 {
			t.Errorf("%d fetches, %d skill files; want 2 and 13", st.Fetches, len(got))
		}
	})
	t.Run("inflated", func(t *testing.T) {
		// 20 skills of 8 files just under besideWholeFile each: 2.5 MiB inflated, a few KiB on the wire.
		files := map[string]string{}
		n := 20
		for i := range n {
			files[fmt.Sprintf("skills/ann/s%03d/SKILL.md", i)] = fmt.Sprintf("---\nname: s%03d\n---\n", i)
			for j := range 8 {
				files[fmt.Sprintf("skills/ann/s%03d/references/pad%d.txt", i, j)] = fmt.Sprint(i, j) + strings.Repeat("A", besideWholeFile-10)
			}
		}
		srv, c := besideRepo(t, files)
		s, _ := Open(Remote{URL: srv.RepoURL("acme/r")})
		defer s.Close()
		srv.ResetStats()
		got, err := s.Beside(ctx, c, []string{"skills/ann/s001"})
		if err != nil {
			t.Fatal(err)
		}
		// The commit, the whole request stopped past 2 MiB inflated, the top-level files.
		if st := srv.Stats(); st.Fetches != 3 || len(got) != n+1 {
			t.Errorf("%d fetches, %d skill files; want 3 and %d", st.Fetches, len(got), n+1)
		}
	})
	t.Run("corrupt sibling", func(t *testing.T) {
		// A sibling whose tree git's own walk refuses (an empty file name): the whole request fails on the
		// server, Beside ends with nothing learnt, and the skill's folder comes alone, as before Beside.
		srv, _ := emptyServer(t)
		c, err := srv.CommitEntries("acme/r", "main", []gittest.Entry{
			{Path: "skills/ann/t/SKILL.md", Mode: 0o100644, Data: []byte("---\nname: t\n---\n")},
			{Path: "skills/ann/bad/SKILL.md", Mode: 0o100644, Data: []byte("---\nname: bad\n---\n")},
			{Path: "skills/ann/bad/a//b.md", Mode: 0o100644, Data: []byte("x")},
		}, "corrupt")
		if err != nil {
			t.Fatal(err)
		}
		log := &syncBuf{}
		s, _ := Open(Remote{URL: srv.RepoURL("acme/r"), Log: log})
		defer s.Close()
		if _, err := s.Beside(ctx, c, []string{"skills/ann/t"}); err != nil {
			t.Fatal(err)
		}
		// (The commit's request, whose combined filter walks every tree, is refused too, and the session
		// walks on from tree:1: that is the commit's to learn, not Beside's.)
		if s.strat != stratTreeWalk || s.noBlobLimit {
			t.Errorf("Beside's refusal taught the session: strategy %v, noBlobLimit %v (log %q)", s.strat, s.noBlobLimit, log.String())
		}
		folders, err := s.Fetch(ctx, c, []string{"skills/ann/t"})
		if err != nil || folders["skills/ann/t"].File("SKILL.md") == nil {
			t.Errorf("Fetch: %v (log %q)", err, log.String())
		}
		// The corrupt folder itself: asked again once, then as any refusal, and the server's own words at
		// the end.
		_, err = s.Fetch(ctx, c, []string{"skills/ann/bad"})
		var re *RemoteError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "corruption") {
			t.Errorf("Fetch of the corrupt folder: %T %v (log %q)", err, err, log.String())
		}
	})
	t.Run("want refused", func(t *testing.T) {
		srv, c := besideRepo(t, map[string]string{"skills/ann/t/SKILL.md": "---\nname: t\n---\n"})
		log := &syncBuf{}
		s, _ := Open(Remote{URL: srv.RepoURL("acme/r"), Log: log})
		defer s.Close()
		srv.SetFault(gittest.FaultTipsOnly)
		s.Beside(ctx, c, []string{"skills/ann/t"})
		if s.noBlobLimit || strings.Contains(log.String(), "blob size filter") {
			t.Errorf("a refused want taken for a refused size filter: log %q", log.String())
		}
		if _, err := s.Fetch(ctx, c, []string{"skills/ann/t"}); err != nil {
			t.Errorf("Fetch: %v (log %q)", err, log.String())
		}
	})
}

// TestBesideFirstRequest: with the commit and the trees above the author folder cached, the whole request
// is a new session's first; on a v0 server the answer that says so is not a refusal, and the same
// request is sent again: the author folder still comes whole, and the Fetch asks for nothing more.
func TestBesideFirstRequest(t *testing.T) {
	ctx := context.Background()
	for _, v0 := range []bool{false, true} {
		t.Run(fmt.Sprintf("v0=%v", v0), func(t *testing.T) {
			srv, c := besideRepo(t, map[string]string{
				"skills/bob/x/SKILL.md": "---\nname: x\n---\n", "skills/ann/t/SKILL.md": "---\nname: t\n---\n",
				"skills/ann/t/refs/r.md": "r\n", "skills/ann/u/SKILL.md": "---\nname: u\n---\n", "skills/ann/u/refs/r.md": "ru\n",
			})
			srv.SetShape(gittest.Shape{V0Only: v0})
			cache, err := OpenCache(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			s, _ := Open(Remote{URL: srv.RepoURL("acme/r"), Cache: cache})
			if _, err := s.Fetch(ctx, c, []string{"skills/bob/x"}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			Wait()
			s, _ = Open(Remote{URL: srv.RepoURL("acme/r"), Cache: cache})
			defer s.Close()
			srv.ResetStats()
			files, err := s.Beside(ctx, c, []string{"skills/ann/t"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Fetch(ctx, c, []string{"skills/ann/t", "skills/ann/u"}); err != nil {
				t.Fatal(err)
			}
			want := 1 // skills/ whole
			if v0 {
				want = 2 // the answer that says v0, then the same request
			}
			if st := srv.Stats(); st.Fetches != want || len(files) != 3 {
				t.Errorf("%d fetches, %d skill files; want %d and 3", st.Fetches, len(files), want)
			}
		})
	}
}
