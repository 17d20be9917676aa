package crashtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTwoGigabyteFile serves a skill holding a 2 GiB file and checks the install is stopped by the file
// cap without the file ever being held whole: the server filters it out when it can, and otherwise the
// client stops at the object's header; either way the process stays far below the file's size in memory.
// The file is zeros (a sparse file, so the test needs little disk): what crosses the wire is small either
// way, so the memory of the installing process is what shows the file was never inflated.
func TestTwoGigabyteFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 2 GiB blob")
	}
	s := startServer(t)
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "skills", "huge"), 0o755)
	os.WriteFile(filepath.Join(src, "skills", "huge", "SKILL.md"), []byte("---\nname: huge\ndescription: Carries a 2 GiB file. Use it in tests.\n---\n"), 0o644)
	f, err := os.Create(filepath.Join(src, "skills", "huge", "data.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(2 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	start := time.Now()
	if _, err := s.Commit("acme/huge", "main", src, "a 2 GiB file"); err != nil {
		t.Fatal(err)
	}
	t.Logf("committed a 2 GiB blob in %v", time.Since(start).Round(time.Millisecond))

	for _, filtered := range []bool{true, false} {
		if !filtered {
			if err := s.Configure("acme/huge", "uploadpackfilter.blob:limit.allow", "false"); err != nil {
				t.Fatal(err)
			}
		}
		p := newProject(t)
		s.ResetStats()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd, _, errb := p.command(ctx, "install", treeURL(s, "acme/huge", "main", "skills/huge"), "--dir", "sk")
		runErr := cmd.Run()
		cancel()
		if cmd.ProcessState == nil {
			t.Fatalf("filtered=%v: %v", filtered, runErr)
		}
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
		served := s.Stats().BytesOut
		t.Logf("filtered=%v: exit %d, peak RSS %d MiB, %d KiB served: %s", filtered, cmd.ProcessState.ExitCode(), rss>>20, served>>10, firstLine(errb.String()))
		if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(errb.String(), "larger than") {
			t.Errorf("filtered=%v: want a refusal naming the size cap, got exit %d: %s", filtered, cmd.ProcessState.ExitCode(), errb.String())
		}
		if rss > 256<<20 {
			t.Errorf("filtered=%v: peak RSS %d MiB: the 2 GiB file was held in memory", filtered, rss>>20)
		}
		if _, err := os.Stat(p.path("sk")); err == nil {
			t.Errorf("filtered=%v: the target was created", filtered)
		}
	}
}
