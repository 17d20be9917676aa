package source

import "testing"

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		// One spelling per repository.
		{"https://github.com/o/r", "https://github.com/o/r"},
		{"https://github.com/o/r.git", "https://github.com/o/r"},
		{"https://github.com/o/r/", "https://github.com/o/r"},
		{"https://github.com/o/r.git/", "https://github.com/o/r"},
		{"https://GitHub.COM/Owner/Repo.git", "https://github.com/owner/repo"},
		{"HTTPS://github.com//o//r", "https://github.com/o/r"},
		{"http://github.com/o/r", "https://github.com/o/r"},
		{"https://github.com:443/o/r", "https://github.com/o/r"},
		{"https://git.example.com:443/Team/Skills.git", "https://git.example.com/Team/Skills"},
		{"http://git.example.com:80/team/skills", "http://git.example.com/team/skills"},
		{"http://127.0.0.1:8080/acme/market.git", "http://127.0.0.1:8080/acme/market"},
		{"http://127.0.0.1:8080/acme/market", "http://127.0.0.1:8080/acme/market"},
		{"https://gitlab.com/g/sub/r.git", "https://gitlab.com/g/sub/r"},
		{"https://h.example/a%20b/r%2ex.git", "https://h.example/a%20b/r.x"},
		{"https://[::1]:8443/o/r.git", "https://[::1]:8443/o/r"},
		{"ssh://git@Example.COM:22/srv/r.git", "ssh://git@example.com/srv/r"},
		{"ssh://git@example.com:2222/srv/r.git/", "ssh://git@example.com:2222/srv/r"},
		{"ssh://git@github.com/O/R.git", "ssh://git@github.com/o/r"},
		{"git@GitHub.com:O/R.git", "git@github.com:o/r"},
		{"deploy@git.example.com:/srv/R.git/", "deploy@git.example.com:/srv/R"},
		// What differs stays different.
		{"http://git.example.com/o/r", "http://git.example.com/o/r"},   // another scheme
		{"https://git.example.com/O/r", "https://git.example.com/O/r"}, // case matters off github.com
		{"https://git.example.com/o/r.git.git", "https://git.example.com/o/r.git.git"},
		{"https://git.example.com/o/../r", "https://git.example.com/o/../r"},
		{"https://git.example.com/.git", "https://git.example.com/.git"},
		// file:// names a folder: cleaned of empty segments only.
		{"file:///srv/git/r.git", "file:///srv/git/r.git"},
		{"file:///srv//git/r.git/", "file:///srv/git/r.git"},
		{"file://localhost/srv/r", "file:///srv/r"},
		// Not an address: as it is.
		{"", ""},
		{"https://h.example/o/r?x=1", "https://h.example/o/r?x=1"},
		{"ftp://h.example/o/r", "ftp://h.example/o/r"},
		{"o/r", "o/r"},
	}
	for _, tt := range tests {
		got := Canonical(tt.in)
		if got != tt.want {
			t.Errorf("Canonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := Canonical(got); again != got {
			t.Errorf("Canonical is not idempotent on %q: %q then %q", tt.in, got, again)
		}
	}
}

func TestSameRepo(t *testing.T) {
	same := [][2]string{
		{"http://127.0.0.1:1/acme/marketplace.git", "http://127.0.0.1:1/acme/marketplace"},
		{"https://github.com/Anthropics/Skills", "https://github.com/anthropics/skills.git"},
	}
	for _, p := range same {
		if !SameRepo(p[0], p[1]) {
			t.Errorf("SameRepo(%q, %q) = false", p[0], p[1])
		}
	}
	differ := [][2]string{
		{"http://127.0.0.1:1/acme/market", "http://127.0.0.1:2/acme/market"},
		{"https://git.example.com/a/r", "https://git.example.com/b/r"},
		{"git@example.com:o/r", "ssh://git@example.com/o/r"},
	}
	for _, p := range differ {
		if SameRepo(p[0], p[1]) {
			t.Errorf("SameRepo(%q, %q) = true", p[0], p[1])
		}
	}
}
