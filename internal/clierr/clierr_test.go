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
		{Unknown(WithHint(base, "retry")), 3, []string{"retry"}},
		{fmt.Errorf("check: %w", Unknown(base)), 3, nil},
		{Unknown(ErrFindings), 1, nil},
		{Unknown(Usage(base)), 2, nil},
		{Unknown(nil), 0, nil},
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

func TestDescribe(t *testing.T) {
	err := WithHint(fmt.Errorf("x: %w", WithHint(Usage(errors.New("bad flag")), "run b", "run a")), "run a")
	got := Describe(err)
	want := Report{Message: "x: bad flag", Hints: []string{"run a", "run b"}, Code: 2}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Describe = %+v, want %+v", got, want)
	}
	if got := Describe(errors.New("plain")); got.Hints == nil || len(got.Hints) != 0 || got.Code != 1 {
		t.Errorf("Describe(plain) = %+v, want empty non-nil hints and code 1", got)
	}
}
