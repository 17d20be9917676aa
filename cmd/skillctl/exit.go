package main

// How a run ends: the command line's own mistakes become usage errors (exit 2) worded in the message
// grammar, and a failed command that was asked for --json also prints its error as JSON on stdout. The
// exit codes themselves are mapped in one place, clierr.Code; the table is in internal/clierr and README.md.

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/textsafe"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// refuseUnknownSubcommands makes every command that only groups others (registry, completion) reject an
// argument that names none of them, where cobra would print help and exit 0; with no argument it still
// prints its help. The root's unknown words are refused by cobra itself (see cobraUnknown). It runs after
// wrapArgs, whose wording it replaces for these commands.
func refuseUnknownSubcommands(c *cobra.Command) {
	if c.Name() == "help" && c.Run != nil && c.HasParent() {
		// `skillctl help frob` is as unknown as `skillctl frob`.
		run := c.Run
		c.Run = nil
		c.RunE = func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			if err != nil {
				return cobraUnknown(cmd.Root(), err)
			}
			if len(rest) > 0 && target.HasSubCommands() {
				return unknownCommand(target, rest[0])
			}
			run(cmd, args)
			return nil
		}
	}
	if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
		if c.HasParent() {
			c.Args = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return unknownCommand(cmd, args[0])
				}
				return nil
			}
		}
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	}
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
}

