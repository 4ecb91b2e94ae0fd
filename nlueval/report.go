package nlueval

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/batonbot/baton/nlu"
)

// ReadFile reads a file of labelled messages (JSON Lines, nlu.ReadLabeled).
// An error opening it wraps the *fs.PathError.
func ReadFile(path string) ([]nlu.Labeled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	return nlu.ReadLabeled(f, path)
}

// WriteReport writes r as text: precision, recall and F1 of wants_human
// and frustrated, the intents' accuracy and macro-F1, out-of-domain
// messages, sentiment accuracy, speed and the intent confusion matrix
// (rows expected, columns predicted); withMistakes lists the messages the
// analyser got wrong.
func WriteReport(w io.Writer, r *nlu.Report, withMistakes bool) {
	fmt.Fprintf(w, "%-12s %9s %9s %9s %5s %5s %5s\n", "signal", "precision", "recall", "f1", "tp", "fp", "fn")
	for _, b := range []struct {
		name string
		s    nlu.Binary
	}{{"wants_human", r.WantsHuman}, {"frustrated", r.Frustrated}} {
		fmt.Fprintf(w, "%-12s %9.3f %9.3f %9.3f %5d %5d %5d\n", b.name, b.s.Precision, b.s.Recall, b.s.F1, b.s.TP, b.s.FP, b.s.FN)
	}
	fmt.Fprintf(w, "\nintent       accuracy %.3f  macro-F1 %.3f\n", r.Intent.Accuracy, r.Intent.MacroF1)
	if d := r.OutOfDomain; d != nil && d.N > 0 {
		fmt.Fprintf(w, "out of domain %d messages with a label the flow does not have: %d got a confident intent (%.1f%%)\n", d.N, d.Confident, 100*d.Rate)
	}
	fmt.Fprintf(w, "sentiment    accuracy %.3f  (negative <= -0.25 < neutral < 0.25 <= positive)\n", r.Sentiment.Accuracy)
	fmt.Fprintf(w, "speed        %.0f messages/second\n", r.MessagesPerSecond)

	fmt.Fprintln(w, "\nintent confusion matrix (rows: expected, columns: predicted)")
	width := 6
	for _, l := range r.Intent.Labels {
		width = max(width, len(l))
	}
	fmt.Fprintf(w, "%-*s", width+1, "")
	for _, l := range r.Intent.Labels {
		fmt.Fprintf(w, " %5s", abbrev(l))
	}
	fmt.Fprintln(w)
	for i, l := range r.Intent.Labels {
		fmt.Fprintf(w, "%-*s", width+1, l)
		for j := range r.Intent.Labels {
			fmt.Fprintf(w, " %5d", r.Intent.Confusion[i][j])
		}
		fmt.Fprintln(w)
	}
	if withMistakes {
		fmt.Fprintln(w, "\nmistakes")
		if len(r.Errors) == 0 {
			fmt.Fprintln(w, "  none: every message went as labelled")
		}
		for _, m := range r.Errors {
			fmt.Fprintf(w, "  %-11s want %-12s got %-12s %s\n", m.Signal, m.Expected, m.Got, oneLine(m.Text))
		}
	}
}

// abbrev shortens a label to fit a matrix column.
func abbrev(s string) string {
	if len(s) <= 5 {
		return s
	}
	return s[:5]
}

// oneLine folds s's whitespace, newlines too, into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
