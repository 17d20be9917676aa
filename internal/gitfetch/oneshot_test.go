package gitfetch

import (
	"context"

	"github.com/skillctl/skillctl/internal/snapshot"
)

// Helpers for the tests, which talk to one repository at a time. The program always goes through a
// Client's sessions, so these are not its API.

// Open starts a session with r alone, with its own network deadline. Close it when done.
func Open(r Remote) (*Session, error) { return open(r, newBudget(Deadline())) }

// The one-shot forms of a Session's requests: open, ask one thing, close.

func Fetch(ctx context.Context, r Remote, commit string, paths []string) (map[string]*snapshot.Folder, error) {
	s, err := Open(r)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Fetch(ctx, commit, paths)
}

func ReadFiles(ctx context.Context, r Remote, commit string, files []string, maxFile, maxTotal int64) (map[string][]byte, error) {
	s, err := Open(r)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.ReadFiles(ctx, commit, files, maxFile, maxTotal)
}

func SkillFiles(ctx context.Context, r Remote, commit string, maxFile, maxTotal int64) (dirs []string, files map[string][]byte, err error) {
	s, err := Open(r)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	return s.SkillFiles(ctx, commit, maxFile, maxTotal)
}

func ListRefs(ctx context.Context, r Remote) (map[string]string, error) {
	s, err := Open(r)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Refs(ctx)
}

func ReadFile(ctx context.Context, r Remote, commit, file string) ([]byte, error) {
	s, err := Open(r)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.ReadFile(ctx, commit, file)
}

func Skills(ctx context.Context, r Remote, commit string) ([]string, error) {
	s, err := Open(r)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Skills(ctx, commit)
}
