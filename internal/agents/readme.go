package agents

import (
	"fmt"
	"strings"
)

// MarkdownTable renders the table for the README, so the documentation cannot drift from the data.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| `--agent` | project folder | `--global` folder | also reads | source | skill listing budget | same name in two folders | frontmatter fields beyond the six |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, a := range All() {
		name := "`" + a.Name + "`"
		if a.Name == Default {
			name += " (default)"
		}
		for _, al := range a.Aliases {
			name += ", `" + al + "`"
		}
		global := "none"
		if a.Global != "" {
			global = "`" + a.Global + "`"
		}
		if a.GlobalWindows != "" {
			global += " (Windows: `" + a.GlobalWindows + "`)"
		}
		var also []string
		for _, f := range append(append([]string{}, a.AlsoProject...), a.AlsoGlobal...) {
			also = append(also, "`"+f+"`")
		}
		source := "unverified"
		if a.Source != "unverified" {
			source = fmt.Sprintf("[%s](%s)", levelWord(a.Level), a.Source)
		}
		if a.Note != "" {
			source += ": " + a.Note
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s | %s | %s |\n", name, a.Project, global, strings.Join(also, " "), source, listingCell(a), precedenceCell(a), frontmatterCell(a))
	}
	return b.String()
}

func levelWord(l Level) string {
	switch l {
	case Verified:
		return "checked"
	case Partial:
		return "partly checked"
	}
	return "unverified"
}
