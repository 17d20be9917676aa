package localfs

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Sync makes everything written under dir durable before the caller publishes it: the one flush of a
// transaction's stage, instead of one fsync per file. Each fsync on a journaling file system waits for its
// own commit; a stage of 700 skills held 2,754 of them, most of a cold install's wall time. On Linux one
// syncfs(2) flushes the file system once; elsewhere, or when syncfs is refused, every file and folder under
// dir is synced, several at a time, so their commits overlap.
func Sync(dir string) error {
	if syncFS(dir) == nil {
		return nil
	}
	return syncEach(dir)
}

// syncEach fsyncs every regular file and folder under dir with a few workers. A folder that cannot be
// opened for syncing (Windows) is skipped: its entries are made durable with the files.
func syncEach(dir string) error {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() || d.IsDir() {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	const workers = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan string)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				if err := syncPath(p); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, p := range paths {
		next <- p
	}
	close(next)
	wg.Wait()
	return first
}

func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		if fi, serr := os.Lstat(p); serr == nil && fi.IsDir() {
			return nil
		}
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		if fi, serr := f.Stat(); serr == nil && fi.IsDir() {
			return nil // some systems refuse to sync a folder
		}
		return err
	}
	return nil
}
