package main

import "testing"

// TestBuildInfoText holds the version report's lines for a release build, a checkout build with changes,
// and a build that recorded no commit (a test binary, or -buildvcs=false).
func TestBuildInfoText(t *testing.T) {
	for _, c := range []struct {
		b    buildInfo
		want string
	}{
		{buildInfo{Version: "v1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Time: "2026-01-02T03:04:05Z", Go: "go1.26.0", Platform: "linux/amd64"},
			"skillctl v1.2.3\ncommit 0123456789abcdef0123456789abcdef01234567 (2026-01-02T03:04:05Z)\nbuilt with go1.26.0 for linux/amd64\n"},
		{buildInfo{Version: "devel", Commit: "0123456789abcdef0123456789abcdef01234567", Modified: true, Go: "go1.26.0", Platform: "darwin/arm64"},
			"skillctl devel\ncommit 0123456789abcdef0123456789abcdef01234567, with uncommitted changes\nbuilt with go1.26.0 for darwin/arm64\n"},
		{buildInfo{Version: "devel", Go: "go1.26.0", Platform: "windows/amd64"},
			"skillctl devel\ncommit unknown (built without VCS information)\nbuilt with go1.26.0 for windows/amd64\n"},
		{buildInfo{Version: "v1\x1b[31m", Go: "go1.26.0", Platform: "linux/amd64"},
			"skillctl v1\\u{1B}[31m\ncommit unknown (built without VCS information)\nbuilt with go1.26.0 for linux/amd64\n"},
	} {
		if got := c.b.text(); got != c.want {
			t.Errorf("text() = %q, want %q", got, c.want)
		}
	}
}
