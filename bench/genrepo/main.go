// Command genrepo builds a deterministic marketplace-sized bare git repository for the install benchmark:
// thousands of skill folders under skills/<author>/<skill>/, each with a SKILL.md, a skill-report.json, and
// some references, scripts and binary assets, in one commit on main.
//
// The same seed gives the same bytes and so the same commit hash on every machine. Content is streamed
// straight into `git fast-import`, which writes one pack without a working tree, so generation costs little
// more than zlib-compressing the content once. Text is drawn from a large made-up vocabulary and assets are
// random bytes, so the pack stays close to the size at HEAD as it does in real marketplaces with images.
//
// It also writes a pick file (shell assignments) naming the skills the benchmark installs: one whose two
// depends-on names are siblings, and one whose second dependency lives under another author.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	out := flag.String("out", "", "bare repository to create (must not exist)")
	pick := flag.String("pick", "", "file to write the picked skills to (shell assignments)")
	skills := flag.Int("skills", 5200, "number of skill folders")
	seed := flag.Uint64("seed", 1, "generator seed")
	flag.Parse()
	if *out == "" || *pick == "" {
		fmt.Fprintln(os.Stderr, "usage: genrepo -out REPO.git -pick FILE [-skills N] [-seed S]")
		os.Exit(2)
	}
	if err := run(*out, *pick, *skills, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genrepo:", err)
		os.Exit(1)
	}
}

type skill struct {
	author, name string
	deps         []string
	related      []string
}

func (s *skill) path() string { return "skills/" + s.author + "/" + s.name }

type gen struct {
	rng    *rand.Rand
	bytes  *rand.ChaCha8 // incompressible asset content
	vocab  []string
	topics []string
}

func newGen(seed uint64) *gen {
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	key[31] = 0x5c
	g := &gen{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), bytes: rand.NewChaCha8(key)}
	syll := []string{"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zen", "bar", "qui", "dex", "fra", "gol",
		"hy", "jun", "pla", "stro", "tek", "wex", "ion", "al", "er", "os", "um", "ly", "ic", "ar", "en", "or"}
	seen := map[string]bool{}
	for len(g.vocab) < 6000 {
		var b strings.Builder
		for range 1 + g.rng.IntN(4) {
			b.WriteString(syll[g.rng.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			g.vocab = append(g.vocab, w)
		}
	}
	// Skill names come from a small topic list so names collide across authors, as they do in real
	// marketplaces (the same name under many authors).
	g.topics = []string{"python", "go", "rust", "react", "sql", "docker", "kubernetes", "terraform", "aws", "testing",
		"security", "api", "graphql", "css", "swift", "kotlin", "pdf", "excel", "git", "ci", "review", "debug",
		"refactor", "docs", "design", "data", "ml", "llm", "prompt", "agent", "shell", "linux", "nginx", "redis",
		"postgres", "mongo", "kafka", "spark", "pandas", "numpy", "fastapi", "django", "flask", "rails", "node",
		"deno", "vue", "svelte", "tailwind", "figma", "stripe", "auth", "oauth", "jwt", "crypto", "perf", "cache",
		"queue", "cron", "email", "slack", "notion", "jira", "markdown", "latex", "diagram", "mermaid", "video",
		"audio", "image", "seo", "analytics", "logging", "tracing", "metrics", "backup", "migration", "schema"}
	return g
}

func (g *gen) word() string { return g.vocab[g.rng.IntN(len(g.vocab))] }

func (g *gen) sentence(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = g.word()
	}
	ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
	return strings.Join(ws, " ") + "."
}

// markdown writes about size bytes of headings, paragraphs, lists and code blocks.
func (g *gen) markdown(b *strings.Builder, size int) {
	start := b.Len()
	for b.Len()-start < size {
		switch g.rng.IntN(6) {
		case 0:
			fmt.Fprintf(b, "\n## %s\n\n", strings.TrimSuffix(g.sentence(2+g.rng.IntN(3)), "."))
		case 1:
			for range 2 + g.rng.IntN(4) {
				fmt.Fprintf(b, "- %s\n", g.sentence(4+g.rng.IntN(8)))
			}
			b.WriteString("\n")
		case 2:
			b.WriteString("```python\n")
			for range 3 + g.rng.IntN(8) {
				fmt.Fprintf(b, "%s%s = %s(%s, %d)\n", strings.Repeat("    ", g.rng.IntN(3)), g.word(), g.word(), g.word(), g.rng.IntN(1000))
			}
			b.WriteString("```\n\n")
		default:
			for range 3 + g.rng.IntN(5) {
				b.WriteString(g.sentence(6 + g.rng.IntN(12)))
				b.WriteString(" ")
			}
			b.WriteString("\n\n")
		}
	}
}