// The patterns of cobra's errors are compiled when an error needs them, not at every start.
var cobraUnknownRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^unknown command ("(?:[^"\\]|\\.)*") for "`)
})

// cobraUnknown rewrites cobra's own unknown-command error (`unknown command "x" for "skillctl"`, then a
// "Did you mean this?" block) as unknownCommand's; other errors pass unchanged.
func cobraUnknown(root *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	m := cobraUnknownRE().FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	word, uerr := strconv.Unquote(m[1])
	if uerr != nil {
		return err
	}
	return unknownCommand(root, word)
}

// unknownCommand is the usage error for `PARENT WORD` where WORD is no subcommand of PARENT, with cobra's
// nearest names as hints rather than its multi-line "Did you mean this?" block.
func unknownCommand(parent *cobra.Command, word string) error {
	subject := strings.TrimSpace(strings.TrimPrefix(parent.CommandPath(), parent.Root().Name()) + " " + textsafe.Escape(word))
	var hints []string
	if parent.SuggestionsMinimumDistance <= 0 {
		parent.SuggestionsMinimumDistance = 2
	}
	for _, s := range parent.SuggestionsFor(word) {
		hints = append(hints, fmt.Sprintf("did you mean '%s %s'?", parent.CommandPath(), s))
	}
	hints = append(hints, fmt.Sprintf("run '%s --help' for the list of commands", parent.CommandPath()))
	return clierr.WithHint(clierr.Usage(fmt.Errorf("%s: unknown command", subject)), hints...)
}

var (
	argUnknown = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^unknown command (".*") for ".*"$`) })
	argCount   = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:accepts|requires at least|accepts at most|accepts between) .*?(\d+)(?: and (\d+))? arg\(s\), (?:only )?received (\d+)$`)
	})
)

// argsError rewords cobra's positional-argument errors ("accepts 1 arg(s), received 2") in the message
// grammar, the command as the subject.
func argsError(cmd *cobra.Command, err error) error {
	subject := strings.TrimSpace(strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()))
	msg := err.Error()
	if m := argUnknown().FindStringSubmatch(msg); m != nil {
		msg = "unexpected argument " + textsafe.Escape(m[1])
	} else if argCount().MatchString(msg) {
		msg = "wrong number of arguments: " + msg
		msg = strings.NewReplacer("arg(s)", "argument(s)", "only received", "got", "received", "got").Replace(msg)
	}
	return fmt.Errorf("%s: %s", subject, msg)
}

// flagError rewords pflag's errors in the message grammar, naming the flag as the subject and never
// passing on a parser's internals (strconv.ParseInt: parsing "abc": invalid syntax).
func flagError(c *cobra.Command, err error) error {
	var hints []string
	var (
		invalid  *pflag.InvalidValueError
		notExist *pflag.NotExistError
		required *pflag.ValueRequiredError
	)
	switch {
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		err = fmt.Errorf("--%s: %q is not %s", f.Name, textsafe.Escape(invalid.GetValue()), valueKind(f.Value.Type()))
	case errors.As(err, &notExist):
		if s := notExist.GetSpecifiedShortnames(); s != "" {
			err = fmt.Errorf("-%s: unknown flag", textsafe.Escape(notExist.GetSpecifiedName()[:1]))
		} else {
			err = fmt.Errorf("--%s: unknown flag", textsafe.Escape(notExist.GetSpecifiedName()))
			if s := flagSuggestions(c, notExist.GetSpecifiedName()); len(s) > 0 {
				last := len(s) - 1
				alts := "--" + s[last]
				if last > 0 {
					alts = "--" + strings.Join(s[:last], ", --") + " or " + alts
				}
				hints = append(hints, "did you mean "+alts+"?")
			}
		}
	case errors.As(err, &required):
		err = fmt.Errorf("--%s: needs a value", required.GetFlag().Name)
	default:
		err = errors.New(textsafe.Escape(err.Error()))
	}
	hints = append(hints, fmt.Sprintf("run '%s --help' for usage", c.CommandPath()))
	return clierr.WithHint(clierr.Usage(err), hints...)
}

// flagSuggestions names c's flags (its own and those it inherits, hidden ones left out) that word may be a
// typo of, by the rule cobra applies to command names: within SuggestionsMinimumDistance edits, or a
// prefix of the flag, ignoring case. The nearest come first, at most three.
func flagSuggestions(c *cobra.Command, word string) []string {
	dist := c.SuggestionsMinimumDistance
	if dist <= 0 {
		dist = 2
	}
	word = strings.ToLower(word)
	var out []string
	seen := map[string]bool{}
	visit := func(f *pflag.Flag) {
		if f.Hidden || seen[f.Name] {
			return
		}
		seen[f.Name] = true
		if editDistance(word, f.Name) <= dist || strings.HasPrefix(f.Name, word) {
			out = append(out, f.Name)
		}
	}
	c.LocalFlags().VisitAll(visit)
	c.InheritedFlags().VisitAll(visit)
	sort.SliceStable(out, func(i, j int) bool { return editDistance(word, out[i]) < editDistance(word, out[j]) })
	return out[:min(len(out), 3)]
}

// editDistance is the Levenshtein distance between a and b, in bytes (flag names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// valueKind says in words what a flag of pflag type t accepts.
func valueKind(t string) string {
	switch t {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number"
	case "bool":
		return "true or false"
	case "duration":
		return "a duration such as 30s or 2m"
	case "float32", "float64":
		return "a number"
	}
	return "a valid " + t
}

// wantsJSON reports whether the command that ran was asked for JSON: --json, or --format json. When
// parsing the flags failed part-way, the words of the command line are read instead.
func wantsJSON(cmd *cobra.Command, args []string) bool {
	if cmd == nil {
		return false
	}
	f, format := cmd.Flags().Lookup("json"), cmd.Flags().Lookup("format")
	if f == nil && format == nil {
		return false
	}
	if f != nil && f.Value.String() == "true" || format != nil && format.Value.String() == "json" {
		return true
	}
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case f != nil && (a == "--json" || a == "--json=true"):
			return true
		case format != nil && (a == "--format=json" || a == "--format" && i+1 < len(args) && args[i+1] == "json"):
			return true
		}
	}
	return false
}

// writeJSONError prints err on w as {"error": {"message", "hints", "code"}} (see clierr.Report). Findings
// are not errors to report: the command already printed its result.
func writeJSONError(w io.Writer, err error) {
	if err == nil || errors.Is(err, clierr.ErrFindings) {
		return
	}
	_ = writeJSON(w, struct {
		Error clierr.Report `json:"error"`
	}{clierr.Describe(err)})
}

// undecidedOnFailure is for commands that answer a question (check: is an update available?): an
// error that kept them from answering exits 3, apart from the 1 that means "yes".
func undecidedOnFailure(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		return clierr.Unknown(run(cmd, args))
	}
}
