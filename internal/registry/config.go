package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/skillctl/skillctl/internal/atomicfile"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/limits"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/project"
	"github.com/skillctl/skillctl/internal/semver"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/textsafe"
)

// Two files configure registries, in the same format:
//
//	user:    $SKILLCTL_CONFIG_DIR/registries.json (default: skillctl under os.UserConfigDir)
//	project: .skillctl/registries.json in the current folder, meant to be committed for a team
//
// Lookups search project registries first, then user registries, then the bundled one. A name defined in
// both files is the project's: a team's checkout must mean the same thing on every machine, as with npm's
// and cargo's project-level config.

// ProjectFile is the project configuration, relative to the project root.
const ProjectFile = ".skillctl/registries.json"

// Scope says which file a registry comes from.
type Scope string

const (
	ScopeProject Scope = "project"
	ScopeUser    Scope = "user"
	ScopeBuiltin Scope = "builtin"
)

// Registry is one configured registry. URL is as the user gave it (normalised to a clone URL or an
// absolute folder when added); the other fields are derived from it by Load.
type Registry struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	Scope Scope  `json:"-"`

	repo, ref, path string // git: clone URL, ref ("" = default branch), folder inside the repo ("" = root)
	treeRest        []string
	dir             string // local folder, absolute
	site            string // well-known: the site's root, scheme://host, whose index lists the skills
}

// IsLocal reports whether the registry is a folder on this machine.
func (r *Registry) IsLocal() bool { return r.dir != "" }

type configFile struct {
	Registries []Registry `json:"registries"`
	// Mirror is the user's own SKILLCTL_MIRROR text (gitfetch.MirrorVar): FROM=TO URL prefixes. Only the
	// user's file may hold it: a cloned project must not choose the host its repositories come from.
	Mirror string `json:"mirror,omitempty"`
}

// UserConfigFile is the user's registries file.
func UserConfigFile() string {
	dir := os.Getenv("SKILLCTL_CONFIG_DIR")
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			base = filepath.Join(os.TempDir(), "skillctl-config")
		}
		dir = filepath.Join(base, "skillctl")
	}
	return filepath.Join(dir, "registries.json")
}

// ProjectConfigFile is the project's registries file, under the project root found from the current
// folder (see project.Find), so a subfolder of the project uses the project's registries.
func ProjectConfigFile() string {
	wd, _, err := project.Root()
	if err != nil {
		wd = "."
	}
	return filepath.Join(wd, filepath.FromSlash(ProjectFile))
}

// isProjectFile reports whether file is a project's registries file rather than the user's.
func isProjectFile(file string) bool { return strings.HasSuffix(filepath.ToSlash(file), ProjectFile) }

// configBase is the folder relative paths in file are resolved against: the project root for a project
// file (the folder holding .skillctl), the file's own folder for the user's.
func configBase(file string) string {
	if isProjectFile(file) {
		return filepath.Dir(filepath.Dir(file))
	}
	return filepath.Dir(file)
}

// MaxConfigSize bounds a registries file: a few hundred registries fit in a few KiB.
const MaxConfigSize = 1 << 20

// readConfig reads one file; a missing file is an empty list. Both files are read under the rule for
// files a project supplies (localfs.ReadProjectFile: a regular file, never a FIFO or device, capped).
// link is the symbolic link the project's file was reached through, "" when none, for the caller to say.
// A project's folder registries must be real folders inside the project (checkProjectFolder).
func readConfig(file string, scope Scope) (regs []Registry, link string, err error) {
	base := configBase(file)
	pf, err := localfs.ReadProjectFile(base, file, MaxConfigSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if isProjectFile(file) {
		link = pf.Link
	}
	cf, err := decodeConfig(file, pf.Data)
	if err != nil {
		return nil, "", err
	}
	if cf.Mirror != "" && isProjectFile(file) {
		return nil, "", clierr.WithHint(fmt.Errorf("%s: a project's registries file cannot set a mirror", file),
			"remove \"mirror\" from it; set it in your own registries file ("+UserConfigFile()+") or in "+gitfetch.MirrorVar)
	}
	seen := map[string]bool{}
	out := cf.Registries[:0]
	for _, r := range cf.Registries {
		if seen[r.Name] {
			continue
		}
		seen[r.Name] = true
		n, err := parseRegistry(r.Name, r.URL, base)
		if err == nil && isProjectFile(file) {
			err = checkProjectFolder(n, base)
		}
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", file, err)
		}
		n.Scope = scope
		out = append(out, n)
	}
	return out, link, nil
}

