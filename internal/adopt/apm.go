package adopt

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Microsoft APM declares a project's packages in apm.yml and records what it resolved and deployed in
// apm.lock.yaml: dependencies[] each with repo_url (github.com/OWNER/REPO or a URL), resolved_commit,
// resolved_ref, virtual_path (the folder of the repository for a package that is one folder of it),
// deployed_files (every file it placed in the project) and deployed_file_hashes (path → SHA-256, bare hex
// or "sha256:HEX"). A skill is a deployed DIR/NAME/SKILL.md; each folder it was deployed to is one entry.
const (
	APMFile     = "apm.lock.yaml"
	APMManifest = "apm.yml"
)

type apmLock struct {
	LockfileVersion string   `yaml:"lockfile_version"`
	Dependencies    []apmDep `yaml:"dependencies"`
}

type apmDep struct {
	RepoURL        string            `yaml:"repo_url"`
	ResolvedCommit string            `yaml:"resolved_commit"`
	ResolvedRef    string            `yaml:"resolved_ref"`
	VirtualPath    string            `yaml:"virtual_path"`
	DeployedFiles  []string          `yaml:"deployed_files"`
	FileHashes     map[string]string `yaml:"deployed_file_hashes"`
}

// maxYAMLNodes bounds the nodes of one YAML file decoded here; no alias is followed at all.
const maxYAMLNodes = 1_000_000

// maxMappingWork bounds the sum of the squares of mappings' key counts: decoding a mapping into a struct
// or map, yaml.v3 compares every key with every later one (its duplicate check), so 70,000 keys in one
// mapping (1 MB) took a minute. The bound allows one mapping of 7,000 keys, or 70 of 850.
const maxMappingWork = 50_000_000

// decodeYAML decodes data into v after refusing aliases (a few bytes of them can stand for gigabytes)
// and more than maxYAMLNodes nodes.
func decodeYAML(format string, data []byte, v any) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("%s: not valid YAML: %v", format, err)
	}
	n, work := 0, 0
	var walk func(*yaml.Node) error
	walk = func(x *yaml.Node) error {
		if n++; n > maxYAMLNodes {
			return errors.New("too many nodes")
		}
		if k := len(x.Content) / 2; x.Kind == yaml.MappingNode {
			if work += k * k; work > maxMappingWork {
				return errors.New("mappings with too many keys")
			}
		}
		if x.Kind == yaml.AliasNode || x.Anchor != "" {
			return errors.New("anchors and aliases are not read")
		}
		for _, c := range x.Content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(&doc); err != nil {
		return fmt.Errorf("%s: %v", format, err)
	}
	if err := doc.Decode(v); err != nil {
		return fmt.Errorf("%s: not a valid file: %v", format, err)
	}
	return nil
}

// ParseAPM reads apm.lock.yaml (lockfile_version "1" or "2").
func ParseAPM(data []byte) ([]Entry, error) {
	var l apmLock
	if err := decodeYAML(APMFile, data, &l); err != nil {
		return nil, err
	}
	if l.LockfileVersion != "1" && l.LockfileVersion != "2" {
		return nil, fmt.Errorf("%s: lockfile_version %q is not read (this skillctl reads \"1\" and \"2\")", APMFile, l.LockfileVersion)
	}
	var out []Entry
	for _, d := range l.Dependencies {
		repo := strings.TrimSuffix(d.RepoURL, ".git")
		if !strings.Contains(repo, "://") && strings.Count(repo, "/") >= 2 {
			repo = "https://" + repo // github.com/OWNER/REPO
		}
		files := skillFiles(d)
		for _, f := range d.DeployedFiles {
			if !strings.EqualFold(path.Base(f), "SKILL.md") {
				continue
			}
			skill := path.Dir(f)
			if len(out) >= MaxEntries {
				return nil, tooMany(APMFile, len(out)+1)
			}
			e := Entry{Name: path.Base(skill), Format: APMFile, Repo: repo, Commit: strings.ToLower(d.ResolvedCommit),
				Path: strings.Trim(d.VirtualPath, "/"), Dir: path.Dir(skill)}
			if e.Commit == "" {
				e.Ref = d.ResolvedRef
			}
			if e.Path == "" {
				e.Find = true
			}
			e.Files = files[skill]
			if len(e.Files) > 0 {
				e.HashKind = HashFiles
			}
			e.check()
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Dir+"/"+out[i].Name < out[j].Dir+"/"+out[j].Name })
	return out, nil
}

// skillFiles sorts a dependency's file hashes by the skill folder (a deployed SKILL.md's folder) each
// file lies in, every enclosing one for nested skills: path → hash relative to that folder. It walks up
// each hashed path once, so the work is linear in the file, not skills × hashes (8,000 skills and 70,000
// hashes, 1.3 MB, took three minutes when each skill looked through every hash).
func skillFiles(d apmDep) map[string]map[string]string {
	files := map[string]map[string]string{}
	for _, f := range d.DeployedFiles {
		if strings.EqualFold(path.Base(f), "SKILL.md") {
			files[path.Dir(f)] = map[string]string{}
		}
	}
	for p, h := range d.FileHashes {
		for dir := p; ; {
			i := strings.LastIndexByte(dir, '/')
			if i < 0 {
				break
			}
			dir = dir[:i]
			if m := files[dir]; m != nil {
				m[p[i+1:]] = strings.TrimPrefix(strings.ToLower(h), "sha256:")
			}
		}
	}
	return files
}