type file struct {
	path string
	mode string // fast-import mode
	data []byte
}

// folder renders every file of one skill.
func (g *gen) folder(s *skill) []file {
	var fm strings.Builder
	fmt.Fprintf(&fm, "---\nname: %s\ndescription: >-\n  %s Use when %s\n", s.name, g.sentence(12+g.rng.IntN(20)), strings.ToLower(g.sentence(6+g.rng.IntN(10))))
	fm.WriteString("license: MIT\nmetadata:\n")
	fmt.Fprintf(&fm, "  version: \"%d.%d\"\n  author: %s\n", 1+g.rng.IntN(3), g.rng.IntN(10), s.author)
	if len(s.deps) > 0 {
		fm.WriteString("depends-on:\n")
		for _, d := range s.deps {
			fmt.Fprintf(&fm, "  - %s\n", d)
		}
	}
	if len(s.related) > 0 {
		fm.WriteString("related-skills:\n")
		for _, d := range s.related {
			fmt.Fprintf(&fm, "  - %s\n", d)
		}
	}
	fm.WriteString("---\n\n")
	fmt.Fprintf(&fm, "# %s\n\n", s.name)
	g.markdown(&fm, 1500+g.rng.IntN(5000))
	files := []file{{path: "SKILL.md", mode: "100644", data: []byte(fm.String())}}

	for i := range g.rng.IntN(4) {
		var b strings.Builder
		fmt.Fprintf(&b, "# %s\n", strings.TrimSuffix(g.sentence(3), "."))
		g.markdown(&b, 800+g.rng.IntN(4000))
		files = append(files, file{path: fmt.Sprintf("references/%s-%d.md", g.word(), i), mode: "100644", data: []byte(b.String())})
	}
	if g.rng.IntN(3) == 0 {
		var b strings.Builder
		b.WriteString("#!/usr/bin/env python3\n\"\"\"" + g.sentence(8) + "\"\"\"\n\nimport sys\n\n")
		for range 10 + g.rng.IntN(60) {
			fmt.Fprintf(&b, "def %s_%d(%s):\n    return %s(%s) + %d\n\n", g.word(), g.rng.IntN(100), g.word(), g.word(), g.word(), g.rng.IntN(99))
		}
		files = append(files, file{path: "scripts/" + g.word() + ".py", mode: "100755", data: []byte(b.String())})
	}
	if g.rng.IntN(8) == 0 {
		data := make([]byte, 16<<10+g.rng.IntN(144<<10))
		g.bytes.Read(data)
		copy(data, "\x89PNG\r\n\x1a\n")
		files = append(files, file{path: "assets/" + g.word() + ".png", mode: "100644", data: data})
	}
	files = append(files, file{path: "skill-report.json", mode: "100644", data: g.report(files)})
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files
}

// report is a marketplace skill-report.json; a third of them are stale (hashes of other content), as
// observed in the largest marketplace.
func (g *gen) report(files []file) []byte {
	content := sha256.Sum256(files[0].data)
	var lines []string
	for _, f := range files[1:] {
		sum := sha256.Sum256(f.data)
		line, _ := json.Marshal(map[string]any{"path": f.path, "mode": f.mode, "sha256": hex.EncodeToString(sum[:]), "size": len(f.data)})
		lines = append(lines, string(line))
	}
	sort.Strings(lines)
	tree := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	if g.rng.IntN(3) == 0 {
		content = sha256.Sum256([]byte(g.word()))
	}
	levels := []string{"safe", "low", "low", "medium", "high"}
	var findings []map[string]string
	for range g.rng.IntN(3) {
		findings = append(findings, map[string]string{"severity": levels[g.rng.IntN(len(levels))], "title": g.sentence(4), "detail": g.sentence(14)})
	}
	rep := map[string]any{
		"meta":           map[string]any{"content_hash": hex.EncodeToString(content[:]), "tree_hash": hex.EncodeToString(tree[:]), "scanner": "bench"},
		"security_audit": map[string]any{"risk_level": levels[g.rng.IntN(len(levels))], "summary": g.sentence(20), "findings": findings},
		"is_blocked":     false,
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	return append(out, '\n')
}

// layout decides authors, names and dependencies before any content is written, so the picks can refer
// to names anywhere in the repository.
func (g *gen) layout(n int) []*skill {
	var all []*skill
	authors := map[string]bool{}
	for len(all) < n {
		a := g.word() + fmt.Sprint(g.rng.IntN(100))
		if authors[a] {
			continue
		}
		authors[a] = true
		names := map[string]bool{}
		for range 1 + g.rng.IntN(16) {
			var name string
			for name == "" || names[name] {
				name = g.topics[g.rng.IntN(len(g.topics))] + "-" + g.word()
				if g.rng.IntN(2) == 0 {
					name += "-" + g.topics[g.rng.IntN(len(g.topics))]
				}
			}
			names[name] = true
			all = append(all, &skill{author: a, name: name})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].path() < all[j].path() })
	return all
}