func decodeConfig(file string, data []byte) (configFile, error) {
	var cf configFile
	if err := json.Unmarshal(data, &cf); err != nil {
		return cf, clierr.WithHint(fmt.Errorf("%s: not a registries file: %v", file, err),
			"fix the JSON by hand, or move the file away and add the registries again with 'skillctl registry add'")
	}
	return cf, nil
}

// userMirror is the "mirror" text of the user's registries file ("" when the file is missing).
func userMirror(file string) (string, error) {
	pf, err := localfs.ReadProjectFile(configBase(file), file, MaxConfigSize)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	cf, err := decodeConfig(file, pf.Data)
	return cf.Mirror, err
}

// NewClient is a run's git client: the fetch caps lim, notes to log, and the mirrors of SKILLCTL_MIRROR
// and then of the user's registries file (the variable wins on the same prefix).
func NewClient(log io.Writer, lim limits.Limits) *gitfetch.Client {
	c := gitfetch.NewClient(log, lim)
	file := UserConfigFile()
	m, err := userMirror(file)
	c.AddMirrors(file, m, err)
	return c
}

// checkProjectFolder holds a project's folder registry to the project: a cloned project naming /etc, ~ or
// a link out of itself would have install copy folders of this machine into it.
func checkProjectFolder(r Registry, root string) error {
	if r.dir == "" {
		return nil
	}
	hint := "skillctl registry add " + r.Name + " " + textsafe.ShellWord(r.dir) + "  # in your own registries, if you trust it"
	if !localfs.Inside(root, r.dir) {
		return clierr.WithHint(fmt.Errorf("registry %s: %s: a project's folder registry must lie inside the project", r.Name, textsafe.Escape(r.dir)), hint)
	}
	if err := localfs.CheckProjectPath(root, r.dir); err != nil {
		var pe *localfs.ProjectError
		if errors.As(err, &pe) {
			err = pe
		}
		return clierr.WithHint(fmt.Errorf("registry %s: %w", r.Name, err), hint)
	}
	return nil
}

