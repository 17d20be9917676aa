package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

// version is set at link time by release builds (-ldflags "-X main.version=v1.2.3"); otherwise the module
// version recorded by `go install` is used.
var version = ""

// buildInfo is what `skillctl version` and `--version` report: what a bug report needs to name the build.
type buildInfo struct {
	Version  string `json:"version"`  // the release or module version, "devel" for a build from a checkout
	Commit   string `json:"commit"`   // the VCS revision the binary was built from, "" when not recorded
	Time     string `json:"time"`     // that commit's time, RFC 3339, "" when not recorded
	Modified bool   `json:"modified"` // the working tree had uncommitted changes
	Go       string `json:"go"`       // the Go toolchain that built it
	Platform string `json:"platform"` // GOOS/GOARCH
}

// readBuildInfo reads the module version, VCS stamp and toolchain from the binary's own build info.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if b.Version == "" {
			b.Version = "devel"
		}
		return b
	}
	if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.Version = bi.Main.Version
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	if bi.GoVersion != "" {
		b.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

func versionString() string { return readBuildInfo().Version }

// text is the report's human form: the version on the first line (what `--version` always printed), then
// the commit and the toolchain.
func (b buildInfo) text() string {
	commit := "unknown (built without VCS information)"
	if b.Commit != "" {
		commit = b.Commit
		if b.Time != "" {
			commit += " (" + b.Time + ")"
		}
		if b.Modified {
			commit += ", with uncommitted changes"
		}
	}
	return fmt.Sprintf("skillctl %s\ncommit %s\nbuilt with %s for %s\n", esc(b.Version), esc(commit), esc(b.Go), esc(b.Platform))
}

func newVersionCmd(ios *streams.IO) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print skillctl's version, the commit it was built from and its Go version",
		Long: `Version prints the module version (or "devel" for a build from a checkout), the VCS commit
the binary was built from, and the Go toolchain and platform, all read from the
binary's own build information. 'skillctl --version' prints the same.`,
		Example: "  skillctl version\n  skillctl version --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return printVersion(ios.Stdout(), readBuildInfo(), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"version","commit","time","modified","go","platform"}`)
	return cmd
}

func printVersion(w io.Writer, b buildInfo, asJSON bool) error {
	if asJSON {
		return writeJSON(w, b)
	}
	_, err := io.WriteString(w, b.text())
	return err
}
