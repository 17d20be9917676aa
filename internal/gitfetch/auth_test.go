package gitfetch

import "testing"

func TestWithEnvToken(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "")
	t.Setenv("GH_TOKEN", "gh-tok")
	tests := []struct {
		url, user, pass string
	}{
		{"https://github.com/o/r.git", "x-access-token", "gh-tok"},
		{"https://GitHub.com/o/r.git", "x-access-token", "gh-tok"},
		{"http://github.com/o/r.git", "", ""},               // never in clear text
		{"https://github.com.evil.example/o/r.git", "", ""}, // a lookalike host
		{"https://gitlab.com/o/r.git", "", ""},
		{"http://127.0.0.1:8080/o/r.git", "", ""},
	}
	for _, tt := range tests {
		r := Remote{URL: tt.url}.WithEnvToken()
		if r.Username != tt.user || r.Password != tt.pass {
			t.Errorf("%s: got %q/%q, want %q/%q", tt.url, r.Username, r.Password, tt.user, tt.pass)
		}
	}
	t.Setenv("GITHUB_TOKEN", "first")
	if r := (Remote{URL: "https://github.com/o/r"}).WithEnvToken(); r.Password != "first" {
		t.Errorf("GITHUB_TOKEN should win over GH_TOKEN, got %q", r.Password)
	}
}
