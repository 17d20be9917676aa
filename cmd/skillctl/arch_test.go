package main

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportBoundaries holds the layout's lines: only cmd/skillctl imports cobra, and the packages that
// hold pure logic (rules, graph, parsing, hashing, content review) touch no files, processes or network.
func TestImportBoundaries(t *testing.T) {
	root := filepath.Join("..", "..")
	pure := map[string]bool{"manifest": true, "depgraph": true, "source": true, "snapshot": true, "risk": true, "textsafe": true, "budget": true, "semver": true, "adopt": true, "wellknown": true}
	io := map[string]bool{"os": true, "os/exec": true, "net/http": true, "io/ioutil": true, "syscall": true}
	checked := 0
	for _, top := range []string{"internal", "skills"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			parts := strings.Split(filepath.ToSlash(rel), "/")
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if strings.HasPrefix(path, "github.com/spf13/cobra") {
					t.Errorf("%s imports %s: only cmd/skillctl may", rel, path)
				}
				if len(parts) > 2 && parts[0] == "internal" && pure[parts[1]] && io[path] {
					t.Errorf("%s imports %s: package %s is pure (no I/O)", rel, path, parts[1])
				}
			}
			checked++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 20 {
		t.Fatalf("only %d files checked; is the walk looking in the right place?", checked)
	}
}

// TestOnePrinter holds the line that terminal concerns live in internal/streams alone: no other package
// under internal/ names os.Stdout or os.Stderr or writes the "skillctl: " prefix itself, so the message
// grammar and the escaping of untrusted text cannot be bypassed.
func TestOnePrinter(t *testing.T) {
	root := filepath.Join("..", "..", "internal")
	checked := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasPrefix(filepath.ToSlash(rel), "streams/") {
			return nil
		}
		// Only what a release build compiles: a test-only hook behind a build tag may talk to stderr.
		if ok, err := build.Default.MatchFile(filepath.Dir(p), filepath.Base(p)); err != nil || !ok {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok && id.Name == "os" && (x.Sel.Name == "Stdout" || x.Sel.Name == "Stderr") {
					t.Errorf("%s: uses os.%s; hand the code a *streams.IO instead", fset.Position(x.Pos()), x.Sel.Name)
				}
			case *ast.BasicLit:
				if s, err := strconv.Unquote(x.Value); err == nil && x.Kind == token.STRING && strings.Contains(s, "skillctl: ") {
					t.Errorf("%s: writes the \"skillctl: \" prefix itself; use streams.IO.Note or return an error", fset.Position(x.Pos()))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d files checked; is the walk looking in the right place?", checked)
	}
}
