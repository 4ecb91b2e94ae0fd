package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// kindTitle names change kind k in reports: the plural of its phrase in
// the summary ("12 conversations now hand off instead of being
// contained").
func kindTitle(k string) string { return phrases[k][1] }

// WriteJSON writes the report as one indented JSON object, as `baton
// replay --json` prints it (replies with their <, > and & as they are).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for people: what was compared, the counts,
// the first show changed conversations step by step, the thresholds, and
// the summary as the last line.
func WriteText(w io.Writer, r *Report, show int) {
	against := "what was recorded"
	if r.Against == "baseline" {
		against = r.Baseline
	}
	fmt.Fprintf(w, "Replayed %s of %s on %s, compared with %s (%s ms).\n", plural(r.Replayed, "conversation"), strings.Join(r.Sources, ", "), r.Flow, against, Count(int(r.TookMS)))
	if len(r.Skipped) > 0 {
		fmt.Fprintf(w, "%s could not be replayed:\n", plural(len(r.Skipped), "conversation"))
		for _, g := range groupSkipped(r.Skipped) {
			fmt.Fprintf(w, "  %s: %s (e.g. %s)\n", plural(g.N, "conversation"), g.Reason, g.Example)
		}
	}
	if r.Changed > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  %-44s %8s %7s\n", "conversations that", "count", "share")
		for _, k := range ChangeKinds {
			if n := r.Counts[k]; n > 0 {
				fmt.Fprintf(w, "  %-44s %8s %6.2f%%\n", kindTitle(k), Count(n), share(n, r.Replayed))
			}
		}
		fmt.Fprintf(w, "  %-44s %8s %6.2f%%\n", "change in any of these ways", Count(r.Changed), share(r.Changed, r.Replayed))
	}
	for i, d := range r.Diffs {
		if i == show {
			fmt.Fprintf(w, "\n… and %s more changed (--json or --html FILE list them all).\n", Count(len(r.Diffs)-show))
			break
		}
		fmt.Fprintln(w)
		writeDiff(w, d)
	}
	if len(r.Thresholds) > 0 {
		fmt.Fprintln(w)
		for _, t := range r.Thresholds {
			verdict := "ok"
			if t.Crossed {
				verdict = "CROSSED"
			}
			fmt.Fprintf(w, "--%s %s: %s (%.2f%%) %s\n", t.Name, t.Limit, Count(t.Count), t.Share, verdict)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, r.Summary)
}

// writeDiff shows a changed conversation: its changes, then the steps
// where they show, as they went before and as they go now.
func writeDiff(w io.Writer, d *Diff) {
	fmt.Fprintf(w, "%s (%s):\n", d.Conversation, d.Source)
	steps := map[int]bool{}
	for _, c := range d.Changes {
		at := ""
		if c.Step > 0 {
			at = fmt.Sprintf(" at step %d", c.Step)
			steps[c.Step] = true
		}
		fmt.Fprintf(w, "  %s%s: %s → %s\n", kindTitle(c.Kind), at, c.Old, c.New)
	}
	for i := range d.Inputs {
		if !steps[i+1] {
			continue
		}
		fmt.Fprintf(w, "  step %d, %s\n", i+1, d.Inputs[i])
		if i < len(d.Old.Steps) {
			fmt.Fprintf(w, "    - %s\n", stepText(&d.Old.Steps[i]))
		}
		if i < len(d.New.Steps) {
			fmt.Fprintf(w, "    + %s\n", stepText(&d.New.Steps[i]))
		}
	}
}

// stepText sums a step up on one line.
func stepText(s *Step) string {
	var parts []string
	switch {
	case s.Known&KnowStates != 0:
		parts = append(parts, "states "+path(s.States))
	case s.Known&KnowState != 0:
		parts = append(parts, "in "+orNone(s.State))
	}
	if s.Known&(KnowReplies|KnowSomeReplies) != 0 {
		var rs []string
		for _, r := range s.Replies {
			rs = append(rs, strconv.Quote(clip(r, 80)))
		}
		if len(rs) == 0 {
			rs = []string{"no reply"}
		}
		parts = append(parts, strings.Join(rs, ", "))
	}
	if s.NoMatches > 0 {
		parts = append(parts, fmt.Sprintf("%d no-match", s.NoMatches))
	}
	if s.Handoff != nil {
		parts = append(parts, s.Handoff.String())
	}
	if s.End != "" {
		parts = append(parts, endText(s.End))
	}
	if len(parts) == 0 {
		return "(nothing recorded)"
	}
	return strings.Join(parts, "; ")
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Count(n) + " " + noun + "s"
}

type skipGroup struct {
	Reason, Example string
	N               int
}

// groupSkipped counts the skipped conversations by reason.
func groupSkipped(list []Skipped) []skipGroup {
	var out []skipGroup
	idx := map[string]int{}
	for _, s := range list {
		k, ok := idx[s.Reason]
		if !ok {
			k = len(out)
			idx[s.Reason] = k
			out = append(out, skipGroup{Reason: s.Reason, Example: s.Conversation})
		}
		out[k].N++
	}
	return out
}
