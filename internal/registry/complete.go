package registry

import (
	"context"
	"strings"
)

// CompleteRegistries lists registry names for shell completion, builtin excluded when removable is
// set (it cannot be removed).
func CompleteRegistries(removable bool) []string {
	s, err := Load(nil, nil)
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range s.Names() {
		if !removable || n != BuiltinName {
			out = append(out, n)
		}
	}
	return out
}

// CompleteSkill completes a skill argument cheaply, without the network: NAME@ completes registry
// names; otherwise the names of the bundled skills and of local-folder registries' skills.
func CompleteSkill(toComplete string) []string {
	s, err := Load(nil, nil)
	if err != nil {
		return nil
	}
	if name, _, ok := strings.Cut(toComplete, "@"); ok {
		var out []string
		for _, r := range s.Names() {
			out = append(out, name+"@"+r)
		}
		return out
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range s.Registries() {
		if r.Scope != ScopeBuiltin && !r.IsLocal() {
			continue
		}
		idx, err := s.Index(context.Background(), r.Name)
		if err != nil {
			continue
		}
		for _, e := range idx.Entries {
			if !seen[e.Name] && strings.HasPrefix(e.Name, toComplete) {
				seen[e.Name] = true
				out = append(out, e.Name)
			}
		}
	}
	return out
}
