package clierr

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestCodeAndHints(t *testing.T) {
	base := errors.New("lock: corrupt")
	tests := []struct {
		err   error
		code  int
		hints []string
	}{
		{nil, 0, nil},
		{base, 1, nil},
		{ErrFindings, 1, nil},
		{Usage(base), 2, nil},
		{fmt.Errorf("wrapped: %w", Usage(WithHint(base, "run a"))), 2, []string{"run a"}},
		{WithHint(fmt.Errorf("x: %w", WithHint(base, "inner")), "outer"), 1, []string{"outer", "inner"}},
		{errors.Join(WithHint(base, "j1"), WithHint(base, "j2")), 1, []string{"j1", "j2"}},
	}
	for i, tt := range tests {
		if got := Code(tt.err); got != tt.code {
			t.Errorf("%d: Code = %d, want %d", i, got, tt.code)
		}
		if got := Hints(tt.err); !reflect.DeepEqual(got, tt.hints) {
			t.Errorf("%d: Hints = %q, want %q", i, got, tt.hints)
		}
	}
}
