package main

import (
	"github.com/skillctl/skillctl/internal/install"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

func newLockCmd(ios *streams.IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lock",
		Short: "Work on skills.lock itself: merge two versions of it (a git merge driver)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newLockMergeCmd(ios))
	return cmd
}

func newLockMergeCmd(ios *streams.IO) *cobra.Command {
	var opts install.MergeOptions
	cmd := &cobra.Command{
		Use:   "merge BASE OURS THEIRS",
		Short: "Merge two versions of skills.lock into OURS: git's merge driver for the lock",
		Long: `Merge is a git merge driver for skills.lock. Git calls it with the common ancestor
(BASE, %O), our version (OURS, %A) and theirs (THEIRS, %B); it writes the merged lock
over OURS and exits 0. A skill one side left unchanged takes the other side's version,
a removal included; a skill both sides changed to two commits of the same folder keeps
the newer commit, by the committer time in each commit object (fetched, or read from
the cache), and says so. When the two cannot be merged (two different skills under one
name, two commits made in the same second, a version that is not a lock), it writes
both versions between conflict markers and exits 1: git reports the conflict, and
'skillctl install' resolves it the same way, or names what it cannot decide.

Set it up once per clone, and commit the attribute:

  git config merge.skillctl.name "skillctl lock merge"
  git config merge.skillctl.driver "skillctl lock merge %O %A %B"
  echo 'skills.lock merge=skillctl' >> .gitattributes`,
		Example: `  git config merge.skillctl.driver "skillctl lock merge %O %A %B"
  echo 'skills.lock merge=skillctl' >> .gitattributes`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext()
			defer cancel()
			opts.Base, opts.Ours, opts.Theirs, opts.IO = args[0], args[1], args[2], ios
			notes, err := install.MergeFiles(ctx, opts)
			for _, n := range notes {
				ios.Note("skills.lock: " + n)
			}
			return err
		},
	}
	return cmd
}
