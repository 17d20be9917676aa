package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdWebServer: webserver start|tls DIR [VAR] serves DIR's files on loopback (net/http/httptest) and
// sets VAR (default WEBSERVER) to its URL, with no trailing slash; a site's well-known index is a file like
// any other. A request for PATH where DIR holds PATH.redirect is answered 302 to the URL that file holds.
// tls serves https with httptest's certificate, which the commands run after it trust (SSL_CERT_FILE
// names its PEM). A server stops with its script.
func cmdWebServer(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 || args[0] != "start" && args[0] != "tls" {
		ts.Fatalf("usage: webserver start|tls DIR [VAR]")
	}
	dir := ts.MkAbs(args[1])
	files := http.FileServer(http.Dir(dir))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path.Clean(r.URL.Path))+".redirect")); err == nil {
			http.Redirect(w, r, strings.TrimSpace(string(to)), http.StatusFound)
			return
		}
		files.ServeHTTP(w, r)
	})
	v := "WEBSERVER"
	if len(args) == 3 {
		v = args[2]
	}
	if args[0] == "start" {
		s := httptest.NewServer(h)
		ts.Defer(s.Close)
		ts.Setenv(v, s.URL)
		return
	}
	s := httptest.NewTLSServer(h)
	ts.Defer(s.Close)
	pemFile := ts.MkAbs(".webserver-" + v + ".pem")
	ts.Check(os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw}), 0o644))
	ts.Setenv("SSL_CERT_FILE", pemFile)
	ts.Setenv(v, s.URL)
}

// cmdMkArchive: mkarchive tar.gz|zip OUT DIR [NAME=TEXT | NAME->TARGET]... packs DIR's files (paths
// relative to DIR) into OUT, then the extra entries as written: a file NAME holding TEXT, or a symlink
// NAME to TARGET. Extra entries may name what no folder could ("../x"), for the hostile cases.
func cmdMkArchive(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: mkarchive tar.gz|zip OUT DIR [NAME=TEXT | NAME->TARGET]...")
	}
	type ent struct {
		name, data string
		link       bool
	}
	var ents []ent
	dir := ts.MkAbs(args[2])
	ts.Check(filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		ents = append(ents, ent{name: filepath.ToSlash(rel), data: string(data)})
		return err
	}))
	for _, a := range args[3:] {
		if n, t, ok := strings.Cut(a, "->"); ok {
			ents = append(ents, ent{name: n, data: t, link: true})
		} else if n, t, ok := strings.Cut(a, "="); ok {
			ents = append(ents, ent{name: n, data: t})
		} else {
			ts.Fatalf("mkarchive: %q is neither NAME=TEXT nor NAME->TARGET", a)
		}
	}
	var b bytes.Buffer
	switch args[0] {
	case "tar.gz":
		zw := gzip.NewWriter(&b)
		tw := tar.NewWriter(zw)
		for _, e := range ents {
			h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e.data))}
			if e.link {
				h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.data, 0
			}
			ts.Check(tw.WriteHeader(h))
			if !e.link {
				_, err := tw.Write([]byte(e.data))
				ts.Check(err)
			}
		}
		ts.Check(tw.Close())
		ts.Check(zw.Close())
	case "zip":
		zw := zip.NewWriter(&b)
		for _, e := range ents {
			h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
			h.SetMode(0o644)
			if e.link {
				h.SetMode(fs.ModeSymlink | 0o777)
			}
			w, err := zw.CreateHeader(h)
			ts.Check(err)
			_, err = w.Write([]byte(e.data))
			ts.Check(err)
		}
		ts.Check(zw.Close())
	default:
		ts.Fatalf("mkarchive: unknown kind %q", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b.Bytes(), 0o644))
}

// cmdDigest: digest FILE VAR sets VAR to FILE's digest as a site's index writes it, sha256:HEX.
func cmdDigest(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: digest FILE VAR")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	sum := sha256.Sum256(data)
	ts.Setenv(args[1], "sha256:"+hex.EncodeToString(sum[:]))
}
