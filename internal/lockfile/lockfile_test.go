package lockfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/atomicfile"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/textsafe"
)

const h64 = "sha256-0000000000000000000000000000000000000000000000000000000000000000"
const c40 = "0123456789abcdef0123456789abcdef01234567"

func sample() *Lock {
	return &Lock{Skills: []Entry{
		{Name: "b", Dir: ".claude/skills", Source: "https://github.com/o/r/tree/main/skills/b", Repo: "https://github.com/o/r.git", Ref: "refs/heads/main", Commit: c40, Path: "skills/b", Tree: c40, Hash: h64, Dependencies: []string{"z", "a"}, Requested: true},
		{Name: "a", Dir: ".claude/skills", Source: "a", Registry: "builtin", Path: "a", Hash: h64,
			Placements: []Placement{{Dir: ".windsurf/skills", Mode: ModeCopy}, {Dir: ".agents/skills", Mode: ModeLink}}},
	}}
}

func TestMarshalIsCanonical(t *testing.T) {
	l := sample()
	first := l.Marshal()
	// Same content in another order marshals to the same bytes.
	l.Skills[0], l.Skills[1] = l.Skills[1], l.Skills[0]
	if string(l.Marshal()) != string(first) {
		t.Fatalf("Marshal depends on input order")
	}
	if !strings.HasSuffix(string(first), "}\n") || strings.Index(string(first), `"name": "a"`) > strings.Index(string(first), `"name": "b"`) {
		t.Fatalf("not sorted or not newline-terminated:\n%s", first)
	}
	back, err := Parse("skills.lock", first)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Marshal()) != string(first) {
		t.Fatalf("round trip changed the lock")
	}
	if got := back.Find(".claude/skills", "b").Dependencies; strings.Join(got, ",") != "a,z" {
		t.Fatalf("dependencies not sorted: %v", got)
	}
	if got := back.Find(".claude/skills", "a").Placements; len(got) != 2 || got[0].Dir != ".agents/skills" || got[1].Mode != ModeCopy {
		t.Fatalf("placements not kept or not sorted: %v", got)
	}
	if got := back.PlacedIn(".windsurf/skills"); len(got) != 1 || got[0].Name != "a" {
		t.Fatalf("PlacedIn = %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	valid := string(sample().Marshal())
	tests := []struct{ name, data, want string }{
		{"garbage", "not json", "skills.lock:1: not a valid lock"},
		{"syntax line", "{\n\"version\": 1,\n\"skills\": [,]}", "skills.lock:3:"},
		{"unknown field", `{"version":1,"skills":[],"extra":1}`, `unknown field "extra"`},
		{"version", `{"version":9,"skills":[]}`, "version 9 is not supported"},
		{"trailing", valid + "{}", "data after the end"},
		{"bad hash", strings.Replace(valid, h64, "sha256-xyz", 1), "invalid hash"},
		{"bad commit", strings.Replace(valid, `"commit": "`+c40, `"commit": "HEAD`, 1), "invalid commit"},
		{"upper-case commit", strings.Replace(valid, `"commit": "`+c40, `"commit": "`+strings.ToUpper(c40), 1), "invalid commit"},
		{"short commit", strings.Replace(valid, `"commit": "`+c40, `"commit": "`+c40[:39], 1), "invalid commit"},
		{"hash without its algorithm", strings.Replace(valid, `"hash": "sha256-`, `"hash": "`, 1), "invalid hash"},
		{"long name", strings.Replace(valid, `"name": "b"`, `"name": "`+strings.Repeat("b", 65)+`"`, 1), "invalid name"},
		{"doubled dash in a name", strings.Replace(valid, `"name": "b"`, `"name": "b--c"`, 1), "invalid name"},
		{"option as an ssh user", strings.Replace(valid, `"repo": "https://github.com/`, `"repo": "ssh://-oProxyCommand=x@github.com/`, 1), "credentials"},
		{"escaping dir", strings.Replace(valid, `".claude/skills"`, `"../../etc"`, 1), "invalid dir"},
		{"absolute path", strings.Replace(valid, `"path": "skills/b"`, `"path": "/etc"`, 1), "invalid path"},
		{"bad name", strings.Replace(valid, `"name": "b"`, `"name": "../b"`, 1), "invalid name"},
		{"token in repo", strings.Replace(valid, `"repo": "https://`, `"repo": "https://tok@`, 1), "credentials"},
		{"password in an ssh repo", strings.Replace(valid, `"repo": "https://github.com/`, `"repo": "ssh://git:pw@github.com/`, 1), "credentials"},
		{"two users in an ssh repo", strings.Replace(valid, `"repo": "https://github.com/`, `"repo": "ssh://a@b@github.com/`, 1), "credentials"},
		{"duplicate", strings.Replace(valid, `"name": "b"`, `"name": "a"`, 1), "listed twice"},
		{"too large", strings.Repeat(" ", MaxSize+1), "too large"},
		{"NUL", strings.Replace(valid, `"name": "b"`, "\"name\": \"b\x00\"", 1), "NUL byte"},
		{"escape sequence in source", strings.Replace(valid, `"source": "a"`, `"source": "a\u001b]0;owned\u0007"`, 1), "source \"a\\x1b]0;owned\\a\" holds control"},
		{"bidi override in path", strings.Replace(valid, `"path": "skills/b"`, `"path": "skills/b\u202e"`, 1), "path \"skills/b\\u202e\" holds control"},
		{"version without its tag", strings.Replace(valid, `"ref": "refs/heads/main",`, `"ref": "refs/heads/main", "version": "v1.0.0",`, 1), "is not the release tag"},
		{"version of another tag", strings.Replace(valid, `"ref": "refs/heads/main",`, `"ref": "refs/tags/v1.0.1", "version": "v1.0.0",`, 1), "is not the release tag"},
		{"zero-width in ref", strings.Replace(valid, `"ref": "refs/heads/main"`, `"ref": "refs/heads/ma\u200bin"`, 1), "ref"},
		{"C1 CSI in repo", strings.Replace(valid, `"repo": "https://`, `"repo": "https://\u009b2J`, 1), "repo"},
		{"long source", strings.Replace(valid, `"source": "a"`, `"source": "`+strings.Repeat("a", 5000)+`"`, 1), "at most 4096"},
		{"duplicate key shows one hash and installs another", strings.Replace(valid, `"hash": "`+h64+`"`, `"hash": "`+h64+`", "hash": "sha256-`+strings.Repeat("1", 64)+`"`, 1), `field "hash" is given twice`},
		{"key in another case", strings.Replace(valid, `"commit": "`, `"COMMIT": "`, 1), `unknown field "COMMIT"`},
		{"top-level key twice", `{"version":1,"skills":[],"skills":[]}`, `field "skills" is given twice`},
		{"bad registry", strings.Replace(valid, `"registry": "builtin"`, `"registry": "Evil Registry"`, 1), "invalid registry"},
		{"placement mode", strings.Replace(valid, `"mode": "copy"`, `"mode": "hardlink"`, 1), "invalid mode"},
		{"placement escapes", strings.Replace(valid, `"dir": ".windsurf/skills"`, `"dir": "../x"`, 1), "invalid placement dir"},
		{"placement is own dir", strings.Replace(valid, `"dir": ".windsurf/skills"`, `"dir": ".claude/skills"`, 1), "listed twice"},
		{"placement twice", strings.Replace(valid, `"dir": ".windsurf/skills"`, `"dir": ".agents/skills"`, 1), "listed twice"},
		{"placement bidi", strings.Replace(valid, `"dir": ".windsurf/skills"`, `"dir": ".windsurf/skills\u202e"`, 1), "placement dir"},
		{"placement outside the project", strings.Replace(valid, `"dir": ".windsurf/skills"`, `"dir": "/etc/cron.d"`, 1), "inside the project exactly when"},
		{"deep nesting", `{"version":1,"skills":[` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `]}`, "not a valid lock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("skills.lock", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, Name)
	l, err := Read(p)
	if err != nil || len(l.Skills) != 0 {
		t.Fatalf("missing lock: %v %v", l, err)
	}
	if err := atomicfile.Write(p, sample().Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read(p)
	if err != nil || len(got.Skills) != 2 {
		t.Fatalf("Read after Write: %v %v", got, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}

	// A lock that is a symlink to elsewhere is not read through (install's writer refuses to write
	// through one: trust_lock.txtar).
	outside := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(outside, []byte("keep"), 0o644)
	link := filepath.Join(dir, "linked.lock")
	if err := os.Symlink(outside, link); err != nil {
		t.Skip(err)
	}
	if _, err := Read(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Read through symlink: %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Fatalf("file outside changed: %q", b)
	}
}

// TestReadSpecialFiles: the lock is a project file, so a folder, a FIFO, a device or a huge file in its
// place is refused at once; a FIFO must not block the reader.
func TestReadSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "folder.lock"), 0o755)
	big := filepath.Join(dir, "big.lock")
	os.WriteFile(big, []byte(strings.Repeat(" ", MaxSize+1)), 0o644)
	for _, tc := range []struct{ p, want string }{
		{filepath.Join(dir, "folder.lock"), "is a folder"},
		{big, "larger than"},
		{"/dev/zero", "is a device"},
	} {
		if _, err := Read(tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read(%s) = %v, want %q", tc.p, err, tc.want)
		}
	}
}

func TestLocalDir(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(root, "vendor", "real"), 0o755)
	if err := os.Symlink(outside, filepath.Join(root, "vendor", "linked")); err != nil {
		t.Skip(err)
	}
	os.Symlink(outside, filepath.Join(root, "alias"))
	for _, tc := range []struct {
		path, want, problem string
	}{
		{path: "vendor/real", want: filepath.Join(root, "vendor", "real")},
		{path: "vendor/new", want: filepath.Join(root, "vendor", "new")},
		{path: filepath.ToSlash(filepath.Join(root, "vendor", "real")), want: filepath.Join(root, "vendor", "real")},
		{path: "/etc", want: "/etc", problem: "outside the project"},
		{path: filepath.ToSlash(outside), want: outside, problem: "outside the project"},
		{path: filepath.ToSlash(root) + "-sibling", want: root + "-sibling", problem: "outside the project"},
		{path: "vendor/linked", want: filepath.Join(root, "vendor", "linked"), problem: "symbolic link"},
		{path: "alias/sub", want: filepath.Join(root, "alias", "sub"), problem: "symbolic link"},
	} {
		s := Entry{Name: "x", Dir: ".claude/skills", Source: tc.path, Registry: "local", Path: tc.path, Hash: h64}
		got, err := s.LocalDir(root)
		if got != tc.want {
			t.Errorf("%s: dir %q, want %q", tc.path, got, tc.want)
		}
		if (tc.problem == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.problem)
		}
		if err != nil {
			if h := clierr.Hints(err); len(h) != 1 || !strings.Contains(h[0], "skillctl install "+tc.want+" --dir .claude/skills") {
				t.Errorf("%s: hints %q do not say how to add the skill again", tc.path, h)
			}
		}
	}
	git := Entry{Name: "g", Repo: "https://x/y.git", Commit: c40, Hash: h64}
	if _, err := git.LocalDir(root); err == nil {
		t.Error("LocalDir of a git entry succeeded")
	}
}