// writeConfig replaces file atomically: a crash leaves the old file or the new one, never half of one. A
// project's file is never written through a link the project carries.
func writeConfig(file string, regs []Registry) error {
	if regs == nil {
		regs = []Registry{}
	}
	cf := configFile{Registries: regs}
	if !isProjectFile(file) {
		m, err := userMirror(file) // kept as the user wrote it
		if err != nil {
			return err
		}
		cf.Mirror = m
	}
	data, err := json.MarshalIndent(cf, "", "  ")
	if err != nil {
		return err
	}
	if isProjectFile(file) {
		if err := localfs.CheckProjectPath(configBase(file), file); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(file, append(data, '\n'), 0o600)
}

// parseRegistry checks a name and a URL and derives where the registry lives. base is the folder a
// relative local path is relative to.
func parseRegistry(name, raw, base string) (Registry, error) {
	if name == BuiltinName {
		return Registry{}, clierr.WithHint(fmt.Errorf("registry %s: the name is reserved for the skills bundled with skillctl", name),
			"choose another name, e.g. 'skillctl registry add my-skills URL'")
	}
	if !manifest.ValidName(name) {
		return Registry{}, clierr.WithHint(fmt.Errorf("registry %q: a name is 1-64 characters of a-z, 0-9 and '-', not starting or ending with '-'", name),
			"skillctl registry add team-skills "+textsafe.ShellWord(raw))
	}
	if semver.IsQuery(name) {
		// NAME@X must mean one thing: X is a registry or a version, never either.
		return Registry{}, clierr.WithHint(fmt.Errorf("registry %s: a registry may not be named like a version (latest, vN, vN.N, vN.N.N): NAME@%s would mean a version", name, name),
			"choose another name, e.g. 'skillctl registry add my-skills URL'")
	}
	r := Registry{Name: name, URL: raw}
	if raw == "" {
		return r, fmt.Errorf("registry %s: empty URL", name)
	}
	src, err := source.Parse(raw)
	if err != nil {
		// A plain relative folder ("skills", "my/skills") reads as a name or OWNER/REPO; take it as a folder
		// only if it exists, below.
		src = source.Source{}
	}
	if src.Kind == source.Git && src.Shorthand && isDir(filepath.Join(base, raw)) {
		src = source.Source{Kind: source.Local, Dir: raw}
	}
	if src.Kind == source.Git && !strings.HasPrefix(src.Repo, "http://") && !strings.HasPrefix(src.Repo, "https://") && !strings.HasPrefix(src.Repo, "file:") {
		src = source.Source{} // SSH: a registries file from a cloned project must not make skillctl log in anywhere
	}
	switch src.Kind {
	case source.Site:
		r.site, r.URL = src.URL, src.URL+"/"
		return r, nil
	case source.Git:
		if strings.HasPrefix(src.Repo, "file:") {
			return r, clierr.WithHint(fmt.Errorf("registry %s: file:// URLs are not supported", name), "give the folder itself: skillctl registry add "+name+" /ABS/FOLDER")
		}
		if src.Shorthand && src.Path == "" && src.Ref == "" {
			r.URL = strings.TrimSuffix(src.Repo, ".git")
		}
		r.repo, r.ref, r.path, r.treeRest = src.Repo, src.Ref, src.Path, src.TreeRest
		return r, nil
	case source.Local:
		d := src.Dir
		if strings.HasPrefix(d, "~") {
			home, _ := os.UserHomeDir()
			d = filepath.Join(home, strings.TrimPrefix(d, "~"))
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(base, d)
		}
		r.dir = filepath.Clean(d)
		return r, nil
	}
	if d := filepath.Join(base, raw); !filepath.IsAbs(raw) && isDir(d) {
		r.dir = filepath.Clean(d)
		return r, nil
	}
	return r, clierr.WithHint(fmt.Errorf("registry %s: %q is not a git URL over http(s), a GitHub repository, a site (https://HOST/) or a folder", name, raw),
		"skillctl registry add "+name+" https://github.com/OWNER/REPO",
		"skillctl registry add "+name+" OWNER/REPO",
		"skillctl registry add "+name+" https://HOST/PATH/REPO.git",
		"skillctl registry add "+name+" ./FOLDER")
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// Add records a registry in file (the user or project file), normalising a local folder to an absolute
// path and a GitHub shorthand to its URL. A name already in that file is an error: remove it first.
func Add(file, name, rawURL string) (Registry, error) {
	if isProjectFile(file) {
		if err := localfs.CheckProjectPath(configBase(file), file); err != nil {
			return Registry{}, err
		}
	}
	regs, _, err := readConfig(file, "")
	if err != nil {
		return Registry{}, err
	}
	r, err := parseRegistry(name, rawURL, mustGetwd())
	if err != nil {
		return Registry{}, err
	}
	if isProjectFile(file) {
		if err := checkProjectFolder(r, configBase(file)); err != nil {
			return Registry{}, err
		}
	}
	if r.dir != "" {
		if !isDir(r.dir) {
			return Registry{}, fmt.Errorf("registry %s: %s: no such folder", name, r.dir)
		}
		r.URL = r.dir
		// A project's registries travel with the project: a folder inside it is recorded relative to
		// its root, so a clone or a move still finds it.
		if isProjectFile(file) {
			if rel, err := filepath.Rel(configBase(file), r.dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				r.URL = "./" + filepath.ToSlash(rel)
			}
		}
	}
	for _, old := range regs {
		if old.Name == name {
			return Registry{}, clierr.WithHint(fmt.Errorf("registry %s: already configured as %s", name, old.URL),
				"skillctl registry remove "+name+scopeFlag(file)+" && skillctl registry add "+name+" "+textsafe.ShellWord(r.URL)+scopeFlag(file))
		}
	}
	regs = append(regs, r)
	if err := writeConfig(file, regs); err != nil {
		return Registry{}, fmt.Errorf("%s: %w", file, err)
	}
	return r, nil
}

// Remove deletes the registry called name from file.
func Remove(file, name string) error {
	if isProjectFile(file) {
		if err := localfs.CheckProjectPath(configBase(file), file); err != nil {
			return err
		}
	}
	regs, _, err := readConfig(file, "")
	if err != nil {
		return err
	}
	out := regs[:0]
	for _, r := range regs {
		if r.Name != name {
			out = append(out, r)
		}
	}
	if len(out) == len(regs) {
		hint := "skillctl registry list"
		switch other := ConfigFile(!isProjectFile(file)); {
		case name == BuiltinName:
			hint = "the bundled registry cannot be removed; it is always searched last"
		case configHas(other, name):
			// The same command with the other file's flag: the one the user most likely meant.
			hint = "skillctl registry remove " + textsafe.ShellWord(name) + scopeFlag(other) + "   # it is in " + other
		}
		return clierr.WithHint(fmt.Errorf("registry %s: not in %s", textsafe.Escape(name), file), hint)
	}
	if err := writeConfig(file, out); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// configHas reports whether the registries file holds name; a file that cannot be read holds nothing.
func configHas(file, name string) bool {
	regs, _, err := readConfig(file, "")
	if err != nil {
		return false
	}
	for _, r := range regs {
		if r.Name == name {
			return true
		}
	}
	return false
}

func scopeFlag(file string) string {
	if isProjectFile(file) {
		return " --project"
	}
	return ""
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// ConfigFile is the project's registries file when project is set, else the user's.
func ConfigFile(project bool) string {
	if project {
		return ProjectConfigFile()
	}
	return UserConfigFile()
}
