package gitfetch

import (
	"context"
	"testing"

	"github.com/skillctl/skillctl/internal/gittest"
)

// Release tags are listed with ls-refs ref-prefix refs/tags/ alone: annotated tags come back peeled to
// their commits, and a repository's branches and thousands of pull refs are never sent (protocol v2). A
// v0 server sends its whole advertisement, which the client filters to the same answer.
func TestListTags(t *testing.T) {
	for _, tt := range []struct {
		name     string
		shape    gittest.Shape
		maxBytes int64
	}{
		{"v2 ref-prefix", gittest.Shape{}, 8 << 10},
		{"v0 filtered", gittest.Shape{V0Only: true}, 1 << 30},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, "acme/skills")
			for _, tag := range []string{"v1.0.0", "skills/python/async/v0.1.0"} {
				if err := fx.srv.Tag("acme/skills", tag, fx.commit); err != nil {
					t.Fatal(err)
				}
			}
			if err := fx.srv.AddPullRefs("acme/skills", 3000); err != nil {
				t.Fatal(err)
			}
			fx.srv.SetShape(tt.shape)
			fx.srv.ResetStats()
			s, err := Open(fx.remote("acme/skills"))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got, err := s.Refs(context.Background(), "refs/tags/")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got["refs/tags/v1.0.0"] != fx.commit || got["refs/tags/skills/python/async/v0.1.0"] != fx.commit {
				t.Errorf("tags = %v, want both tags peeled to %s", got, fx.commit)
			}
			if b := fx.srv.Stats().BytesOut; b > tt.maxBytes {
				t.Errorf("served %d bytes for the tags, want at most %d", b, tt.maxBytes)
			}
		})
	}
}
