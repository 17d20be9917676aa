package registry

import (
	"sort"
	"strings"
)

// Relevance tiers of a search match, best first: the name is the term, starts with it, holds it, or the
// term is only in another field (author, path, description, category).
const (
	tierExact = iota
	tierPrefix
	tierContains
	tierOther
)

// relevance is the tier of a skill called name (by author, "" when none) for term, lowercased. A name is
// matched alone and as AUTHOR/NAME, the two forms search prints and install takes. An empty term matches
// every name alike.
func relevance(author, name, term string) int {
	if term == "" {
		return tierExact
	}
	best := tierOther
	forms := []string{strings.ToLower(name)}
	if author != "" {
		forms = append(forms, strings.ToLower(author+"/"+name))
	}
	for _, f := range forms {
		switch {
		case f == term:
			return tierExact
		case strings.HasPrefix(f, term):
			best = min(best, tierPrefix)
		case strings.Contains(f, term):
			best = min(best, tierContains)
		}
	}
	return best
}

// rank orders matches by relevance to term (lowercased), best first; within a tier they keep the order
// they came in: registry order, then name and path within a registry.
func rank(term string, cs []Candidate) {
	tiers := make([]int, len(cs))
	for i, c := range cs {
		tiers[i] = relevance(c.Author, c.Name, term)
	}
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return tiers[idx[a]] < tiers[idx[b]] })
	sorted := make([]Candidate, len(cs))
	for i, j := range idx {
		sorted[i] = cs[j]
	}
	copy(cs, sorted)
}
