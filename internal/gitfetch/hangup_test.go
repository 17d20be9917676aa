package gitfetch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// A server that refuses a want answers and hangs up while the rest of the request is still on its way,
// so the client's next write fails. What the user must see is what the server said, not the write error:
// on every transport, the request below is large enough (5 MB of wants) that the write is still going
// when the server hangs up.
func TestRejectedWantHangUp(t *testing.T) {
	wants := make([]plumbing.Hash, 100_000)
	asked := map[plumbing.Hash]bool{}
	for i := range wants {
		wants[i] = plumbing.ComputeHash(plumbing.BlobObject, []byte(fmt.Sprint("absent ", i)))
		asked[wants[i]] = true
	}
	fr := fetchReq{wants: wants, pol: packPolicy{maxBlob: 1 << 20, maxOther: 1 << 20, maxInflated: 1 << 24}, budget: 1 << 24}
	check := func(t *testing.T, err error) {
		t.Helper()
		var rf *refusedError
		if !errors.As(err, &rf) {
			t.Fatalf("err = %T %v, want the server's \"not our ref\"", err, err)
		}
		if h, ok := notOurRef(rf.msg); !ok || !asked[h] {
			t.Fatalf("refused: %s, want \"not our ref\" with a hash asked for", rf.msg)
		}
	}

	t.Run("ssh", func(t *testing.T) {
		fx, srv := sshFixture(t, true)
		s, err := Open(Remote{URL: srv.URL(filepath.Join(fx.srv.Root(), "acme", "skills.git")), Log: fx.log})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.w.fetch(context.Background(), fr, func(plumbing.Hash, object) {})
		check(t, err)
	})

	t.Run("http", func(t *testing.T) {
		// A v2 server that reads the first want, says it is not ours and closes the connection with the
		// rest of the request unread, as a server whose upload-pack died does. Which of the client's
		// failed write and the server's answer comes first is a race, so the request is made many times.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
				io.WriteString(w, pkts("# service=git-upload-pack\n", "", "version 2\n", "ls-refs\n", "fetch=filter\n", ""))
				return
			}
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			first := wantIn(brw.Reader)
			body := pkts("ERR upload-pack: not our ref " + first + "\n")
			fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-result\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		}))
		defer srv.Close()
		s, err := Open(Remote{URL: srv.URL + "/acme/skills.git"})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for i := 0; i < 20; i++ {
			_, err = s.w.fetch(context.Background(), fr, func(plumbing.Hash, object) {})
			check(t, err)
		}
	})
}

// pkts encodes lines as pkt-lines; "" is a flush.
func pkts(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			b.WriteString("0000")
			continue
		}
		fmt.Fprintf(&b, "%04x%s", len(l)+4, l)
	}
	return b.String()
}

// wantIn reads a request's pkt-lines up to its first want and returns the wanted hash.
func wantIn(br *bufio.Reader) string {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return ""
		}
		if _, h, ok := strings.Cut(line, "want "); ok && len(h) >= 40 {
			return h[:40]
		}
	}
}
