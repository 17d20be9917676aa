package validate

import (
	"io/fs"
	"sort"
	"sync"

	"github.com/skillctl/skillctl/internal/manifest"
)

// listing is one tree's files as sorted slash paths relative to its root, and the type of each
// SKILL.md or skill.md among them.
type listing struct {
	files      []string
	skillFiles map[string]fs.FileMode
}

// dirReader reads one folder (a slash path relative to the tree's root, "" for the root) and calls emit
// for each entry but . and .., with its type bits (fs.ModeDir for a folder, fs.ModeSymlink for a link
// whatever it points to). Each listing goroutine has its own.
type dirReader interface {
	read(rel string, emit func(name string, typ fs.FileMode)) error
}

// list lists the tree at root with jobs goroutines reading folders at once; each folder is read once.
// Folders named .git or node_modules below the root are skipped; symlinks are listed as files, never
// followed, except the root itself (a link the user chose). The first folder that cannot be read ends
// the listing with its error.
func list(root string, jobs int) (listing, error) {
	tree, err := openTree(root)
	if err != nil {
		return listing{}, err
	}
	defer tree.close()
	var (
		mu       sync.Mutex
		cond     = sync.NewCond(&mu)
		queue    = []string{""} // folders to read
		busy     int            // folders being read
		firstErr error
		l        = listing{skillFiles: map[string]fs.FileMode{}}
	)
	worker := func(r dirReader) {
		var files []string
		skills := map[string]fs.FileMode{}
		for {
			mu.Lock()
			for len(queue) == 0 && busy > 0 && firstErr == nil {
				cond.Wait()
			}
			if len(queue) == 0 || firstErr != nil {
				l.files = append(l.files, files...)
				for k, v := range skills {
					l.skillFiles[k] = v
				}
				mu.Unlock()
				cond.Broadcast()
				return
			}
			rel := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			busy++
			mu.Unlock()

			var dirs []string
			err := r.read(rel, func(name string, typ fs.FileMode) {
				child := name
				if rel != "" {
					child = rel + "/" + name
				}
				if typ.IsDir() {
					if name != ".git" && name != "node_modules" {
						dirs = append(dirs, child)
					}
					return
				}
				files = append(files, child)
				if manifest.IsFileName(name) {
					skills[child] = typ
				}
			})

			mu.Lock()
			busy--
			if err != nil && firstErr == nil {
				firstErr = err
			}
			queue = append(queue, dirs...)
			mu.Unlock()
			cond.Broadcast()
		}
	}
	var wg sync.WaitGroup
	for range max(jobs, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(tree.reader())
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return listing{}, firstErr
	}
	sort.Strings(l.files)
	return l, nil
}
