package manifest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/skillctl/skillctl/internal/semver"
)

// lookalikes are ad-hoc keys seen in published skills that mean one of ours.
var lookalikes = map[string]string{
	"depends_on": "depends-on", "dependsOn": "depends-on", "dependencies": "depends-on", "deps": "depends-on",
	"requires": "depends-on", "prerequisites": "depends-on", "related_skills": "related-skills",
	"relatedSkills": "related-skills", "related": "related-skills", "allowed_tools": "allowed-tools",
	"allowedTools": "allowed-tools", "tools": "allowed-tools",
}

func (c *checker) fields(root *yaml.Node, sk *Skill) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			c.add(c.pos(k), Error, "yaml-syntax", "a frontmatter key must be plain text, e.g. name:")
			continue
		}
		key := k.Value
		if seen[key] {
			c.add(c.pos(k), Error, "duplicate-field", "field %q is set twice (first on line %d): keep one", key, sk.Fields[key].Line)
			continue
		}
		seen[key] = true
		sk.Fields[key] = c.pos(k)
		switch key {
		case "name":
			c.name(k, v, sk)
		case "description":
			c.description(k, v, sk)
		case "license":
			if v.Kind == yaml.ScalarNode {
				sk.License = v.Value
			} else {
				c.add(c.pos(v), Warning, "license-type", "license should be text naming a licence or a bundled file, e.g. license: Apache-2.0 or license: LICENSE.txt")
			}
		case "compatibility":
			if v.Kind != yaml.ScalarNode {
				c.add(c.pos(v), Error, "compatibility-type", "compatibility must be text describing what the skill needs, e.g. compatibility: Requires Python 3.11 and network access")
				break
			}
			sk.Compatibility = v.Value
			if n := utf8.RuneCountInString(v.Value); n > maxCompatLen {
				c.add(c.pos(v), Error, "compatibility-too-long", "compatibility is %d characters; the limit is %d: shorten it", n, maxCompatLen)
			}
		case "allowed-tools":
			c.allowedTools(v, sk)
		case "metadata":
			c.metadata(v, sk)
		case "depends-on", "related-skills":
			if c.mode.Spec {
				sk.Extra[key] = v
				c.add(c.pos(k), Error, "unknown-field", "field %q is a skillctl extension the specification does not define; the reference validator rejects it", key)
			}
			names, ps := c.nameList(key, v, sk)
			if key == "depends-on" {
				sk.DependsOn, sk.DependsOnPos = names, ps
			} else {
				sk.RelatedSkills, sk.RelatedSkillsPos = names, ps
			}
		default:
			sk.Extra[key] = v
			c.otherField(k, key)
		}
	}
	if _, ok := sk.Fields["name"]; !ok {
		c.add(start, Error, "name-missing", "missing required field name: add name: %s", c.suggestName())
	}
	if _, ok := sk.Fields["description"]; !ok {
		c.add(start, Error, "description-missing", "missing required field description: add description: followed by what the skill does and when to use it")
	}
}

// otherField reports a top-level field outside the six and skillctl's two. One an agent documents is
// accepted (or, with Mode.Agents, reported when none of those agents reads it); the advice to move a
// field under metadata: is given only for fields no agent reads, since moving one switches it off.
func (c *checker) otherField(k *yaml.Node, key string) {
	readers := c.mode.Fields[key]
	switch {
	case c.mode.Spec && len(readers) > 0:
		c.add(c.pos(k), Error, "unknown-field", "field %q is not one of the specification's six, so the reference validator rejects it; %s read it, and moving it under metadata: would switch it off there", key, strings.Join(readers, ", "))
	case c.mode.Spec:
		c.add(c.pos(k), Error, "unknown-field", "field %q is not one of the specification's six (name, description, license, compatibility, metadata, allowed-tools): move it under metadata:", key)
	case len(readers) > 0:
		if len(c.mode.Agents) > 0 && !shares(readers, c.mode.Agents) {
			c.add(c.pos(k), Warning, "unknown-field", "field %q is not one %s is known to read (read by %s): it does nothing there", key, strings.Join(c.mode.Agents, " or "), strings.Join(readers, ", "))
		}
	default:
		if alt := c.lookalike(key); alt != "" {
			c.add(c.pos(k), Warning, "unknown-field", "unknown field %q: did you mean %s:?", key, alt)
		} else {
			c.add(c.pos(k), Warning, "unknown-field", "unknown field %q: clients ignore it; to keep it, indent it under metadata:", key)
		}
	}
}

