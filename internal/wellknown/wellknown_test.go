package wellknown

import (
	"errors"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/skillctl/skillctl/internal/manifest"
)

const hexA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func TestParse(t *testing.T) {
	x, err := Parse("https://example.com/.well-known/agent-skills/index.json", []byte(`{
		"$schema": "https://schemas.agentskills.io/discovery/0.2.0/schema.json",
		"skills": [
			{"name": "a", "type": "skill-md", "description": "d", "url": "a/SKILL.md", "digest": "sha256:`+strings.ToUpper(hexA)+`"},
			{"name": "b", "type": "archive", "url": "https://cdn.example.net/b.tar.gz", "digest": "sha256:`+hexA+`"}]}`), false)
	if err != nil {
		t.Fatal(err)
	}
	if a := x.Find("a"); a.URL != "https://example.com/.well-known/agent-skills/a/SKILL.md" || a.Digest != "sha256:"+hexA {
		t.Errorf("a: %+v", a)
	}
	if b := x.Find("b"); b.URL != "https://cdn.example.net/b.tar.gz" || b.Type != Archive {
		t.Errorf("b: %+v", b)
	}
	l, err := Parse("http://127.0.0.1:1/.well-known/skills/index.json", []byte(`{"skills":[{"name":"c","description":"d","files":["SKILL.md","references/r.md"]}]}`), true)
	if err != nil || l.Skills[0].URL != "http://127.0.0.1:1/.well-known/skills/c/" || l.Skills[0].Type != Files {
		t.Errorf("legacy: %+v %v", l, err)
	}
	for name, bad := range map[string]string{
		"name":        `{"skills":[{"name":"A b","type":"skill-md","url":"x","digest":"sha256:` + hexA + `"}]}`,
		"type":        `{"skills":[{"name":"a","type":"exe","url":"x","digest":"sha256:` + hexA + `"}]}`,
		"digest":      `{"skills":[{"name":"a","type":"skill-md","url":"x","digest":"md5:00"}]}`,
		"no digest":   `{"skills":[{"name":"a","type":"skill-md","url":"x"}]}`,
		"scheme":      `{"skills":[{"name":"a","type":"skill-md","url":"file:///etc/passwd","digest":"sha256:` + hexA + `"}]}`,
		"downgrade":   `{"skills":[{"name":"a","type":"skill-md","url":"http://example.com/a","digest":"sha256:` + hexA + `"}]}`,
		"credentials": `{"skills":[{"name":"a","type":"skill-md","url":"https://u:p@example.com/a","digest":"sha256:` + hexA + `"}]}`,
		"twice":       `{"skills":[{"name":"a","type":"skill-md","url":"x","digest":"sha256:` + hexA + `"},{"name":"a","type":"skill-md","url":"y","digest":"sha256:` + hexA + `"}]}`,
		"dot-dot":     `{"skills":[{"name":"../x","type":"skill-md","url":"x","digest":"sha256:` + hexA + `"}]}`,
		"control":     `{"skills":[{"name":"a\u001b[31m","type":"skill-md","url":"x","digest":"sha256:` + hexA + `"}]}`,
		"not a list":  `{"skills":{"name":"a"}}`,
		"key twice":   `{"skills":[],"skills":[{"name":"a","type":"skill-md","url":"x","digest":"sha256:` + hexA + `"}]}`,
		"too big":     `{"skills":[]}` + strings.Repeat(" ", MaxIndexSize),
	} {
		if _, err := Parse("https://example.com/.well-known/agent-skills/index.json", []byte(bad), false); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Parse("https://example.com/.well-known/skills/index.json", []byte(`{"skills":[{"name":"c","files":["../x"]}]}`), true); err == nil {
		t.Error("legacy ../ accepted")
	}
	if Check("x", []byte("hi"), Digest([]byte("hi"))) != nil || Check("x", []byte("hi"), "sha256:"+hexA) == nil {
		t.Error("Check")
	}
}

// TestParseManyEntries: an index of MaxIndexSize bytes of empty entries is refused past MaxSkills, and a
// files[] of empty names past the cap on files, without decoding the rest (whole, 1.5 GB and 289 MB).
func TestParseManyEntries(t *testing.T) {
	data := []byte(`{"skills":[` + strings.Repeat("{},", (MaxIndexSize-20)/3) + `{}]}`)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Parse("https://example.com/.well-known/agent-skills/index.json", data, false)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("err = %v", err)
	}
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 200 {
		t.Errorf("%d MB allocated to refuse it", mb)
	}
	// The earlier form: one skill whose files[] is MaxIndexSize bytes of empty names.
	data = []byte(`{"skills":[{"name":"a","files":[` + strings.Repeat(`"",`, (MaxIndexSize-60)/3) + `""]}]}`)
	runtime.ReadMemStats(&before)
	_, err = Parse("https://example.com/.well-known/skills/index.json", data, true)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "files") {
		t.Fatalf("files: err = %v", err)
	}
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 100 {
		t.Errorf("files: %d MB allocated to refuse it", mb)
	}
}

