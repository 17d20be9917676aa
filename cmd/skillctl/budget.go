package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/skillctl/skillctl/internal/budget"
	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/install"
	"github.com/skillctl/skillctl/internal/streams"
	"github.com/spf13/cobra"
)

type budgetOptions struct {
	Target install.TargetOptions
	JSON   bool
	Strict bool
}

func newBudgetCmd(ios *streams.IO) *cobra.Command {
	var opts budgetOptions
	cmd := &cobra.Command{
		Use:   "budget",
		Short: "Show what the installed skills cost each agent's context, against its documented budget",
		Long: `Budget shows what every skill an agent can see costs it: the agent puts each skill's name
and description into its context on every turn, and caps that listing. For each agent it reads
every project and user-level folder the agent reads (skillctl agents lists them) and reports the
skills it sees, their characters (name and description, as the agent lists them: a description
longer than the agent's documented cut counts up to the cut) and an estimate of their tokens
(characters / 4, rounded up), against the listing budget the agent documents, with its source.
Agents that document none show "unknown": no figure is guessed.

It flags a listing over its budget, descriptions the agent will cut, and names the agent sees in
two folders, with the copy that wins under the agent's documented precedence; where the
precedence is undocumented no winner is picked and every copy is counted.

With no --agent it reports the agents the project's lock remembers, else claude, as every
command chooses them. A link in a project folder that leads out of the project is not followed.

Exit status is 0; with --strict, 1 when any agent's listing is over its budget.`,
		Example: `  skillctl budget
  skillctl budget --agent claude,codex
  skillctl budget --strict          # fail CI when a listing is over its budget
  skillctl budget --json | jq '.agents[] | select(.over) | .agent'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := install.Budget(opts.Target)
			if err != nil {
				return err
			}
			if res.LockProblem != nil {
				ios.Note(res.LockProblem.Error(), clierr.Hints(res.LockProblem)...)
			}
			for _, u := range res.Unread {
				ios.Note(u.Path + ": " + u.Problem)
			}
			if err := printBudget(ios.Stdout(), res.Report, opts.JSON); err != nil {
				return err
			}
			if opts.Strict && res.Report.Over() {
				return clierr.ErrFindings
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&opts.Target.Agents, "agent", nil, "the agents to report: names, comma-separated or repeated, or 'detected' (default: the agents the lock remembers, else claude)")
	f.StringVar(&opts.Target.Lock, "lock", "", "lock file whose folder is the project, and whose agents are the default (default: skills.lock at the project root)")
	f.BoolVar(&opts.JSON, "json", false, `print {"agents":[{"agent","skills","chars","tokens","limit_chars","source","over","shadowed":[{"name","wins","loses"}],...}]}; limit_chars is null when unknown`)
	f.BoolVar(&opts.Strict, "strict", false, "exit 1 when any agent's listing is over its budget")
	_ = cmd.RegisterFlagCompletionFunc("agent", cobra.FixedCompletions(append(install.AgentNames(), "detected"), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// printBudget is the report: a summary table costliest first, then each agent's skills and flags.
func printBudget(w io.Writer, r budget.Report, asJSON bool) error {
	if asJSON {
		return writeJSON(w, r)
	}
	t := newTable(w)
	t.row("AGENT", "SKILLS", "CHARS", "~TOKENS", "BUDGET", "USE")
	for _, c := range r.Agents {
		limit, use := "unknown", "-"
		if c.LimitChars != nil {
			limit = fmt.Sprint(*c.LimitChars)
			use = bar(*c.Percent) + fmt.Sprintf(" %d%%", *c.Percent)
			if c.Over {
				use += " OVER"
			}
		}
		t.row(c.Agent, fmt.Sprint(c.Skills), fmt.Sprint(c.Chars), fmt.Sprint(c.Tokens), limit, use)
	}
	if err := t.flush(); err != nil {
		return err
	}
	for _, c := range r.Agents {
		fmt.Fprintf(w, "\n%s: %s\n", esc(c.Agent), budgetSource(c))
		if len(c.Entries) > 0 {
			st := newTable(w)
			st.row("  SKILL", "CHARS", "~TOKENS", "FOLDER", "")
			for _, l := range c.Entries {
				note := ""
				switch {
				case !l.Counted:
					note = "not listed: another copy wins"
				case l.Cut:
					note = fmt.Sprintf("description of %d characters cut at %d", l.Desc, *c.EntryChars)
				}
				st.row("  "+l.Name, fmt.Sprint(l.Chars), fmt.Sprint(l.Tokens), l.Folder, note)
			}
			if err := st.flush(); err != nil {
				return err
			}
		}
		if c.Over {
			fmt.Fprintf(w, "  over budget: %d of %d characters; past it the agent shortens or drops descriptions\n", c.Chars, *c.LimitChars)
		}
		for _, s := range c.Shadowed {
			fmt.Fprintf(w, "  seen twice: %s in %s; %s\n", esc(s.Name), esc(strings.Join(s.Copies, ", ")), shadowVerdict(s))
		}
	}
	_, err := fmt.Fprintf(w, "\n~TOKENS are estimated as characters / %d, rounded up; budgets are the agents' documented ones.\n", budget.CharsPerToken)
	return err
}

func budgetSource(c budget.Cost) string {
	if c.LimitChars == nil && c.EntryChars == nil {
		return "no documented listing budget (unknown)"
	}
	var parts []string
	if c.LimitChars != nil {
		p := fmt.Sprintf("listing budget %d characters", *c.LimitChars)
		if c.Basis != "" {
			p += " (" + esc(c.Basis) + ")"
		}
		parts = append(parts, p)
	}
	if c.EntryChars != nil {
		parts = append(parts, fmt.Sprintf("each description cut at %d", *c.EntryChars))
	}
	return strings.Join(parts, ", ") + ", from " + esc(c.Source)
}

func shadowVerdict(s budget.Shadow) string {
	same := ""
	if s.SameFolder {
		same = " (one folder, reached through a link)"
	}
	switch {
	case s.Wins != "":
		return fmt.Sprintf("%s wins, as documented (%s)%s", esc(s.Wins), s.Rule, same)
	case s.Rule == "all-listed":
		return "every copy is listed, as documented, and each costs" + same
	case len(s.Loses) > 0:
		return fmt.Sprintf("%s lose, as documented (%s); which of the others wins is undocumented, so each is counted%s", esc(strings.Join(s.Loses, ", ")), s.Rule, same)
	}
	return "which copy wins is undocumented, so every copy is counted" + same
}

// bar is a ten-cell gauge of percent (full at 100; over it stays full).
func bar(percent int) string {
	n := min(max(percent/10, 0), 10)
	if percent > 0 && n == 0 {
		n = 1
	}
	return strings.Repeat("█", n) + strings.Repeat("░", 10-n)
}
