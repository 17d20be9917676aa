package install

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/skillctl/skillctl/internal/agents"
	"github.com/skillctl/skillctl/internal/budget"
	"github.com/skillctl/skillctl/internal/localfs"
	"github.com/skillctl/skillctl/internal/streams"
)

// BudgetResult is skillctl budget's data: the report, and the entries of the agents' folders that could
// not be read (a link out of the project, a FIFO, an unreadable frontmatter), and why the lock that chose
// the agents could not be read (AgentSet.LockProblem), for the command to note.
type BudgetResult struct {
	Report      budget.Report
	Unread      []localfs.Unlisted
	LockProblem error
}

// Budget reports what the installed skills cost each agent ResolveAgentSet chooses: every project and
// user-level folder the agent reads, read once each by localfs.ListSkills, computed by budget.Compute.
func Budget(o TargetOptions) (BudgetResult, error) {
	set, err := ResolveAgentSet(o)
	if err != nil {
		return BudgetResult{}, err
	}
	r := &folderReader{root: set.Root, env: set.Env, cache: map[string][]localfs.Listed{}}
	var sights []budget.Sight
	for _, a := range set.Agents {
		s, err := r.sight(a)
		if err != nil {
			return BudgetResult{}, err
		}
		sights = append(sights, s)
	}
	return BudgetResult{Report: budget.Compute(sights), Unread: r.unread, LockProblem: set.LockProblem}, nil
}

// folderReader reads what agents see, each folder once however many agents read it.
type folderReader struct {
	root   string // the project root; an agent's project folders are relative to it
	env    agents.Env
	cache  map[string][]localfs.Listed
	unread []localfs.Unlisted
}

// sight is everything a sees: its project folders, then its user-level ones, each in the table's order.
// A folder reached twice (the project root is the home folder) is read once, as a project folder.
func (r *folderReader) sight(a agents.Agent) (budget.Sight, error) {
	s := budget.Sight{Agent: a}
	seen := map[string]bool{}
	add := func(dir string, user bool) error {
		dir = filepath.Clean(dir)
		if seen[dir] {
			return nil
		}
		seen[dir] = true
		listed, err := r.read(dir, user)
		if err != nil {
			return fmt.Errorf("%s: %w", r.show(dir), err)
		}
		for _, l := range listed {
			s.Entries = append(s.Entries, budget.Entry{Name: l.Name, Description: l.Description, Folder: r.show(dir), User: user, Real: l.Real})
		}
		return nil
	}
	for _, p := range a.ReadsProject() {
		if err := add(filepath.Join(r.root, filepath.FromSlash(p)), false); err != nil {
			return s, err
		}
	}
	for _, g := range a.ReadsGlobal(r.env) {
		if err := add(g, true); err != nil {
			return s, err
		}
	}
	return s, nil
}

func (r *folderReader) read(dir string, user bool) ([]localfs.Listed, error) {
	if l, ok := r.cache[dir]; ok {
		return l, nil
	}
	project := r.root
	if user {
		project = ""
	}
	listed, unread, err := localfs.ListSkills(dir, project)
	if err != nil {
		return nil, err
	}
	for _, u := range unread {
		u.Path = r.show(u.Path)
		r.unread = append(r.unread, u)
	}
	r.cache[dir] = listed
	return listed, nil
}

// show is a path as budget shows it: relative to the project root inside it, ~/... inside the home
// folder, else absolute; slash-separated.
func (r *folderReader) show(p string) string {
	if rel, err := filepath.Rel(r.root, p); err == nil && localfs.Inside(r.root, p) {
		return filepath.ToSlash(rel)
	}
	if h := r.env.Home; h != "" && localfs.Inside(h, p) {
		rel, _ := filepath.Rel(h, p)
		return "~/" + filepath.ToSlash(rel)
	}
	return filepath.ToSlash(p)
}

// noteBudget is install's one note when what it wrote pushes an agent over its documented listing
// budget (budget.PushedOver): the agents whose folders hold a skill just written, with a budget, computed
// as skillctl budget computes them. A folder that cannot be read skips the note: it is advice, and
// skillctl budget reports the problem.
func noteBudget(io *streams.IO, o TargetOptions, t Target, ins []Installed) {
	written := map[string]bool{}
	for _, in := range ins {
		if in.Action == "unchanged" {
			continue
		}
		for _, d := range append([]string{t.Dir}, linkDirs(t)...) {
			if real, err := filepath.EvalSymlinks(filepath.Join(d, in.Name)); err == nil {
				written[real] = true
			}
		}
	}
	if len(written) == 0 {
		return
	}
	cwd, err := os.Getwd()
	if err != nil {
		return
	}
	if o.Global {
		o = TargetOptions{} // the agents read the project here as well as the user folders just written
	}
	lock, err := lockOf(o, cwd)
	if err != nil {
		return
	}
	env, err := agents.FromOS()
	if err != nil {
		return
	}
	r := &folderReader{root: filepath.Dir(lock), env: env, cache: map[string][]localfs.Listed{}}
	var over []string
	for _, a := range agents.All() {
		if a.Listing.Chars == 0 {
			continue
		}
		s, err := r.sight(a)
		if err != nil {
			return
		}
		c, pushed := budget.PushedOver(s, func(e budget.Entry) bool { return written[e.Real] })
		if pushed {
			over = append(over, fmt.Sprintf("%s (%d of %d characters, %d%%)", c.Agent, c.Chars, *c.LimitChars, *c.Percent))
		}
	}
	if len(over) > 0 {
		io.Note("this install puts the skill listing over its documented budget for "+strings.Join(over, ", ")+
			"; past it the agent shortens or drops descriptions, so skills stop being chosen",
			"run skillctl budget to see what each skill costs")
	}
}

func linkDirs(t Target) []string {
	var out []string
	for _, l := range t.Links {
		out = append(out, l.Dir)
	}
	return out
}