func shares(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// ownFields are the top-level fields the rules themselves read.
var ownFields = []string{"name", "description", "license", "compatibility", "metadata", "allowed-tools", "depends-on", "related-skills"}

// lookalike is the field key was probably meant to be: an ad-hoc synonym of ours, or a known field
// spelled another way (case, '_' for '-', camelCase) or one letter off (user-invokable). "" when none.
func (c *checker) lookalike(key string) string {
	if alt, ok := lookalikes[key]; ok {
		return alt
	}
	k := fieldForm(key)
	best := ""
	consider := func(f string) {
		g := fieldForm(f)
		if g == k || len(k) >= 6 && oneEdit(k, g) {
			if best == "" || f < best {
				best = f
			}
		}
	}
	for _, f := range ownFields {
		consider(f)
	}
	for f := range c.mode.Fields {
		consider(f)
	}
	return best
}

// fieldForm is a field name with case, '_' and camelCase humps read as '-': allowedTools, allowed_tools
// and Allowed-Tools all read allowed-tools.
func fieldForm(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '_' || r == ' ':
			b.WriteByte('-')
		case r >= 'A' && r <= 'Z':
			if i > 0 && s[i-1] >= 'a' && s[i-1] <= 'z' {
				b.WriteByte('-')
			}
			b.WriteRune(r + 'a' - 'A')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// oneEdit reports whether a and b differ by exactly one inserted, deleted or replaced byte.
func oneEdit(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 || a == b {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:]
	}
	return a[i:] == b[i+1:]
}

func (c *checker) suggestName() string {
	if s := suggest(c.in.Dir); s != "" {
		return s
	}
	return "my-skill"
}

func (c *checker) name(k, v *yaml.Node, sk *Skill) {
	if v.Kind != yaml.ScalarNode {
		c.add(c.pos(v), Error, "name-type", "name must be text: name: %s", c.suggestName())
		return
	}
	sk.Name = v.Value
	p := c.pos(v)
	n := normName(v.Value)
	if n == "" {
		c.add(c.pos(k), Error, "name-missing", "name is empty: name: %s", c.suggestName())
		return
	}
	if l := utf8.RuneCountInString(n); l > maxNameLen {
		c.add(p, Error, "name-too-long", "name is %d characters; the limit is %d: shorten it", l, maxNameLen)
	}
	if problem := nameProblem(n); problem != "" {
		c.add(p, Error, "name-format", "name %q %s: name: %s", n, problem, suggestOr(n))
	} else if !isASCII(n) {
		c.add(p, Warning, "name-non-ascii", "name %q uses characters outside a-z, 0-9 and '-': the specification allows only those and some clients refuse others", n)
	}
	if c.in.Dir != "" && normName(c.in.Dir) != n {
		fix := "set name: " + strings.ToValidUTF8(c.in.Dir, "\uFFFD")
		if nameProblem(n) == "" {
			fix = fmt.Sprintf("rename the folder to %q or %s", n, fix)
		}
		c.add(p, Error, "name-dir-mismatch", "name %q does not match the folder name %q: %s", n, c.in.Dir, fix)
	}
}

func suggestOr(n string) string {
	if s := suggest(n); s != "" {
		return s
	}
	return "my-skill"
}

func (c *checker) description(k, v *yaml.Node, sk *Skill) {
	if v.Kind != yaml.ScalarNode {
		c.add(c.pos(v), Error, "description-type", "description must be text saying what the skill does and when to use it; for several lines use description: >")
		return
	}
	sk.Description = v.Value
	if strings.TrimSpace(v.Value) == "" {
		c.add(c.pos(k), Error, "description-missing", "description is empty: say what the skill does and when to use it")
		return
	}
	n := utf8.RuneCountInString(v.Value)
	if n > maxDescLen {
		c.add(c.pos(v), Error, "description-too-long", "description is %d characters; the limit is %d: keep when-to-use here and move detail into the body", n, maxDescLen)
	}
	var cut []string
	for _, x := range c.mode.Cuts {
		if x.Chars > 0 && n > x.Chars {
			cut = append(cut, fmt.Sprintf("%s lists only its first %d (%s)", x.Agent, x.Chars, x.Source))
		}
	}
	if len(cut) > 0 {
		c.add(c.pos(v), Warning, "description-cut", "description is %d characters, and %s: put what the skill does and when to use it first, or shorten it", n, strings.Join(cut, "; "))
	}
}

func (c *checker) allowedTools(v *yaml.Node, sk *Skill) {
	switch v.Kind {
	case yaml.ScalarNode:
		sk.AllowedTools = v.Value
		return
	case yaml.SequenceNode:
		items := make([]string, 0, len(v.Content))
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				c.add(c.pos(it), Error, "allowed-tools-type", "allowed-tools entries must be tool patterns such as Read or Bash(git:*)")
				return
			}
			items = append(items, it.Value)
		}
		sk.AllowedTools = strings.Join(items, " ")
		c.add(c.pos(v), Warning, "allowed-tools-type", "allowed-tools should be one space-separated string: allowed-tools: %s", sk.AllowedTools)
	default:
		c.add(c.pos(v), Error, "allowed-tools-type", "allowed-tools must be a space-separated string of tool patterns, e.g. allowed-tools: Read Bash(git:*)")
	}
}

