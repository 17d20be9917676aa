package gitfetch

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"time"
)

// CommitTime returns when commit was committed, as its commit object's committer line says: the time the
// commit was made (or last rewritten), which is what "the newer of two commits" of one repository means
// when they are not known to descend from each other. It fetches the commit object alone (with its root
// tree at most), through the cache like any fetch.
func (c *Client) CommitTime(ctx context.Context, repo, commit string) (time.Time, error) {
	s, err := c.session(repo)
	if err != nil {
		return time.Time{}, err
	}
	return s.CommitTime(ctx, commit)
}

// CommitTime is Client.CommitTime on this session's repository.
func (s *Session) CommitTime(ctx context.Context, commit string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.flush()
	f, err := s.newFetcher(commit)
	if err != nil {
		return time.Time{}, err
	}
	if _, err := f.resolve(ctx, []string{""}); err != nil { // the commit and its root tree, if not cached
		return time.Time{}, err
	}
	o, ok := f.st.get(f.commit)
	if !ok {
		return time.Time{}, &RemoteError{URL: s.w.where(), Err: errors.New("server did not send the commit")}
	}
	return committerTime(o.data)
}

// committerTime reads the committer line of a commit object's header:
// "committer NAME <EMAIL> SECONDS ZONE".
func committerTime(data []byte) (time.Time, error) {
	head, _, _ := bytes.Cut(data, []byte("\n\n"))
	for _, line := range bytes.Split(head, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte("committer "))
		if !ok {
			continue
		}
		gt := bytes.LastIndexByte(rest, '>')
		if gt < 0 {
			break
		}
		fields := bytes.Fields(rest[gt+1:])
		if len(fields) != 2 {
			break
		}
		secs, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil {
			break
		}
		return time.Unix(secs, 0).UTC(), nil
	}
	return time.Time{}, errors.New("malformed commit object: no committer time")
}
