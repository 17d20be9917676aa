package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/gittest"
	"github.com/skillctl/skillctl/internal/sarif/sariftest"
	"github.com/skillctl/skillctl/internal/validate"
	"gopkg.in/yaml.v3"
)

// The ready-made CI files at the repository root (action.yml, .pre-commit-hooks.yaml) run skillctl; these
// tests parse them, check every skillctl command line they hold against the real command tree, and run
// the validate step and the hooks with this test binary as skillctl (testscript.Main puts it on PATH).

type actionFile struct {
	Name   string
	Inputs map[string]struct {
		Description string
		Default     string
	}
	Outputs map[string]struct{ Value string }
	Runs    struct {
		Using string
		Steps []struct {
			Name  string
			Uses  string
			Shell string
			Run   string
			Env   map[string]string
		}
	}
}

type hook struct {
	ID            string `yaml:"id"`
	Name          string `yaml:"name"`
	Description   string `yaml:"description"`
	MinVersion    string `yaml:"minimum_pre_commit_version"`
	Entry         string `yaml:"entry"`
	Language      string `yaml:"language"`
	Files         string `yaml:"files"`
	PassFilenames *bool  `yaml:"pass_filenames"`
	Args          []string
}

func readYAML(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func readAction(t *testing.T) actionFile {
	var a actionFile
	data, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Name == "" || a.Runs.Using != "composite" || len(a.Runs.Steps) == 0 {
		t.Fatalf("action.yml: not a composite action: %+v", a)
	}
	return a
}

var inputRef = regexp.MustCompile(`\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}`)

// stepEnv is a step's env with ${{ inputs.X }} replaced by values[X], or X's default.
func stepEnv(t *testing.T, a actionFile, env map[string]string, values map[string]string) []string {
	var out []string
	for k, v := range env {
		v = inputRef.ReplaceAllStringFunc(v, func(ref string) string {
			name := inputRef.FindStringSubmatch(ref)[1]
			in, ok := a.Inputs[name]
			if !ok {
				t.Errorf("action.yml: %s names no declared input", ref)
			}
			if s, ok := values[name]; ok {
				return s
			}
			return in.Default
		})
		out = append(out, k+"="+v)
	}
	return out
}

// shellWords splits one line of shell into words and operators. Quotes group (and are kept, so a caller
// can tell "${a[@]}" from text); operators are returned as their own words.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'' || c == '"':
			j := len(line) // an unterminated quote runs to the end of the line
			if end := strings.IndexByte(line[i+1:], c); end >= 0 {
				j = i + 1 + end + 1
			}
			cur.WriteString(line[i:j])
			inWord = true
			i = j - 1
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !inWord:
			return words
		case strings.IndexByte(";|&<>()", c) >= 0:
			flush()
			op := string(c)
			for i+1 < len(line) && strings.IndexByte(";|&<>", line[i+1]) >= 0 {
				i++
				op += string(line[i])
			}
			words = append(words, op)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var (
	arrayRef   = regexp.MustCompile(`^"?\$\{([A-Za-z_][A-Za-z0-9_]*)\[@\]\}"?$`)
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
)

// skillctlCommands finds every skillctl command in script and returns its arguments with "${name[@]}"
// replaced by arrays[name] and the quotes removed. A command word is skillctl or a path ending in it.
func skillctlCommands(script string, arrays map[string][]string) [][]string {
	var out [][]string
	for _, line := range strings.Split(script, "\n") {
		words := shellWords(line)
		cmdPos := true // the next word starts a command
		for i := 0; i < len(words); i++ {
			w := strings.Trim(words[i], `"'`)
			switch {
			case strings.ContainsAny(words[i][:1], ";|&()"):
				cmdPos = true
				continue
			case !cmdPos:
				continue
			case slices.Contains([]string{"if", "then", "else", "elif", "do", "while", "until", "!", "time"}, w) ||
				assignment.MatchString(w):
				continue // still in command position
			case w != "skillctl" && !strings.HasSuffix(w, "/skillctl"):
				cmdPos = false
				continue
			}
			args := []string{}
			for i++; i < len(words); i++ {
				x := words[i]
				if strings.ContainsAny(x[:1], ";|&()") {
					i-- // let the outer loop see the operator
					break
				}
				if x[0] == '<' || x[0] == '>' {
					i++ // the redirection's target
					continue
				}
				if m := arrayRef.FindStringSubmatch(x); m != nil {
					args = append(args, arrays[m[1]]...)
					continue
				}
				args = append(args, strings.Trim(x, `"'`))
			}
			out = append(out, args)
		}
	}
	return out
}

// checkInvocation parses args against the real command tree: the command exists, its flags exist and
// parse, its positional arguments pass its Args check, and a validate --format is one validate writes.
func checkInvocation(args []string) error {
	root := newRootCmd(nil)
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	c, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	c.InitDefaultHelpFlag()
	if err := c.ParseFlags(rest); err != nil {
		return err
	}
	if err := c.ValidateArgs(c.Flags().Args()); err != nil {
		return err
	}
	if c.Name() == "validate" {
		if f := c.Flags().Lookup("format"); !slices.Contains(validate.Formats, f.Value.String()) {
			return fmt.Errorf("--format %s is not a validate format", f.Value)
		}
	}
	return nil
}

func checkInvocationT(t *testing.T, where string, args []string) {
	t.Helper()
	if err := checkInvocation(args); err != nil {
		t.Errorf("%s: skillctl %s: %v", where, strings.Join(args, " "), err)
	}
}

func TestCIFilesRunValidSkillctlCommands(t *testing.T) {
	a := readAction(t)
	arrays := []map[string][]string{
		{"flags": {}, "paths": {"."}},
		{"flags": {"--strict", "--spec"}, "paths": {"skills/", "more/SKILL.md"}},
	}
	n := 0
	for _, step := range a.Runs.Steps {
		for _, arr := range arrays {
			for _, args := range skillctlCommands(step.Run, arr) {
				n++
				checkInvocationT(t, "action.yml step "+step.Name, args)
			}
		}
	}
	// The build step prints the version; the validate step has one command per format.
	if n != 2*3 {
		t.Errorf("action.yml: %d skillctl commands found, want 6 (--version, validate github, validate sarif, for 2 flag sets)", n)
	}

	var hooks []hook
	readYAML(t, ".pre-commit-hooks.yaml", &hooks)
	if len(hooks) == 0 {
		t.Fatal(".pre-commit-hooks.yaml: no hooks")
	}
	for _, h := range hooks {
		cmds := skillctlCommands(h.Entry, nil)
		if len(cmds) != 1 || !strings.HasPrefix(h.Entry, "skillctl ") {
			t.Errorf("hook %s: entry %q is not one skillctl command", h.ID, h.Entry)
			continue
		}
		checkInvocationT(t, "hook "+h.ID, append(cmds[0], h.Args...))
		checkInvocationT(t, "hook "+h.ID+" with README args", append(cmds[0], "--strict", "skills/"))
		re, err := regexp.Compile(h.Files)
		if err != nil {
			t.Errorf("hook %s: files: %v", h.ID, err)
			continue
		}
		for path, want := range map[string]bool{
			"SKILL.md": true, "skills/a/SKILL.md": true, "skills/b/skill.md": true,
			"README.md": false, "skills/a/NOTSKILL.md": false, "skills/a/SKILL.md.bak": false,
		} {
			if re.MatchString(path) != want {
				t.Errorf("hook %s: files %q matches %s: %v, want %v", h.ID, h.Files, path, !want, want)
			}
		}
	}
}

// The shell parsing above must see what it claims to, or the check proves nothing.
func TestSkillctlCommands(t *testing.T) {
	got := skillctlCommands(`x=1; "$bin/skillctl" --version
go build -o "$bin/skillctl" ./cmd/skillctl && skillctl list && A=b skillctl init x
case "$F" in
github) skillctl validate --format github "${flags[@]}" -- "${paths[@]}" ;;
sarif) skillctl validate --format 'sarif' >"$OUT" -- a | tee x ;;
esac # skillctl in a comment`, map[string][]string{"flags": {"--strict"}, "paths": {"a", "b"}})
	want := [][]string{{"--version"}, {"list"}, {"init", "x"}, {"validate", "--format", "github", "--strict", "--", "a", "b"}, {"validate", "--format", "sarif", "--", "a"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	// And checkInvocation must reject what skillctl would.
	for _, bad := range [][]string{{"validate", "--format", "xml"}, {"validate", "--no-such-flag"}, {"no-such-command"}, {"--no-such-flag"}, {"remove"}} {
		if err := checkInvocation(bad); err == nil {
			t.Errorf("checkInvocation accepted skillctl %q", bad)
		}
	}
	if err := checkInvocation([]string{"validate", "--format", "sarif", "--strict", "--", "a"}); err != nil {
		t.Errorf("checkInvocation refused a good command: %v", err)
	}
}

// ciTree is a skills tree with one valid skill and, when bad, one invalid one.
func ciTree(t *testing.T, bad bool) string {
	dir := t.TempDir()
	files := map[string]string{
		"skills/good/SKILL.md": "---\nname: good\ndescription: A valid skill. Use when testing CI.\n---\n# Good\n",
	}
	if bad {
		files["skills/bad/SKILL.md"] = "---\nname: Bad_Name\ndescription: An invalid skill.\n---\n# Bad\n"
	}
	if err := gittest.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir
}

// withInstalled adds to a ciTree a third-party skill that would fail validation, installed for Claude
// Code and recorded in the project's skills.lock: the action and the hooks grade a project on its own
// skills, so it must be skipped, and said to be.
func withInstalled(t *testing.T, dir string) string {
	files := map[string]string{
		".git/HEAD":                        "ref: refs/heads/main\n",
		".claude/skills/vendored/SKILL.md": "---\nname: Vendored_Name\ndescription: Someone else's.\n---\n",
		"skills.lock": `{"version": 1, "skills": [{"name": "vendored", "dir": ".claude/skills", "source": "./src/vendored",
 "registry": "local", "path": "src/vendored", "hash": "sha256-` + strings.Repeat("0", 64) + `", "requested": true}]}` + "\n",
	}
	if err := gittest.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir
}

const skippedNote = "skipped 1 installed skill recorded in skills.lock; name them to check"

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestActionValidateStep runs the action's validate step with bash, as the runner would, for both
// formats on a clean and a broken tree.
func TestActionValidateStep(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	if _, err := exec.LookPath("skillctl"); err != nil {
		t.Fatalf("the test binary is not on PATH as skillctl: %v", err)
	}
	a := readAction(t)
	var script string
	var env map[string]string
	for _, s := range a.Runs.Steps {
		if strings.Contains(s.Run, "skillctl validate") {
			script, env = s.Run, s.Env
		}
	}
	if script == "" {
		t.Fatal("action.yml: no step runs skillctl validate")
	}
	if a.Inputs["format"].Default != "github" || a.Outputs["sarif-file"].Value == "" {
		t.Errorf("action.yml: format should default to github and sarif-file be an output")
	}
	schema := sariftest.Schema(t)
	for _, tc := range []struct {
		format, strict string
		bad, installed bool
		code           int
	}{
		{"github", "false", false, false, 0},
		{"github", "true", true, false, 1},
		{"sarif", "false", false, false, 0},
		{"sarif", "false", true, false, 1},
		{"xml", "false", false, false, 2},
		{"github", "true", false, true, 0}, // the default paths, the project root: the installed skill is skipped
		{"sarif", "true", false, true, 0},
	} {
		dir := ciTree(t, tc.bad)
		inputs := map[string]string{"format": tc.format, "strict": tc.strict, "paths": "skills"}
		if tc.installed {
			withInstalled(t, dir)
			delete(inputs, "paths")
		}
		cmd := exec.Command(bash, "-c", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), stepEnv(t, a, env, inputs)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		code := exitCode(cmd.Run())
		if code != tc.code {
			t.Errorf("%+v: exit %d, want %d\nstdout: %s\nstderr: %s", tc, code, tc.code, stdout.String(), stderr.String())
			continue
		}
		switch tc.format {
		case "github":
			if tc.bad && !strings.Contains(stdout.String(), "::error file=skills/bad/SKILL.md,line=2,col=7,title=name-format::") {
				t.Errorf("%+v: no annotation for the bad skill:\n%s", tc, stdout.String())
			}
			if tc.installed && (!strings.Contains(stdout.String(), skippedNote) || strings.Contains(stdout.String(), "vendored")) {
				t.Errorf("%+v: the installed skill was not skipped, or not said to be:\n%s", tc, stdout.String())
			}
		case "sarif":
			log, err := os.ReadFile(filepath.Join(dir, a.Inputs["sarif-file"].Default))
			if err != nil {
				t.Errorf("%+v: %v", tc, err)
				continue
			}
			doc := sariftest.Validate(t, schema, log)
			results := doc["runs"].([]any)[0].(map[string]any)["results"].([]any)
			if tc.bad != (len(results) > 0) {
				t.Errorf("%+v: %d results", tc, len(results))
			}
		case "xml":
			if !strings.Contains(stdout.String(), "::error title=skillctl action::format must be github or sarif") {
				t.Errorf("%+v: no error annotation: %s", tc, stdout.String())
			}
		}
	}
}

// TestPreCommitHooks runs each hook's entry and args, as pre-commit would, from the root of a clean and
// a broken tree.
func TestPreCommitHooks(t *testing.T) {
	var hooks []hook
	readYAML(t, ".pre-commit-hooks.yaml", &hooks)
	for _, h := range hooks {
		if h.PassFilenames == nil || *h.PassFilenames {
			t.Errorf("hook %s: pass_filenames should be false (every skill is validated together)", h.ID)
		}
		if h.Language != "golang" && h.Language != "system" {
			t.Errorf("hook %s: language %q", h.ID, h.Language)
		}
		for _, bad := range []bool{false, true} {
			words := append(strings.Fields(h.Entry), h.Args...)
			cmd := exec.Command(words[0], words[1:]...)
			cmd.Dir = ciTree(t, bad)
			out, err := cmd.CombinedOutput()
			if code, want := exitCode(err), boolInt(bad); code != want {
				t.Errorf("hook %s, bad=%v: exit %d, want %d\n%s", h.ID, bad, code, want, out)
			}
		}
		// A project's installed third-party skill is not its own: the hook skips it and says so.
		words := append(strings.Fields(h.Entry), h.Args...)
		cmd := exec.Command(words[0], words[1:]...)
		cmd.Dir = withInstalled(t, ciTree(t, false))
		out, err := cmd.CombinedOutput()
		if code := exitCode(err); code != 0 || !strings.Contains(string(out), skippedNote) {
			t.Errorf("hook %s with an installed skill: exit %d, want 0 and the skipped note\n%s", h.ID, code, out)
		}
	}
}