func (c *checker) metadata(v *yaml.Node, sk *Skill) {
	if v.Kind != yaml.MappingNode {
		c.add(c.pos(v), Warning, "metadata-type", "metadata must be a mapping of text keys to text values: put each on an indented line under metadata:, e.g. version: \"1.0\"")
		return
	}
	sk.Metadata = make(map[string]string, len(v.Content)/2)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			c.add(c.pos(k), Warning, "metadata-type", "metadata keys must be plain text")
			continue
		}
		switch val.Kind {
		case yaml.ScalarNode:
			sk.Metadata[k.Value] = val.Value
			if val.Style == 0 && (val.Tag == "!!int" || val.Tag == "!!float" || val.Tag == "!!bool") {
				c.add(c.pos(val), Warning, "metadata-type", "metadata value %s is a YAML %s, not text, to most parsers: quote it: %s: %q", val.Value, strings.TrimPrefix(val.Tag, "!!"), k.Value, val.Value)
			}
		case yaml.SequenceNode:
			parts := make([]string, 0, len(val.Content))
			for _, it := range val.Content {
				if it.Kind != yaml.ScalarNode {
					parts = nil
					break
				}
				parts = append(parts, it.Value)
			}
			if parts == nil {
				c.add(c.pos(val), Warning, "metadata-type", "metadata values must be text, not lists of mappings: flatten %q into separate text keys", k.Value)
				break
			}
			sk.Metadata[k.Value] = strings.Join(parts, ", ")
			c.add(c.pos(val), Warning, "metadata-type", "metadata values must be text, not lists: %s: %q", k.Value, sk.Metadata[k.Value])
		default:
			c.add(c.pos(val), Warning, "metadata-type", "metadata values must be text, not mappings: flatten %q into separate text keys", k.Value)
		}
	}
}

// nameList reads depends-on or related-skills: a YAML list of names, or (with a warning) one name or a
// comma- or space-separated string. Entry checks are skipped in Mode.Spec, where the field itself is
// already an error.
func (c *checker) nameList(key string, v *yaml.Node, sk *Skill) ([]string, []Position) {
	var names []string
	var ps []Position
	dep := key == "depends-on"
	typeSev := Warning
	if dep {
		typeSev = Error
	}
	report := !c.mode.Spec
	switch v.Kind {
	case yaml.SequenceNode:
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				if report {
					c.add(c.pos(it), typeSev, key+"-type", "%s entries must be skill names, e.g. %s: [other-skill]", key, key)
				}
				continue
			}
			names = append(names, strings.TrimSpace(it.Value))
			ps = append(ps, c.pos(it))
		}
	case yaml.ScalarNode:
		if strings.TrimSpace(v.Value) == "" {
			return nil, nil
		}
		names = strings.FieldsFunc(v.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
		for range names {
			ps = append(ps, c.pos(v))
		}
		if report {
			c.add(c.pos(v), Warning, key+"-format", "write %s as a YAML list: %s: [%s]", key, key, strings.Join(names, ", "))
		}
	default:
		if report {
			c.add(c.pos(v), typeSev, key+"-type", "%s must be a list of skill names, e.g. %s: [other-skill]", key, key)
		}
		return nil, nil
	}
	if dep {
		// NAME@vX[.Y[.Z]]: at least that version, same major. The name is checked below as any name.
		sk.DependsOnVersion = make([]string, len(names))
		for i, n := range names {
			name, ver, ok := strings.Cut(n, "@")
			if !ok {
				continue
			}
			names[i], sk.DependsOnVersion[i] = name, ver
			if _, good := semver.ParseMin(ver); !good && report {
				c.add(ps[i], Error, "depends-on-version", "depends-on entry %q: the version after @ is vX, vX.Y or vX.Y.Z, meaning at least that version of the same major, e.g. %s@v1.2", n, name)
			}
		}
	}
	if !report {
		return names, ps
	}
	self := normName(sk.Name)
	seen := map[string]int{}
	nameSev := Warning
	if dep {
		nameSev = Error
	}
	for i, n := range names {
		nn := normName(n)
		switch {
		case nn == "":
			c.add(ps[i], nameSev, key+"-invalid-name", "%s has an empty entry: remove it", key)
			continue
		case utf8.RuneCountInString(nn) > maxNameLen:
			c.add(ps[i], nameSev, key+"-invalid-name", "%s entry %q is over %d characters, so no skill can have that name", key, n, maxNameLen)
		case nameProblem(nn) != "":
			c.add(ps[i], nameSev, key+"-invalid-name", "%s entry %q is not a skill name: a name %s; did you mean %s?", key, n, nameProblem(nn), suggestOr(nn))
		case !isASCII(n):
			// Names a skill points at are looked up in registries and printed: letters outside a-z there
			// would let one name pass for another (a Cyrillic "а", a full-width "ｐ"), so they are held to
			// the specification's rule even where the skill's own name may use other scripts.
			c.add(ps[i], nameSev, key+"-invalid-name", "%s entry %q is not a skill name: a name it points at may use only a-z, 0-9 and '-'; did you mean %s?", key, n, suggestOr(nn))
		}
		if self != "" && nn == self {
			c.add(ps[i], nameSev, key+"-self", "%s lists the skill itself (%s): remove it", key, n)
		}
		if j, ok := seen[nn]; ok {
			c.add(ps[i], Warning, key+"-duplicate", "%s lists %q twice (first on line %d): remove one", key, n, ps[j].Line)
			continue
		}
		seen[nn] = i
	}
	return names, ps
}
