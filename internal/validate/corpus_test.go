package validate

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus")

// TestCorpus runs the whole adapter over the shared corpus of published skills (894 of them) in each
// mode and logs the numbers the README quotes; it fails if the run errs or finds nothing.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("shared corpus not found at %s: %v", corpusDir, err)
	}
	for _, o := range []Options{{}, {Spec: true}, {Strict: true}} {
		o.Paths = []string{corpusDir}
		start := time.Now()
		sum, err := Run(o, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("strict=%v spec=%v: %+v in %v", o.Strict, o.Spec, sum, time.Since(start))
		if sum.Skills < 800 || sum.Invalid == 0 || sum.Invalid == sum.Skills {
			t.Errorf("implausible summary %+v", sum)
		}
	}
}
