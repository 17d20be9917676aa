package validate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus")

// TestCorpus runs the whole adapter over the shared corpus of published skills (894 of them) in each
// mode and logs the numbers the README quotes; it fails if the run errs or finds nothing. --quiet prints
// exactly the plain run's error lines and its summary, nothing else.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("shared corpus not found at %s: %v", corpusDir, err)
	}
	for _, o := range []Options{{}, {Spec: true}, {Strict: true}} {
		o.Paths = []string{corpusDir}
		start := time.Now()
		var plain, quiet bytes.Buffer
		sum, err := Run(o, &plain)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("strict=%v spec=%v: %+v in %v", o.Strict, o.Spec, sum, time.Since(start))
		if sum.Skills < 800 || sum.Invalid == 0 || sum.Invalid == sum.Skills {
			t.Errorf("implausible summary %+v", sum)
		}
		o.Quiet = true
		if _, err := Run(o, &quiet); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, line := range strings.SplitAfter(plain.String(), "\n") {
			if strings.Contains(line, ": error: ") {
				want = append(want, line)
			}
		}
		lines := strings.SplitAfter(plain.String(), "\n")
		want = append(want, lines[len(lines)-2]) // the summary
		if got := quiet.String(); got != strings.Join(want, "") {
			t.Errorf("strict=%v spec=%v: --quiet printed %d lines, not the plain run's %d error lines and its summary", o.Strict, o.Spec, strings.Count(got, "\n"), len(want)-1)
		}
		t.Logf("strict=%v spec=%v: %d lines, %d with --quiet", o.Strict, o.Spec, strings.Count(plain.String(), "\n"), strings.Count(quiet.String(), "\n"))
	}
}
