// Package skills is skillctl's bundled registry: the skills the project ships, embedded in the binary so the
// main job works offline on a fresh machine.
package skills

import "embed"

// FS holds one top-level directory per bundled skill, named as the skill. No file in them starts with
// "." or "_", so the plain directory patterns embed every file; embed_test.go fails if a skill folder
// on disk is missing from this list.
//
//go:embed python-async-patterns python-database-patterns python-fastapi-patterns python-observability-patterns python-typing-patterns skillctl
var FS embed.FS

// Executable lists the files of FS, by slash path, that must be installed with the executable bit:
// embed.FS reports every file as read-only 0444, so the bit cannot be read back from FS itself.
// embed_test.go checks this list against the modes on disk in both directions.
var Executable = map[string]bool{
	"python-async-patterns/scripts/check_async.py":           true,
	"python-database-patterns/scripts/check_sql.py":          true,
	"python-fastapi-patterns/scripts/check_routes.py":        true,
	"python-observability-patterns/scripts/check_logging.py": true,
	"python-typing-patterns/scripts/check_typing.py":         true,
	"skillctl/scripts/skills-ci.sh":                          true,
}
