// Package limits is the one set of caps on what one skill may bring: the same numbers bound a fetch, a
// local folder read and an install, so a skill accepted one way is accepted every way.
package limits

// Limits cap one skill folder (for a fetch of several folders at once: each of them on its own).
type Limits struct {
	MaxFileSize  int64 // bytes of one file
	MaxTotalSize int64 // bytes of all files
	MaxFiles     int   // number of files
}

// Default caps: far above the largest published skill's files (p99 60 files, 1.5 MB) but far below what
// could fill a disk or hide a payload.
const (
	DefaultMaxFileSize  = 10 << 20
	DefaultMaxTotalSize = 100 << 20
	DefaultMaxFiles     = 5000
)

// Default is the caps a command uses unless its flags raise or lower them.
var Default = Limits{MaxFileSize: DefaultMaxFileSize, MaxTotalSize: DefaultMaxTotalSize, MaxFiles: DefaultMaxFiles}

// WithDefaults fills the fields that are zero or negative with the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultMaxTotalSize
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	return l
}

// Caps on one registry's index, the same however it is built (a repository's listing, its
// marketplace.json, a local folder) and however it is read back from the cache, so that no registry file
// can make a search slow or a cache large. The largest marketplace known holds 5,800 skills.
const (
	// MaxIndexEntries bounds the skills and plugins of one index.
	MaxIndexEntries = 100_000
	// MaxIndexBytes bounds the text of one index: names, paths, descriptions, categories, renames.
	MaxIndexBytes = 64 << 20
	// MaxIndexName bounds a plugin's name, which each of its skills carries as its author.
	MaxIndexName = 128
	// MaxListEntries bounds the tree entries walked to list a repository's skill folders: a few objects
	// can describe exponentially many paths (a tree bomb).
	MaxListEntries = 2_000_000
	// MaxLocalEntries bounds the files and folders walked to index a local folder: a folder that big is a
	// mistake (a home folder), not a registry.
	MaxLocalEntries = 200_000
	// MaxListedSkills bounds the entries read from one folder an agent reads skills from (budget): far
	// above any real set of installed skills, far below what a hostile project folder could hold.
	MaxListedSkills = 5_000
)
