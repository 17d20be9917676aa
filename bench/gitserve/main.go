// Command gitserve serves the benchmark's bare repositories with internal/gittest (git http-backend on
// 127.0.0.1) and exposes the server's byte counters on a second loopback listener, so a shell script can
// read how many bytes each client run cost: GET /stats returns the Stats as JSON, POST /reset zeroes them,
// POST /delay?d=50ms sets the per-request delay.
//
// It serves GitHub's shape (protocol v2, reachable wants; -pullrefs refs/pull/* in each -repo) unless
// -shape says otherwise; -delay holds every request as a distant host's round trip would. It writes "GITURL STATSURL" to -addrfile once both listeners are up, and runs until killed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/skillctl/skillctl/internal/gittest"
)

func main() {
	root := flag.String("root", "", "directory holding OWNER/REPO.git")
	addrFile := flag.String("addrfile", "", "file to write the git and stats URLs to")
	pullRefs := flag.Int("pullrefs", 3300, "refs/pull/* to give each -repo that has no packed refs, as GitHub advertises them")
	delay := flag.Duration("delay", 0, "hold every request this long before answering it: a simulated round trip (e.g. 50ms)")
	shape := flag.String("shape", "github", "server shape: github, v0, nofilter, tipsonly (joined by +)")
	var repos []string
	flag.Func("repo", "OWNER/REPO to give pull refs (repeatable)", func(s string) error { repos = append(repos, s); return nil })
	flag.Parse()
	if *root == "" || *addrFile == "" {
		fmt.Fprintln(os.Stderr, "usage: gitserve -root DIR -addrfile FILE")
		os.Exit(2)
	}
	srv, err := gittest.Start(*root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gitserve:", err)
		os.Exit(1)
	}
	defer srv.Close()
	sh, err := gittest.ParseShape(*shape)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gitserve:", err)
		os.Exit(2)
	}
	srv.SetShape(sh)
	srv.SetDelay(*delay)
	for _, r := range repos {
		if err := srv.AddPullRefs(r, *pullRefs); err != nil {
			fmt.Fprintln(os.Stderr, "gitserve:", err)
			os.Exit(1)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gitserve:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(srv.Stats())
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) { srv.ResetStats() })
	mux.HandleFunc("POST /delay", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil || d < 0 {
			http.Error(w, "want ?d=DURATION", http.StatusBadRequest)
			return
		}
		srv.SetDelay(d)
	})
	go http.Serve(ln, mux)

	tmp := *addrFile + ".tmp"
	err = os.WriteFile(tmp, []byte(srv.URL()+" http://"+ln.Addr().String()+"\n"), 0o644)
	if err == nil {
		err = os.Rename(tmp, *addrFile)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gitserve:", err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
