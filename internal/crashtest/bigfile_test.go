package crashtest

import (
	"bytes"
	"compress/flate"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"hash/adler32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skillctl/skillctl/internal/gittest"
)

// TestTwoGigabyteFile serves a skill holding a 2 GiB file and checks the install is stopped by the file
// cap without the file ever being held whole: the server filters it out when it can, and otherwise the
// client stops at the object's header; either way the process stays far below the file's size in memory.
// The file is zeros: what crosses the wire is small either way, so the memory of the installing process
// is what shows the file was never inflated. The blob is written straight into the server's repository
// (zeroBlob), which takes seconds where `git add` of a sparse 2 GiB file takes a minute of deflating.
func TestTwoGigabyteFile(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes a 2 GiB blob")
	}
	t.Parallel()
	s := startServer(t)
	start := time.Now()
	commitWithBlob(t, s, "acme/huge", "skills/huge", "huge", "data.bin", 2<<30)
	t.Logf("committed a 2 GiB blob in %v", time.Since(start).Round(time.Millisecond))

	for _, filtered := range []bool{true, false} {
		if !filtered {
			if err := s.Configure("acme/huge", "uploadpackfilter.blob:limit.allow", "false"); err != nil {
				t.Fatal(err)
			}
		}
		p := newProject(t)
		s.ResetStats()
		r := p.runFor(3*time.Minute, "install", treeURL(s, "acme/huge", "main", "skills/huge"), "--dir", "sk")
		served := s.Stats().BytesOut
		t.Logf("filtered=%v: exit %d after %v, peak RSS %d MiB, %d KiB served: %s", filtered, r.code, r.took.Round(time.Millisecond), r.rss>>20, served>>10, firstLine(r.stderr))
		if r.code != 1 || !strings.Contains(r.stderr, "larger than") {
			t.Errorf("filtered=%v: want a refusal naming the size cap, got %s", filtered, r)
		}
		if r.rss > 256<<20 {
			t.Errorf("filtered=%v: peak RSS %d MiB: the 2 GiB file was held in memory", filtered, r.rss>>20)
		}
		if served > 64<<20 {
			t.Errorf("filtered=%v: %d MiB served: the client read on past the blob's header", filtered, served>>20)
		}
		if exists(p.path("sk")) {
			t.Errorf("filtered=%v: the target was created", filtered)
		}
	}
}

// commitWithBlob commits on main of repo a skill folder dir holding a SKILL.md and file, a blob of size
// zero bytes written by zeroBlob, and returns the commit.
func commitWithBlob(t *testing.T, s *gittest.Server, repo, dir, name, file string, size int64) string {
	t.Helper()
	md := skillMD(name)
	md.Path = dir + "/SKILL.md"
	if _, err := s.CommitEntries(repo, "seed", []gittest.Entry{md}, "seed"); err != nil { // creates the repository
		t.Fatal(err)
	}
	bare := filepath.Join(s.Root(), filepath.FromSlash(repo)+".git")
	blob := zeroBlob(t, bare, size)
	git := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"--git-dir", bare}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t.invalid", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@t.invalid", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// Graft the blob into the seed commit's folder, one tree level at a time.
	folder := git("", "rev-parse", "seed:"+dir)
	tree := git(git("", "ls-tree", folder)+"\n"+fmt.Sprintf("100644 blob %s\t%s\n", blob, file), "mktree")
	els := strings.Split(dir, "/")
	for i := len(els) - 1; i >= 0; i-- {
		parent := "seed^{tree}"
		if i > 0 {
			parent = "seed:" + strings.Join(els[:i], "/")
		}
		var lines []string
		for _, l := range strings.Split(git("", "ls-tree", parent), "\n") {
			if !strings.HasSuffix(l, "\t"+els[i]) {
				lines = append(lines, l)
			}
		}
		lines = append(lines, "040000 tree "+tree+"\t"+els[i])
		tree = git(strings.Join(lines, "\n")+"\n", "mktree")
	}
	c := git("", "commit-tree", tree, "-m", fmt.Sprintf("a %d-byte file", size))
	git("", "update-ref", "refs/heads/main", c)
	git("", "symbolic-ref", "HEAD", "refs/heads/main")
	return c
}

// zeroBlob stores a loose blob of size zero bytes in the bare repository and returns its hash, in about
// the time it takes to SHA-1 the bytes: the zlib stream repeats one deflated 1 MiB run of zeros (each
// run ends byte-aligned after a sync flush and refers only to itself, so runs concatenate), then an
// empty final block and the Adler-32 of the whole, which for appended zeros is computed, not summed.
func zeroBlob(t *testing.T, bare string, size int64) string {
	t.Helper()
	const run = 1 << 20
	hdr := []byte(fmt.Sprintf("blob %d\x00", size))
	zeros := make([]byte, run)
	h := sha1.New()
	h.Write(hdr)
	for n := size; n > 0; n -= run {
		h.Write(zeros[:min(n, run)])
	}
	sum := hex.EncodeToString(h.Sum(nil))

	deflated := func(b []byte) []byte {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestCompression)
		w.Write(b)
		w.Flush() // a sync flush: byte-aligned, not final
		return buf.Bytes()
	}
	var z bytes.Buffer
	z.Write([]byte{0x78, 0x01}) // zlib header: deflate, 32 KiB window
	z.Write(deflated(hdr))
	full := deflated(zeros)
	for n := size; n > 0; n -= run {
		if n >= run {
			z.Write(full)
		} else {
			z.Write(deflated(zeros[:n]))
		}
	}
	z.Write([]byte{0x03, 0x00}) // an empty final block with fixed codes
	// Adler-32: a zero byte leaves a as it is and adds a to b.
	const mod = 65521
	v := adler32.Checksum(hdr)
	a, b := uint64(v&0xffff), uint64(v>>16)
	b = (b + uint64(size)%mod*a) % mod
	z.Write([]byte{byte(b >> 8), byte(b), byte(a >> 8), byte(a)}) // big-endian b, a

	p := filepath.Join(bare, "objects", sum[:2], sum[2:])
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, z.Bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestZeroBlob checks zeroBlob against git itself on sizes around its run length: git reads the object
// back whole (inflating it and checking its Adler-32) and finds the size and hash it would give.
func TestZeroBlob(t *testing.T) {
	t.Parallel()
	if !gittest.Available() {
		t.Skip("needs the git binary")
	}
	bare := t.TempDir()
	if out, err := exec.Command("git", "init", "--bare", "--quiet", bare).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	for _, size := range []int64{1, 1 << 20, 3<<20 + 5} { // part of a run, one run, runs and a part
		got := zeroBlob(t, bare, size)
		cmd := exec.Command("git", "--git-dir", bare, "cat-file", "blob", got)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("size %d: git cat-file: %v", size, err)
		}
		if int64(len(out)) != size || bytes.Count(out, []byte{0}) != len(out) {
			t.Errorf("size %d: git read back %d bytes, not all zeros", size, len(out))
		}
		hash := exec.Command("git", "hash-object", "--stdin")
		hash.Stdin = bytes.NewReader(out)
		want, err := hash.Output()
		if err != nil || strings.TrimSpace(string(want)) != got {
			t.Errorf("size %d: git hashes the content as %s, zeroBlob named it %s (%v)", size, want, got, err)
		}
	}
	if out, err := exec.Command("git", "--git-dir", bare, "fsck", "--strict").CombinedOutput(); err != nil {
		t.Errorf("git fsck: %v %s", err, out)
	}
}
