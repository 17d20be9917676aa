package gitfetch

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/skillctl/skillctl/internal/gittest"
)

// benchRepo builds a marketplace-shaped repository: n skill folders of a few files (~6 KB each) under
// skills/, served by a fresh gittest server.
func benchRepo(b *testing.B, n int) (*gittest.Server, string) {
	b.Helper()
	if !gittest.Available() {
		b.Skip("git not on PATH")
	}
	srv, err := gittest.Start(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	rng := rand.New(rand.NewSource(1))
	words := []string{"async", "typing", "pdf", "review", "deploy", "test", "docs", "lint", "data", "cloud"}
	text := func(n int) string {
		buf := make([]byte, 0, n)
		for len(buf) < n {
			buf = append(buf, words[rng.Intn(len(words))]...)
			buf = append(buf, ' ')
		}
		return string(buf)
	}
	files := map[string]string{}
	for i := 0; i < n; i++ {
		d := fmt.Sprintf("skills/skill-%04d", i)
		files[d+"/SKILL.md"] = fmt.Sprintf("---\nname: skill-%04d\ndescription: %s\n---\n%s", i, text(80), text(3000))
		files[d+"/references/guide.md"] = text(2500)
		files[d+"/scripts/run.sh"] = "exec:#!/bin/sh\necho " + text(200) + "\n"
	}
	dir := b.TempDir()
	if err := gittest.WriteFiles(dir, files); err != nil {
		b.Fatal(err)
	}
	c, err := srv.Commit("market/skills", "main", dir, "marketplace")
	if err != nil {
		b.Fatal(err)
	}
	return srv, c
}

// BenchmarkFetchFolder fetches a skill and two dependencies from a 2,000-skill repository, without a
// cache, and reports what crossed the wire per operation.
func BenchmarkFetchFolder(b *testing.B) {
	srv, commit := benchRepo(b, 2000)
	r := Remote{URL: srv.RepoURL("market/skills")}
	paths := []string{"skills/skill-0042", "skills/skill-1234", "skills/skill-1999"}
	srv.ResetStats()
	var size int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := Fetch(context.Background(), r, commit, paths)
		if err != nil {
			b.Fatal(err)
		}
		size = 0
		for _, f := range got {
			size += f.Size()
		}
	}
	b.StopTimer()
	st := srv.Stats()
	b.ReportMetric(float64(st.BytesOut)/float64(b.N), "served-B/op")
	b.ReportMetric(float64(st.Requests)/float64(b.N), "requests/op")
	b.ReportMetric(float64(size), "folder-B")
}

// BenchmarkSkills lists the skills of the same repository (trees only), without a cache.
func BenchmarkSkills(b *testing.B) {
	srv, commit := benchRepo(b, 2000)
	r := Remote{URL: srv.RepoURL("market/skills")}
	srv.ResetStats()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dirs, err := Skills(context.Background(), r, commit)
		if err != nil || len(dirs) != 2000 {
			b.Fatalf("%d skills, %v", len(dirs), err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(srv.Stats().BytesOut)/float64(b.N), "served-B/op")
}

// BenchmarkCacheFlush writes what a cold install of 140 skills fetches (about 600 trees and blobs of a
// few KB) into an empty cache: the largest client cost of that install in a CPU profile.
func BenchmarkCacheFlush(b *testing.B) {
	objs := map[plumbing.Hash]object{}
	for i := 0; i < 600; i++ {
		data := []byte(strings.Repeat(fmt.Sprintf("line %d of a skill file\n", i), 120))
		objs[hashObject(plumbing.BlobObject, data)] = object{typ: plumbing.BlobObject, data: data}
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := OpenCache(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		st := newStore(c)
		for h, o := range objs {
			st.add(h, o)
			st.used[h] = true
		}
		if err := c.putAll(st.take()); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time (user and system) tells more than wall time on a machine shared with other work.
	if cpu0 >= 0 {
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	}
}
