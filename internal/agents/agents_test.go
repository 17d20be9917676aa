package agents

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var nameRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// envs are the platforms and variable settings every template must resolve in.
var envs = map[string]Env{
	"linux":         {GOOS: "linux", Home: "/home/u"},
	"linux-xdg":     {GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/xdg"}},
	"linux-rel-xdg": {GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "rel"}},
	"darwin":        {GOOS: "darwin", Home: "/Users/u"},
	"windows":       {GOOS: "windows", Home: "/c/Users/u"},
	"windows-vars":  {GOOS: "windows", Home: "/c/Users/u", Vars: map[string]string{"APPDATA": "/c/roam", "LOCALAPPDATA": "/c/local"}},
	"homes": {GOOS: "linux", Home: "/home/u", Vars: map[string]string{
		"CODEX_HOME": "/opt/codex", "KIRO_HOME": "/opt/kiro", "HERMES_HOME": "/opt/hermes",
		"PI_CODING_AGENT_DIR": "/opt/pi", "CRUSH_SKILLS_DIR": "/opt/crush"}},
}

// TestTable checks the data itself: enough agents, the ones issue 13 names, unique names and aliases
// that all resolve, relative project folders, and user-level folders that are absolute on every platform.
func TestTable(t *testing.T) {
	if len(table) < 75 {
		t.Errorf("table has %d agents, want at least 75", len(table))
	}
	for _, want := range strings.Fields(`claude codex cursor copilot gemini opencode windsurf cline roo goose
		amp kiro junie trae qwen kilo augment continue zed warp openhands droid crush devin antigravity replit
		tabnine codebuddy qoder iflow lingma mistral-vibe grok hermes kimi pi openclaw aider-desk agents
		adal bob cortex forgecode jazz kode mux neovate ona pochi posit-assistant rovodev zencoder`) {
		if a, ok := Lookup(want); !ok || a.Name != want {
			t.Errorf("agent %q missing from the table", want)
		}
	}
	seen := map[string]string{}
	for _, a := range table {
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			if !nameRE.MatchString(n) {
				t.Errorf("%s: name or alias %q is not lowercase-with-hyphens", a.Name, n)
			}
			if other, dup := seen[n]; dup {
				t.Errorf("%q is used by both %s and %s", n, other, a.Name)
			}
			seen[n] = a.Name
			if got, ok := Lookup(n); !ok || got.Name != a.Name {
				t.Errorf("Lookup(%q) = %q, %v; want %s", n, got.Name, ok, a.Name)
			}
			if got, ok := Lookup(strings.ToUpper(n)); !ok || got.Name != a.Name {
				t.Errorf("Lookup(%q) is case-sensitive", strings.ToUpper(n))
			}
		}
		for _, p := range append([]string{a.Project}, a.AlsoProject...) {
			if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) ||
				filepath.ToSlash(filepath.Clean(p)) != p || p == ".." || strings.HasPrefix(p, "../") {
				t.Errorf("%s: project folder %q must be a clean relative slash path", a.Name, p)
			}
		}
		if a.Display == "" {
			t.Errorf("%s: no display name", a.Name)
		}
		switch {
		case a.Source == "unverified" && a.Level != Unverified,
			a.Source != "unverified" && (a.Level == Unverified || !strings.HasPrefix(a.Source, "https://")):
			t.Errorf("%s: source %q does not match level %d", a.Name, a.Source, a.Level)
		case a.Level == Partial && a.Note == "":
			t.Errorf("%s: a partly checked row must say what is unconfirmed", a.Name)
		}
		for name, env := range envs {
			if a.Global != "" {
				g, err := a.GlobalDir(env)
				if err != nil || !filepath.IsAbs(g) {
					t.Errorf("%s on %s: global %q -> %q, %v; want an absolute path", a.Name, name, a.GlobalTemplate(env.GOOS), g, err)
				}
			} else if _, err := a.GlobalDir(env); err == nil {
				t.Errorf("%s has no global folder but GlobalDir succeeded", a.Name)
			}
			if a.Detect != "" && !filepath.IsAbs(a.DetectDir(env)) {
				t.Errorf("%s on %s: detection folder %q does not expand", a.Name, name, a.Detect)
			}
			for _, tmpl := range a.AlsoGlobal {
				if d, err := Expand(tmpl, env); err != nil || !filepath.IsAbs(d) {
					t.Errorf("%s on %s: also-read folder %q -> %q, %v", a.Name, name, tmpl, d, err)
				}
			}
		}
	}
}