func run(out, pickFile string, n int, seed uint64) error {
	g := newGen(seed)
	all := g.layout(n)
	byAuthor := map[string][]*skill{}
	count := map[string]int{}
	for _, s := range all {
		byAuthor[s.author] = append(byAuthor[s.author], s)
		count[s.name]++
	}
	// A few skills depend on siblings, as in the wild.
	for _, s := range all {
		sibs := byAuthor[s.author]
		if len(sibs) > 1 && g.rng.IntN(20) == 0 {
			if d := sibs[g.rng.IntN(len(sibs))]; d != s {
				s.deps = append(s.deps, d.name)
			}
		}
		if len(sibs) > 1 && g.rng.IntN(6) == 0 {
			if d := sibs[g.rng.IntN(len(sibs))]; d != s {
				s.related = append(s.related, d.name)
			}
		}
	}
	// Pick 1: the first skill past the middle whose author has at least three skills; its dependencies
	// are its two next siblings, which depend on nothing.
	var sib *skill
	for _, s := range all[len(all)/2:] {
		if sibs := byAuthor[s.author]; len(sibs) >= 3 && sibs[0] == s {
			sib = s
			sibs[0].deps = []string{sibs[1].name, sibs[2].name}
			sibs[1].deps, sibs[2].deps = nil, nil
			break
		}
	}
	// Pick 2: a skill a third of the way in depends on one sibling and on a uniquely named skill of
	// another author, which install finds by listing the repository's skill folders.
	var far, farDep *skill
	for _, s := range all[len(all)/3:] {
		if sibs := byAuthor[s.author]; len(sibs) >= 2 && sibs[0] == s && s.author != sib.author {
			far = s
			break
		}
	}
	for _, s := range all[2*len(all)/3:] {
		if count[s.name] == 1 && s.author != far.author && s.author != sib.author {
			farDep = s
			break
		}
	}
	if sib == nil || far == nil || farDep == nil {
		return fmt.Errorf("no skill fits the picks; raise -skills")
	}
	farSib := byAuthor[far.author][1]
	far.deps = []string{farSib.name, farDep.name}
	farSib.deps, farDep.deps = nil, nil

	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	env := append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_DIR="+out)
	git := func(stdin io.Reader, args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, stdin, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
		return nil
	}
	if err := git(nil, "init", "--bare", "--quiet", "--initial-branch=main", out); err != nil {
		return err
	}
	for _, kv := range [][2]string{{"http.uploadpack", "true"}, {"uploadpack.allowFilter", "true"},
		{"uploadpack.allowAnySHA1InWant", "true"}, {"pack.threads", "1"}} {
		if err := git(nil, "config", kv[0], kv[1]); err != nil {
			return err
		}
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- git(pr, "fast-import", "--quiet", "--done") }()
	w := bufio.NewWriterSize(pw, 1<<20)
	var head int64
	var files int
	blob := func(path, mode string, data []byte) {
		fmt.Fprintf(w, "M %s inline %s\ndata %d\n", mode, path, len(data))
		w.Write(data)
		w.WriteString("\n")
		head += int64(len(data))
		files++
	}
	msg := fmt.Sprintf("Marketplace snapshot: %d skills (seed %d)\n", len(all), seed)
	fmt.Fprintf(w, "commit refs/heads/main\ncommitter bench <bench@skillctl.invalid> 1704067200 +0000\ndata %d\n%s", len(msg), msg)
	blob("README.md", "100644", []byte("# Benchmark marketplace\n\nGenerated by bench/genrepo; not real skills.\n"))
	for _, s := range all {
		for _, f := range g.folder(s) {
			blob(s.path()+"/"+f.path, f.mode, f.data)
		}
	}
	w.WriteString("\ndone\n")
	if err := w.Flush(); err != nil {
		return err
	}
	pw.Close()
	if err := <-done; err != nil {
		return err
	}
	if err := git(nil, "symbolic-ref", "HEAD", "refs/heads/main"); err != nil {
		return err
	}
	pick := fmt.Sprintf("SKILLS=%d\nFILES=%d\nHEAD_BYTES=%d\nSIB_ROOT=%s\nSIB_DEP1=%s\nSIB_DEP2=%s\nFAR_ROOT=%s\nFAR_DEP1=%s\nFAR_DEP2=%s\n",
		len(all), files, head, sib.path(), byAuthor[sib.author][1].path(), byAuthor[sib.author][2].path(),
		far.path(), farSib.path(), farDep.path())
	return os.WriteFile(pickFile, []byte(pick), 0o644)
}
