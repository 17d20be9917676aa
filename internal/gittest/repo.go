package gittest

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Every commit is made by this author at this instant, so the same content and history give the same
// hashes on every run and machine.
var fixedEnv = []string{
	"GIT_AUTHOR_NAME=skillctl test", "GIT_AUTHOR_EMAIL=test@skillctl.invalid", "GIT_AUTHOR_DATE=2024-01-01T00:00:00Z",
	"GIT_COMMITTER_NAME=skillctl test", "GIT_COMMITTER_EMAIL=test@skillctl.invalid", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z",
	"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
}

func (s *Server) repoDir(repo string) (string, error) {
	parts := strings.Split(repo, "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" || strings.HasPrefix(parts[0], ".") || strings.HasPrefix(parts[1], ".") {
		return "", fmt.Errorf("gittest: repo %q: want OWNER/REPO", repo)
	}
	return filepath.Join(s.root, parts[0], parts[1]+".git"), nil
}

// git runs the git CLI on the bare repository dir with the fixed identity; extra env entries override.
func (s *Server) git(dir string, env []string, stdin []byte, args ...string) (string, error) {
	cmd := exec.Command(s.gitBin, args...)
	cmd.Env = append(append(append(os.Environ(), fixedEnv...), "GIT_DIR="+dir), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("gittest: git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// ensureRepo creates the bare repository with the server config the fetch strategies need.
func (s *Server) ensureRepo(repo string) (string, error) {
	dir, err := s.repoDir(repo)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("gittest: %w", err)
	}
	if _, err := s.git(dir, nil, nil, "init", "--bare", "--quiet"); err != nil {
		return "", err
	}
	for _, kv := range [][2]string{
		{"http.uploadpack", "true"},
		{"uploadpack.allowFilter", "true"},
		{"uploadpack.allowReachableSHA1InWant", "true"},
		{"core.fileMode", "true"},
		{"core.symlinks", "true"},
	} {
		if _, err := s.git(dir, nil, nil, "config", kv[0], kv[1]); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// Configure sets a git config key in repo (creating it if needed), e.g. uploadpack.allowFilter false to
// make the server refuse partial fetches.
func (s *Server) Configure(repo, key, value string) error {
	s.repoMu.Lock()
	defer s.repoMu.Unlock()
	dir, err := s.ensureRepo(repo)
	if err != nil {
		return err
	}
	_, err = s.git(dir, nil, nil, "config", key, value)
	return err
}

// Commit makes (or extends) repo OWNER/REPO.git with a commit on branch whose tree is exactly the content
// of dir (symlinks and exec bits kept, .gitignore ignored), and returns the commit hash. The branch's
// previous tip, if any, is the parent. The first branch committed becomes the repository's HEAD.
func (s *Server) Commit(repo, branch, dir, message string) (string, error) {
	s.repoMu.Lock()
	defer s.repoMu.Unlock()
	bare, err := s.ensureRepo(repo)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("gittest: %w", err)
	}
	idx, err := os.CreateTemp("", "gittest-index-*")
	if err != nil {
		return "", fmt.Errorf("gittest: %w", err)
	}
	idx.Close()
	os.Remove(idx.Name()) // git wants to create it
	defer os.Remove(idx.Name())
	env := []string{"GIT_WORK_TREE=" + abs, "GIT_INDEX_FILE=" + idx.Name()}
	cmd := []string{"-C", abs, "-c", "core.fileMode=true", "-c", "core.symlinks=true", "-c", "core.autocrlf=false"}
	if _, err := s.git(bare, env, nil, append(cmd, "add", "--all", "--force", ".")...); err != nil {
		return "", err
	}
	tree, err := s.git(bare, env, nil, "write-tree")
	if err != nil {
		return "", err
	}
	return s.commitTree(bare, branch, tree, message)
}

// SetCommitDate makes the commits made from now on carry date (RFC 3339, as git reads it) as their author
// and committer time, instead of the one fixed instant: for tests of what "the newer commit" means.
func (s *Server) SetCommitDate(date string) {
	s.repoMu.Lock()
	defer s.repoMu.Unlock()
	s.date = date
}

// commitTree commits tree on top of branch's tip and moves the branch there.
func (s *Server) commitTree(bare, branch, tree, message string) (string, error) {
	args := []string{"commit-tree", tree, "-m", message}
	parent, err := s.git(bare, nil, nil, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch)
	if err == nil && parent != "" {
		args = append(args, "-p", parent)
	}
	var env []string
	if s.date != "" {
		env = []string{"GIT_AUTHOR_DATE=" + s.date, "GIT_COMMITTER_DATE=" + s.date}
	}
	commit, err := s.git(bare, env, nil, args...)
	if err != nil {
		return "", err
	}
	if _, err := s.git(bare, nil, nil, "update-ref", "refs/heads/"+branch, commit); err != nil {
		return "", err
	}
	if err := addPullRefs(bare, commit, s.pullRefs); err != nil {
		return "", err
	}
	// Point HEAD at the first branch that exists, so clones of a fresh repository get something.
	head, _ := s.git(bare, nil, nil, "symbolic-ref", "HEAD")
	if _, err := s.git(bare, nil, nil, "rev-parse", "--verify", "--quiet", head); err != nil {
		if _, err := s.git(bare, nil, nil, "symbolic-ref", "HEAD", "refs/heads/"+branch); err != nil {
			return "", err
		}
	}
	return commit, nil
}

// addPullRefs gives a repository without any packed refs its refs/pull/N/head (and merge, for every
// third, as for open pull requests), all at commit, the way GitHub advertises them. The packed-refs file
// is written directly: thousands of refs cost one small file and no git process.
func addPullRefs(bare, commit string, count int) error {
	p := filepath.Join(bare, "packed-refs")
	if count <= 0 {
		return nil
	}
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	names := make([]string, 0, count)
	for n := 1; len(names) < count; n++ {
		names = append(names, fmt.Sprintf("refs/pull/%d/head", n))
		if n%3 == 0 && len(names) < count {
			names = append(names, fmt.Sprintf("refs/pull/%d/merge", n))
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# pack-refs with: peeled fully-peeled sorted \n")
	for _, n := range names {
		b.WriteString(commit + " " + n + "\n")
	}
	if err := os.WriteFile(p+".tmp", []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("gittest: %w", err)
	}
	if err := os.Rename(p+".tmp", p); err != nil {
		return fmt.Errorf("gittest: %w", err)
	}
	return nil
}

// AddPullRefs gives repo (built elsewhere, e.g. by git fast-import) n refs/pull/* at its HEAD commit, as
// a new repository gets at its first commit, unless it already has packed refs.
func (s *Server) AddPullRefs(repo string, n int) error {
	s.repoMu.Lock()
	defer s.repoMu.Unlock()
	bare, err := s.repoDir(repo)
	if err != nil {
		return err
	}
	head, err := s.git(bare, nil, nil, "rev-parse", "--verify", "HEAD")
	if err != nil {
		return err
	}
	return addPullRefs(bare, head, n)
}

// Tag makes an annotated tag named tag on commit in repo (annotated, so clients must peel it).
func (s *Server) Tag(repo, tag, commit string) error {
	s.repoMu.Lock()
	defer s.repoMu.Unlock()
	bare, err := s.repoDir(repo)
	if err != nil {
		return err
	}
	_, err = s.git(bare, nil, nil, "tag", "-f", "-a", "-m", "tag "+tag, tag, commit)
	return err
}

// AddSubmodule commits, on top of branch, a gitlink at path pointing at commit (a submodule entry), which
// `git add` of a plain directory cannot produce.
func (s *Server) AddSubmodule(repo, branch, path, commit, message string) (string, error) {
	s.repoMu.Lock()
	defer s.repoMu.Unlock()
	bare, err := s.ensureRepo(repo)
	if err != nil {
		return "", err
	}
	idx, err := os.CreateTemp("", "gittest-index-*")
	if err != nil {
		return "", fmt.Errorf("gittest: %w", err)
	}
	idx.Close()
	os.Remove(idx.Name())
	defer os.Remove(idx.Name())
	env := []string{"GIT_INDEX_FILE=" + idx.Name()}
	if tip, err := s.git(bare, nil, nil, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch); err == nil && tip != "" {
		if _, err := s.git(bare, env, nil, "read-tree", tip); err != nil {
			return "", err
		}
	}
	if _, err := s.git(bare, env, nil, "update-index", "--add", "--cacheinfo", "160000,"+commit+","+path); err != nil {
		return "", err
	}
	tree, err := s.git(bare, env, nil, "write-tree")
	if err != nil {
		return "", err
	}
	return s.commitTree(bare, branch, tree, message)
}

// Entry is one file of a tree built by CommitEntries. Path elements are taken literally, so hostile names
// ("..", ".git", control characters) that git add refuses can be served.
type Entry struct {
	Path string
	Mode uint32 // 0o100644, 0o100755, 0o120000 (Data = link target) or 0o160000 (Data = commit hex)
	Data []byte
}

// CommitEntries commits on branch a tree made of exactly entries, written as raw git objects with no
// checks on names, and returns the commit hash. For adversarial trees.
func (s *Server) CommitEntries(repo, branch string, entries []Entry, message string) (string, error) {
	s.repoMu.Lock()
	defer s.repoMu.Unlock()
	bare, err := s.ensureRepo(repo)
	if err != nil {
		return "", err
	}
	root := &dirNode{children: map[string]*dirNode{}, files: map[string]Entry{}}
	for _, e := range entries {
		els := strings.Split(e.Path, "/")
		n := root
		for _, el := range els[:len(els)-1] {
			c := n.children[el]
			if c == nil {
				c = &dirNode{children: map[string]*dirNode{}, files: map[string]Entry{}}
				n.children[el] = c
			}
			n = c
		}
		n.files[els[len(els)-1]] = e
	}
	tree, err := writeTree(bare, root)
	if err != nil {
		return "", err
	}
	return s.commitTree(bare, branch, tree, message)
}

type dirNode struct {
	children map[string]*dirNode
	files    map[string]Entry
}

func writeTree(bare string, n *dirNode) (string, error) {
	type ent struct {
		name, sortKey, mode string
		hash                []byte
	}
	var ents []ent
	for name, c := range n.children {
		h, err := writeTree(bare, c)
		if err != nil {
			return "", err
		}
		raw, _ := hex.DecodeString(h)
		ents = append(ents, ent{name, name + "/", "40000", raw})
	}
	for name, e := range n.files {
		var raw []byte
		if e.Mode == 0o160000 {
			var err error
			if raw, err = hex.DecodeString(string(e.Data)); err != nil || len(raw) != 20 {
				return "", fmt.Errorf("gittest: gitlink %s: want 40 hex digits", e.Path)
			}
		} else {
			h, err := writeObject(bare, "blob", e.Data)
			if err != nil {
				return "", err
			}
			raw, _ = hex.DecodeString(h)
		}
		ents = append(ents, ent{name, name, fmt.Sprintf("%o", e.Mode), raw})
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].sortKey < ents[j].sortKey })
	var buf bytes.Buffer
	for _, e := range ents {
		fmt.Fprintf(&buf, "%s %s\x00", e.mode, e.name)
		buf.Write(e.hash)
	}
	return writeObject(bare, "tree", buf.Bytes())
}

// writeObject stores a loose object and returns its hash.
func writeObject(bare, kind string, data []byte) (string, error) {
	hdr := fmt.Sprintf("%s %d\x00", kind, len(data))
	h := sha1.New()
	h.Write([]byte(hdr))
	h.Write(data)
	sum := hex.EncodeToString(h.Sum(nil))
	p := filepath.Join(bare, "objects", sum[:2], sum[2:])
	if _, err := os.Stat(p); err == nil {
		return sum, nil
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(hdr))
	zw.Write(data)
	zw.Close()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("gittest: %w", err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, z.Bytes(), 0o444); err != nil {
		return "", fmt.Errorf("gittest: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return "", fmt.Errorf("gittest: %w", err)
	}
	return sum, nil
}

// WriteFiles creates files under dir from a path → content map, for building trees to Commit. A content
// starting with "link:" makes a symlink to the rest; "exec:" makes an executable file of the rest.
func WriteFiles(dir string, files map[string]string) error {
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("gittest: %w", err)
		}
		var err error
		switch {
		case strings.HasPrefix(data, "link:"):
			err = os.Symlink(strings.TrimPrefix(data, "link:"), full)
		case strings.HasPrefix(data, "exec:"):
			err = os.WriteFile(full, []byte(strings.TrimPrefix(data, "exec:")), 0o755)
			if err == nil {
				err = os.Chmod(full, 0o755) // umask must not strip the bit
			}
		default:
			err = os.WriteFile(full, []byte(data), 0o644)
		}
		if err != nil {
			return fmt.Errorf("gittest: %w", err)
		}
	}
	return nil
}
