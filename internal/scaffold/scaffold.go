// Package scaffold writes a new skill's starting files (skillctl init): a folder whose SKILL.md passes
// validate --strict as created, checked and written as every other write is.
package scaffold

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/manifest"
	"github.com/skillctl/skillctl/internal/project"
	"github.com/skillctl/skillctl/internal/snapshot"
)

// Options are the init command's flags.
type Options struct {
	Name string
	Dir  string // parent folder; default "."
}

// License is the license a new SKILL.md's frontmatter carries; init says so, since a license is the
// author's choice and one they did not make must not go unnoticed.
const License = "Apache-2.0"

// Create writes the skill folder opts.Name under opts.Dir, whose SKILL.md passes `validate --strict`,
// atomically (staged beside it, then renamed), and returns the folder it created. An existing folder is
// never overwritten.
func Create(opts Options) (string, error) {
	if !manifest.ValidName(opts.Name) {
		return "", clierr.WithHint(clierr.Usage(fmt.Errorf("%s: not a valid skill name", opts.Name)),
			"use 1-64 lowercase letters, digits and single hyphens, e.g. skillctl init pdf-forms")
	}
	parent := opts.Dir
	if parent == "" {
		parent = "."
	}
	dir := filepath.Join(parent, opts.Name)
	// The same path check as every other write: a cloned project's skills -> /elsewhere is not written through.
	root, _, err := project.Find(".")
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(parent)
	if err != nil {
		return "", err
	}
	if err := localfs.CheckWrite(root, abs); err != nil {
		return "", err
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		return "", clierr.WithHint(fmt.Errorf("%s: already exists", dir), "choose another name or --dir")
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	f := &snapshot.Folder{Files: []snapshot.File{
		{Path: "SKILL.md", Mode: snapshot.Regular, Data: []byte(fmt.Sprintf(skillTemplate, opts.Name, License))},
		{Path: "references/REFERENCE.md", Mode: snapshot.Regular, Data: []byte(referenceTemplate)},
	}}
	tmp, err := os.MkdirTemp(parent, ".skillctl-init-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := localfs.Write(filepath.Join(tmp, opts.Name), f); err != nil {
		return "", err
	}
	if err := localfs.Sync(tmp); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, opts.Name), dir); err != nil {
		return "", err
	}
	return dir, nil
}

const skillTemplate = `---
name: %s
description: Describe what this skill does and when an agent should use it, in one or two sentences.
license: %s
metadata:
  version: "0.1.0"
---
# Overview

State the task this skill helps with and the outcome it aims for.

## Steps

1. The first thing to do.
2. The next thing, with the exact command or code.

## Details

Keep this file short; put longer material in [the reference](references/REFERENCE.md).
`

const referenceTemplate = `# Reference

Detailed material the agent reads only when SKILL.md points it here.
`