// FuzzParse: any bytes, served from any URL, give an index whose URLs are https with a host and no
// credentials and whose names are valid, or an error.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"skills":[{"name":"a","type":"skill-md","url":"a/SKILL.md","digest":"sha256:`+hexA+`"}]}`), false, "")
	f.Add([]byte(`{"skills":[{"name":"c","files":["SKILL.md"]}]}`), true, "")
	f.Add([]byte(`{"skills":[{"name":"a","type":"archive","url":"https:///x.tar.gz","digest":"sha256:`+hexA+`"}]}`), false, "https://cdn.example.net/i/index.json")
	f.Add([]byte(`{"skills":[{"name":"a","type":"archive","url":"//:0/x","digest":"sha256:`+hexA+`"}]}`), false, "https:")
	f.Fuzz(func(t *testing.T, data []byte, legacy bool, served string) {
		const asked = "https://example.com/.well-known/agent-skills/index.json"
		if served == "" {
			served = asked
		}
		x, err := ParseServed(asked, served, data, legacy)
		if err != nil {
			return
		}
		for _, s := range x.Skills {
			u, err := url.Parse(s.URL)
			if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.Opaque != "" || u.User != nil {
				t.Fatalf("served from %q: %+v", served, s)
			}
			if !manifest.ValidName(s.Name) {
				t.Fatalf("name %q accepted", s.Name)
			}
		}
	})
}

// TestParseServed: after a redirect, relative URLs resolve against the URL the index was served from,
// the index keeps the URL asked for, and every check holds against both.
func TestParseServed(t *testing.T) {
	const asked = "https://example.com/.well-known/agent-skills/index.json"
	one := func(url string) []byte {
		return []byte(`{"skills":[{"name":"a","type":"skill-md","url":"` + url + `","digest":"sha256:` + hexA + `"}]}`)
	}
	for _, tt := range []struct {
		served, url, want string // want "" is refused
	}{
		{asked, "a/SKILL.md", "https://example.com/.well-known/agent-skills/a/SKILL.md"},
		{"https://example.com/v2/skills/index.json", "a/SKILL.md", "https://example.com/v2/skills/a/SKILL.md"},
		{"https://cdn.example.net/idx/index.json", "a/SKILL.md", "https://cdn.example.net/idx/a/SKILL.md"},
		{"https://cdn.example.net/idx/index.json", "/a.tar.gz", "https://cdn.example.net/a.tar.gz"},
		{"https://cdn.example.net/idx/index.json", "https://example.org/a.zip", "https://example.org/a.zip"},
		{"http://example.com/index.json", "a/SKILL.md", ""},               // served over http for an https site
		{"https://u:p@example.com/index.json", "a/SKILL.md", ""},          // credentials in the served URL
		{"ftp://example.com/index.json", "a/SKILL.md", ""},                // not http(s)
		{"https://cdn.example.net/index.json", "http://x.example/a", ""},  // still no http artifact
		{"https://cdn.example.net/i/index.json", "https:///x.tar.gz", ""}, // no host
		{"https://cdn.example.net/i/index.json", "//:0/x.tar.gz", ""},     // a port and no host
		{"https:", "a/SKILL.md", ""},  // served from no host at all
		{"https:x", "a/SKILL.md", ""}, // an opaque URL
	} {
		x, err := ParseServed(asked, tt.served, one(tt.url), false)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("served %s, url %s: accepted %s", tt.served, tt.url, x.Skills[0].URL)
		case tt.want == "":
		case err != nil:
			t.Errorf("served %s, url %s: %v", tt.served, tt.url, err)
		case x.URL != asked || x.Skills[0].URL != tt.want:
			t.Errorf("served %s, url %s: index %s, skill %s; want %s", tt.served, tt.url, x.URL, x.Skills[0].URL, tt.want)
		}
	}
	// An http site redirected to https: relative URLs are https; the earlier form's folders follow too.
	l, err := ParseServed("http://127.0.0.1:1/.well-known/skills/index.json", "https://skills.example.com/.well-known/skills/index.json",
		[]byte(`{"skills":[{"name":"c","files":["SKILL.md"]}]}`), true)
	if err != nil || l.Skills[0].URL != "https://skills.example.com/.well-known/skills/c/" || l.URL != "http://127.0.0.1:1/.well-known/skills/index.json" {
		t.Errorf("legacy: %+v %v", l, err)
	}
}

// TestReadServed: Read resolves against the URL get says each index was served from ("" is the URL
// asked), for either form, and keeps the URL asked as the index's.
func TestReadServed(t *testing.T) {
	const site = "https://example.com"
	current := []byte(`{"skills":[{"name":"a","type":"skill-md","url":"a/SKILL.md","digest":"sha256:` + hexA + `"}]}`)
	legacy := []byte(`{"skills":[{"name":"c","files":["SKILL.md"]}]}`)
	for _, tt := range []struct {
		legacy       bool
		served, want string
		index        string
	}{
		{false, "https://example.com/sub/index.json", "https://example.com/sub/a/SKILL.md", site + IndexPath},
		{false, "", "https://example.com/.well-known/agent-skills/a/SKILL.md", site + IndexPath},
		{true, "https://example.com/old/index.json", "https://example.com/old/c/", site + LegacyPath},
	} {
		x, err := Read(site, func(u string) ([]byte, string, bool, error) {
			if u == site+IndexPath && tt.legacy || u == site+LegacyPath && !tt.legacy {
				return nil, "", true, errors.New("404")
			}
			if tt.legacy {
				return legacy, tt.served, false, nil
			}
			return current, tt.served, false, nil
		})
		if err != nil || x.URL != tt.index || x.Skills[0].URL != tt.want {
			t.Errorf("served %q: %+v %v; want index %s, skill %s", tt.served, x, err, tt.index, tt.want)
		}
	}
}

// TestParseServedRedacts: an index served from a URL with credentials is refused without printing them.
func TestParseServedRedacts(t *testing.T) {
	_, err := ParseServed("https://example.com/.well-known/agent-skills/index.json", "https://s3cr3t-token@cdn.example.net/index.json", []byte(`{"skills":[]}`), false)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error %v: want a refusal that does not show the credential", err)
	}
}