func TestPutRemoveIn(t *testing.T) {
	l := sample()
	l.Put(Entry{Name: "a", Dir: ".claude/skills", Source: "x", Hash: h64})
	if l.Find(".claude/skills", "a").Source != "x" || len(l.Skills) != 2 {
		t.Fatalf("Put did not replace: %+v", l.Skills)
	}
	l.Put(Entry{Name: "a", Dir: ".agents/skills", Source: "y", Hash: h64})
	if len(l.In(".claude/skills")) != 2 || len(l.In(".agents/skills")) != 1 {
		t.Fatalf("In: %+v", l.Skills)
	}
	if !l.Remove(".claude/skills", "a") || l.Remove(".claude/skills", "a") {
		t.Fatalf("Remove")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample().Marshal())
	f.Add([]byte(`{"version":1,"skills":[]}`))
	f.Add([]byte(`{"version":1,"skills":[{"name":"a","dir":".","source":"a","repo":"file:///nonexistent/proj/../x","commit":"` + c40 + `","hash":"` + h64 + `"}]}`))
	f.Add([]byte(`{"version":1,"skills":[{"name":"a","dir":".","source":"a","hash":"` + h64 + `"}]}`))
	f.Add(Conflicted([]byte(`{"version":1,"skills":[]}`), sample().Marshal(), []byte(`{"version":1,"skills":[]}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("f", data)
		if err != nil {
			return
		}
		// Whatever parses prints as it is, and a local entry never reads outside the project.
		for _, s := range l.Skills {
			for _, v := range []string{s.Name, s.Dir, s.Source, s.Registry, s.Repo, s.Ref, s.Path} {
				if textsafe.Escape(v) != v {
					t.Fatalf("field %q needs escaping", v)
				}
			}
			if s.Registry == "local" {
				if p, err := s.LocalDir("/nonexistent/proj"); err == nil && !strings.HasPrefix(p, "/nonexistent/proj") {
					t.Fatalf("local path %q read from %q", s.Path, p)
				}
			}
			if r, err := s.Reads("/nonexistent/proj"); err == nil && strings.HasPrefix(strings.ToLower(r), "file:") && !strings.HasPrefix(r, "file:///nonexistent/proj") {
				t.Fatalf("repository %q on this machine read from outside the project", r)
			}
		}
		// Whatever parses must survive its own canonical encoding unchanged.
		out := l.Marshal()
		l2, err := Parse("f", out)
		if err != nil {
			t.Fatalf("canonical output does not parse: %v\n%s", err, out)
		}
		if string(l2.Marshal()) != string(out) {
			t.Fatalf("canonical encoding is not stable")
		}
	})
}

// TestReads: what restore and update read, and the same rule for a repository on this machine as for a
// local folder: inside the project, through real folders only.
func TestReads(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(root, "vendor", "repo.git"), 0o755)
	os.Symlink(outside, filepath.Join(root, "linked"))
	for _, tc := range []struct {
		s       Entry
		want    string
		problem string
	}{
		{s: Entry{Name: "g", Repo: "https://h/o/r.git", Commit: c40}, want: "https://h/o/r.git"},
		{s: Entry{Name: "s", Repo: "ssh://git@h/o/r.git", Commit: c40}, want: "ssh://git@h/o/r.git"},
		{s: Entry{Name: "b", Registry: "builtin", Path: "b"}, want: "builtin"},
		{s: Entry{Name: "l", Registry: "local", Path: "vendor/repo.git"}, want: filepath.Join(root, "vendor", "repo.git")},
		{s: Entry{Name: "f", Repo: "file://" + filepath.ToSlash(filepath.Join(root, "vendor", "repo.git")), Commit: c40}, want: "file://" + filepath.ToSlash(filepath.Join(root, "vendor", "repo.git"))},
		{s: Entry{Name: "f", Repo: "file:///etc", Commit: c40}, want: "file:///etc", problem: "on this machine, outside the project"},
		{s: Entry{Name: "f", Repo: "FILE://" + filepath.ToSlash(outside) + "/x.git", Commit: c40}, problem: "outside the project"},
		{s: Entry{Name: "f", Repo: "file://" + filepath.ToSlash(filepath.Join(root, "vendor", "..", "..")) + "/x.git", Commit: c40}, problem: "outside the project"},
		{s: Entry{Name: "f", Repo: "file://" + filepath.ToSlash(filepath.Join(root, "linked", "x.git")), Commit: c40}, problem: "symbolic link inside the project"},
		{s: Entry{Name: "f", Repo: "file://host/share/x.git", Commit: c40}, problem: "not a folder of this machine"},
	} {
		tc.s.Dir, tc.s.Source, tc.s.Hash = ".claude/skills", "x", h64
		got, err := tc.s.Reads(root)
		if tc.want != "" && got != tc.want {
			t.Errorf("%s %s: reads %q, want %q", tc.s.Name, tc.s.Repo, got, tc.want)
		}
		if (tc.problem == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("%s %s: %v, want %q", tc.s.Name, tc.s.Repo, err, tc.problem)
		}
	}
}

// An install over SSH records its login name (ssh://git@host/...), and the lock it wrote must read back:
// every login name the source parser accepts.
func TestSSHLoginInRepo(t *testing.T) {
	valid := string(sample().Marshal())
	for _, user := range []string{"git", "_svc", "deploy.bot", "a-b"} {
		repo := "ssh://" + user + "@github.com/o/r.git"
		if _, err := source.Parse(repo); err != nil {
			t.Fatalf("source.Parse(%q): %v", repo, err)
		}
		data := strings.Replace(valid, `"repo": "https://github.com/`, `"repo": "ssh://`+user+`@github.com/`, 1)
		if data == valid {
			t.Fatal("sample has no https repo to rewrite")
		}
		if _, err := Parse("skills.lock", []byte(data)); err != nil {
			t.Errorf("Parse of an ssh:// repo with the login name %q: %v", user, err)
		}
	}
}