// TestKnownFolders pins the rows issue 13 checked by hand, and the shared folder's readers.
func TestKnownFolders(t *testing.T) {
	env := Env{GOOS: "linux", Home: "/h"}
	for _, c := range []struct{ name, project, global string }{
		{"windsurf", ".windsurf/skills", "/h/.codeium/windsurf/skills"},
		{"goose", ".goose/skills", "/h/.config/goose/skills"},
		{"claude", ".claude/skills", "/h/.claude/skills"},
		{"agents", ".agents/skills", "/h/.agents/skills"},
		{"codex", ".agents/skills", "/h/.agents/skills"},
		{"opencode", ".opencode/skills", "/h/.config/opencode/skills"},
	} {
		a, _ := Lookup(c.name)
		g, _ := a.GlobalDir(env)
		if a.Project != c.project || g != c.global {
			t.Errorf("%s: project %q global %q; want %q %q", c.name, a.Project, g, c.project, c.global)
		}
	}
	// OpenCode, Copilot and Gemini read the shared project folder besides their own.
	for _, n := range []string{"opencode", "copilot", "gemini"} {
		a, _ := Lookup(n)
		if !contains(a.ReadsProject(), ".agents/skills") || !contains(a.ReadsGlobal(env), "/h/.agents/skills") {
			t.Errorf("%s should read .agents/skills in both scopes: %v %v", n, a.ReadsProject(), a.ReadsGlobal(env))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestExpand(t *testing.T) {
	home := Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"X_HOME": "/opt/x", "REL": "rel", "XDG_CONFIG_HOME": "/xdg"}}
	win := Env{GOOS: "windows", Home: "/c/u", Vars: map[string]string{"APPDATA": "/c/r"}}
	for _, c := range []struct {
		tmpl string
		env  Env
		want string // "" means an error
	}{
		{"~", home, "/home/u"},
		{"~/.claude/skills", home, "/home/u/.claude/skills"},
		{"$XDG_CONFIG_HOME/goose/skills", home, "/xdg/goose/skills"},
		{"$XDG_CONFIG_HOME/goose/skills", Env{GOOS: "darwin", Home: "/Users/u"}, "/Users/u/.config/goose/skills"},
		{"$XDG_CONFIG_HOME/x", Env{GOOS: "linux", Home: "/h", Vars: map[string]string{"XDG_CONFIG_HOME": "relative"}}, "/h/.config/x"},
		{"%APPDATA%/Zed", win, "/c/r/Zed"},
		{"%LOCALAPPDATA%/crush/skills", win, "/c/u/AppData/Local/crush/skills"},
		{"${X_HOME:-~/.x}/skills", home, "/opt/x/skills"},
		{"${Y_HOME:-~/.y}/skills", home, "/home/u/.y/skills"},
		{"${REL:-~/.r}", home, "/home/u/.r"},
		{"${A:-${B:-~/.b}}/s", home, ""}, // the first } ends the variable: nesting is not supported
		{"${X_HOME}/skills", home, ""},
		{"${:-~/.x}", home, ""},
		{"${X_HOME:-~/.x", home, ""},
		{".claude/skills", home, ""},
		{"/etc/skills", home, ""},
		{"$HOME/skills", home, ""},
		{"~user/skills", home, ""},
		{"~/../etc", home, ""},
		{"~/a/../../etc", home, ""},
		{"~/x", Env{GOOS: "linux"}, ""},
		{"~/x", Env{GOOS: "linux", Home: "relative"}, ""},
	} {
		got, err := Expand(c.tmpl, c.env)
		if c.want == "" {
			if err == nil {
				t.Errorf("Expand(%q) = %q, want an error", c.tmpl, got)
			}
			continue
		}
		if err != nil || got != filepath.FromSlash(c.want) {
			t.Errorf("Expand(%q) = %q, %v; want %q", c.tmpl, got, err, c.want)
		}
	}
}

func TestPlatformVariants(t *testing.T) {
	crush, _ := Lookup("crush")
	lin, _ := crush.GlobalDir(Env{GOOS: "linux", Home: "/h"})
	win, _ := crush.GlobalDir(Env{GOOS: "windows", Home: "/h", Vars: map[string]string{"LOCALAPPDATA": "/la"}})
	over, _ := crush.GlobalDir(Env{GOOS: "windows", Home: "/h", Vars: map[string]string{"CRUSH_SKILLS_DIR": "/cs"}})
	if lin != "/h/.config/crush/skills" || win != "/la/crush/skills" || over != "/cs" {
		t.Errorf("crush: linux %q windows %q override %q", lin, win, over)
	}
	replit, _ := Lookup("replit")
	if _, err := replit.GlobalDir(Env{GOOS: "linux", Home: "/h"}); err == nil || !strings.Contains(err.Error(), "no user-level skills folder") {
		t.Errorf("replit --global: %v", err)
	}
	goose, _ := Lookup("goose")
	if d := goose.DetectDir(Env{GOOS: "windows", Home: "/h", Vars: map[string]string{"APPDATA": "/ad"}}); d != "/ad/Block/goose" {
		t.Errorf("goose detection on windows: %q", d)
	}
}

func TestStatuses(t *testing.T) {
	env := Env{GOOS: "linux", Home: "/h", Vars: map[string]string{"CODEX_HOME": "/ch"}}
	present := map[string]bool{"/h/.claude": true, "/ch": true, "/h/.config/goose": true}
	exists := func(p string) bool { return present[p] }
	var detected []string
	for _, s := range Statuses(env, exists) {
		if s.Detected {
			detected = append(detected, s.Name)
		}
		if s.Name == "replit" && s.Global != "" {
			t.Errorf("replit global %q, want none", s.Global)
		}
	}
	if got := strings.Join(detected, " "); got != "claude codex goose" {
		t.Errorf("detected %q, want claude codex goose", got)
	}
	var names []string
	for _, a := range Detected(env, exists) {
		names = append(names, a.Name)
	}
	if strings.Join(names, " ") != "claude codex goose" {
		t.Errorf("Detected = %v", names)
	}
	if _, ok := Lookup("nosuch"); ok {
		t.Error("Lookup(nosuch) found something")
	}
	if err := UnknownError("nosuch"); !strings.Contains(err.Error(), `unknown agent "nosuch"`) || !strings.Contains(err.Error(), "windsurf") {
		t.Errorf("UnknownError: %v", err)
	}
}

func TestVariables(t *testing.T) {
	got := strings.Join(Variables(), " ")
	for _, v := range []string{"XDG_CONFIG_HOME", "APPDATA", "LOCALAPPDATA", "CODEX_HOME", "CRUSH_SKILLS_DIR", "HERMES_HOME", "KIRO_HOME", "PI_CODING_AGENT_DIR"} {
		if !strings.Contains(" "+got+" ", " "+v+" ") {
			t.Errorf("Variables() = %s; missing %s", got, v)
		}
	}
}

// TestListingSources holds the rule that a listing figure or a precedence is never stated without the
// page it comes from, and that an undocumented agent stays unknown in agents --json.
func TestListingSources(t *testing.T) {
	for _, a := range All() {
		l := a.Listing
		if (l.Chars > 0 || l.Entry > 0) && !strings.HasPrefix(l.Source, "https://") {
			t.Errorf("%s: listing figures without a source", a.Name)
		}
		if l.Chars == 0 && l.Entry == 0 && l.Source != "" {
			t.Errorf("%s: a listing source with no figure", a.Name)
		}
		if (a.Precedence != Undocumented) != strings.HasPrefix(a.PrecedenceSource, "https://") {
			t.Errorf("%s: precedence %s with source %q", a.Name, a.Precedence, a.PrecedenceSource)
		}
		s := a.ListingStatus()
		if l.Chars == 0 && (s.Chars != nil || s.Source != "unknown") {
			t.Errorf("%s: unknown budget reported as %v from %q", a.Name, s.Chars, s.Source)
		}
	}
	claude, _ := Lookup("claude")
	if claude.Listing.Chars != 8000 || claude.Listing.Entry != 1536 || claude.Precedence != UserFirst {
		t.Errorf("claude's row lost its documented listing: %+v %s", claude.Listing, claude.Precedence)
	}
}

func TestPrecedenceWins(t *testing.T) {
	cases := []struct {
		p                     Precedence
		firstUser, secondUser bool
		wantFirst, wantKnown  bool
	}{
		{UserFirst, true, false, true, true},
		{UserFirst, false, true, false, true},
		{ProjectFirst, true, false, false, true},
		{ProjectFirst, false, true, true, true},
		{UserFirst, false, false, false, false}, // two project folders: the docs do not say
		{AllListed, true, false, false, false},
		{Undocumented, true, false, false, false},
	}
	for _, c := range cases {
		first, known := c.p.Wins(c.firstUser, c.secondUser)
		if first != c.wantFirst || known != c.wantKnown {
			t.Errorf("%s.Wins(%v, %v) = %v, %v; want %v, %v", c.p, c.firstUser, c.secondUser, first, known, c.wantFirst, c.wantKnown)
		}
	}
}

// TestFrontmatterSources: a field list is never stated without the page it was checked against, never
// repeats the specification's six, and KnownFields names each field's readers, sorted.
func TestFrontmatterSources(t *testing.T) {
	spec := map[string]bool{"name": true, "description": true, "license": true, "compatibility": true, "metadata": true, "allowed-tools": true}
	for _, a := range All() {
		fm := a.Frontmatter
		if (len(fm.Fields) > 0 || fm.Note != "") && !strings.HasPrefix(fm.Source, "https://") {
			t.Errorf("%s: fields %v with source %q", a.Name, fm.Fields, fm.Source)
		}
		seen := map[string]bool{}
		for _, f := range fm.Fields {
			if spec[f] || seen[f] || f != strings.TrimSpace(f) || f == "" {
				t.Errorf("%s: field %q is one of the six, repeated or blank", a.Name, f)
			}
			seen[f] = true
		}
	}
	known := KnownFields()
	if got := strings.Join(known["disable-model-invocation"], ","); got != "claude,copilot,cursor" {
		t.Errorf("disable-model-invocation read by %s", got)
	}
	if got := strings.Join(known["context"], ","); got != "claude" {
		t.Errorf("context read by %s", got)
	}
	if _, ok := known["version"]; ok {
		t.Error("version is documented by no agent")
	}
	for _, a := range []string{"codex", "gemini", "opencode"} {
		if ag, _ := Lookup(a); ag.Frontmatter.Source == "" || len(ag.Frontmatter.Fields) != 0 {
			t.Errorf("%s documents the six only: %+v", a, ag.Frontmatter)
		}
	}
}

// installerNames are the --agent names of the most used skills installer (the vercel-labs skills CLI,
// src/agents.ts, 79 agents counting its "universal"), as people switching type them.
const installerNames = `adal aider-desk amp antigravity antigravity-cli astrbot augment autohand-code bob claude-code cline
	codearts-agent codebuddy codemaker codestudio codex command-code continue cortex crush cursor deepagents devin
	dexto droid eve firebender forgecode fx gemini-cli github-copilot goose grok hermes-agent iflow-cli
	inference-sh jazz junie kilo kimchi kimi-code-cli kiro-cli kode lingma loaf mcpjam minimax-code mistral-vibe
	moxby mux neovate ona openclaw opencode openhands pi pochi posit-assistant promptscript qoder qoder-cn
	qwen-code reasonix replit roo rovodev sarvam-code tabnine-cli terramind tinycloud trae trae-cn universal
	warp windsurf zcode zed zencoder zenflow`

// TestInstallerNames: every name that installer accepts is an agent here too, as its name or an alias.
func TestInstallerNames(t *testing.T) {
	names := strings.Fields(installerNames)
	if len(names) != 79 {
		t.Fatalf("%d installer names listed, want 79", len(names))
	}
	for _, n := range names {
		if _, ok := Lookup(n); !ok {
			t.Errorf("the installer's agent %q is not accepted", n)
		}
	}
}
