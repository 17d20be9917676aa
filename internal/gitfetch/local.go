package gitfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// localWire reads a repository on this machine (file:///PATH, bare or with a work tree) directly through
// go-git's object storage: no git binary, no copy. Its objects reach the session's store on demand, each
// checked against its hash and refused past the size caps before it is read, so the walk, the entry rules
// and the limits are the same as over the network; nothing it reads is written to the object cache.
type localWire struct {
	url string
	st  *filesystem.Storage
	lim Limits
}

func newLocalWire(s *Session, u *url.URL) (*localWire, error) {
	if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		return nil, fmt.Errorf("fetch %s: a file URL names no host", redact(s.r.URL))
	}
	dir, err := gitDir(filepath.FromSlash(u.Path))
	if err != nil {
		return nil, &RemoteError{URL: s.r.URL, Err: err}
	}
	st := filesystem.NewStorage(osfs.New(dir), cache.NewObjectLRU(8<<20))
	w := &localWire{url: s.r.URL, st: st, lim: s.r.Limits.WithDefaults()}
	s.st.local = w.object
	return w, nil
}

// gitDir finds the git directory of a bare repository or of a work tree (its .git folder).
func gitDir(p string) (string, error) {
	isGit := func(d string) bool {
		fi, err := os.Stat(filepath.Join(d, "objects"))
		if err != nil || !fi.IsDir() {
			return false
		}
		_, err = os.Stat(filepath.Join(d, "HEAD"))
		return err == nil
	}
	if fi, err := os.Stat(filepath.Join(p, ".git")); err == nil {
		if !fi.IsDir() {
			return "", errors.New("a work tree whose .git is a file (a linked work tree or submodule) is not supported; use the main repository")
		}
		if isGit(filepath.Join(p, ".git")) {
			return filepath.Join(p, ".git"), nil
		}
	}
	if isGit(p) {
		return p, nil
	}
	return "", errors.New("not a git repository")
}

func (w *localWire) where() string { return w.url }
func (w *localWire) close()        {}

func (w *localWire) filter(context.Context) (bool, error)    { return true, nil }
func (w *localWire) reachable(context.Context) (bool, error) { return true, nil }
func (w *localWire) isTip(plumbing.Hash) bool                { return true }

// object reads h from the repository, or reports it absent: missing, over the caps (a blob larger than
// one file may be, anything else over the tree bound), or not matching its hash.
func (w *localWire) object(h plumbing.Hash) (object, bool) {
	o, err := w.st.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return object{}, false
	}
	limit := max(w.lim.MaxFileSize, 16<<20)
	if o.Type() == plumbing.BlobObject {
		limit = min(w.lim.MaxFileSize, w.lim.MaxTotalSize)
	}
	if o.Size() < 0 || o.Size() > limit {
		return object{}, false
	}
	rc, err := o.Reader()
	if err != nil {
		return object{}, false
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, o.Size()+1))
	if err != nil || int64(len(data)) != o.Size() || hashObject(o.Type(), data) != h {
		return object{}, false
	}
	return object{typ: o.Type(), data: data}, true
}

// fetch has nothing to send: the store reads objects directly. A want the repository does not hold at
// all is refused as a server would refuse it, so a missing commit is reported as such.
func (w *localWire) fetch(_ context.Context, fr fetchReq, _ func(plumbing.Hash, object)) (packResult, error) {
	for _, h := range fr.wants {
		if _, err := w.st.EncodedObject(plumbing.AnyObject, h); errors.Is(err, plumbing.ErrObjectNotFound) {
			return packResult{}, &refusedError{msg: "not our ref " + h.String()}
		}
	}
	return packResult{oversize: map[plumbing.Hash]int64{}}, nil
}

func (w *localWire) refs(_ context.Context, prefixes []string) (map[string]string, error) {
	out := map[string]string{}
	match := func(name string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
		return false
	}
	if match("HEAD") {
		if head, err := storer.ResolveReference(w.st, plumbing.HEAD); err == nil {
			out["HEAD"] = head.Hash().String()
		}
	}
	iter, err := w.st.IterReferences()
	if err != nil {
		return nil, &RemoteError{URL: w.url, Err: err}
	}
	err = iter.ForEach(func(r *plumbing.Reference) error {
		name := r.Name().String()
		if r.Type() != plumbing.HashReference || !match(name) {
			return nil
		}
		h := r.Hash()
		for i := 0; i < 8; i++ { // peel annotated tags, nested a few deep at most
			t, ok := w.object(h)
			if !ok || t.typ != plumbing.TagObject {
				break
			}
			line, _, _ := strings.Cut(string(t.data), "\n")
			target, ok := strings.CutPrefix(line, "object ")
			if !ok || !plumbing.IsHash(target) {
				break
			}
			h = plumbing.NewHash(target)
		}
		out[name] = h.String()
		return nil
	})
	if err != nil && !errors.Is(err, storer.ErrStop) {
		return nil, &RemoteError{URL: w.url, Err: err}
	}
	return out, nil
}
