package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/batonbot/baton/nlu"
)

func init() {
	register(&command{
		name:    "nlu",
		usage:   "nlu eval --train FILE.jsonl [--test FILE.jsonl] [--folds N] [--json]",
		summary: "measure the built-in NLU analyser on labelled messages",
		run:     runNLU,
	})
}

const nluUsage = `Usage: baton nlu eval --train FILE.jsonl [--test FILE.jsonl] [--folds N] [--json]

Trains the built-in intent classifier on the train file (the intent
examples are its messages grouped by intent), runs the built-in analyser on
every test message and reports:

  wants_human, frustrated   precision, recall and F1
  intent                    accuracy and macro-F1 (text mode adds the
                            confusion matrix: rows expected, columns predicted)
  sentiment                 accuracy, with the score mapped to negative
                            (<= -0.25), neutral or positive (>= 0.25)
  messages per second

Without --test it runs k-fold cross-validation on the train file (--folds,
default 5; messages sorted by intent and dealt round-robin, so the split is
deterministic). wants_human, frustrated and sentiment come from rules and
lexicons, not from the trained classifier.

Each line of a data file is a JSON object:
  {"text": "...", "lang": "it", "intent": "billing", "wants_human": false,
   "frustrated": true, "sentiment": "negative"}

With --json it prints one JSON object:
  {"n": ..., "wants_human": {"precision": .., "recall": .., "f1": ..},
   "frustrated": {...}, "intent": {"accuracy": .., "macro_f1": ..},
   "sentiment": {"accuracy": ..}, "messages_per_second": .., "folds": ..}

Exit status: 0 done, 2 wrong command line, 3 unreadable or invalid file.

Options:
`

func runNLU(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "baton nlu: missing subcommand; the only one is \"eval\"")
		fmt.Fprintln(e.stderr, "Run 'baton nlu --help' for the options.")
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fs := nluFlags(io.Discard, new(nluEvalOptions))
		printNLUUsage(e.stdout, fs)
		return exitOK
	case "eval":
		return runNLUEval(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "baton nlu: unknown subcommand %q; the only one is \"eval\"\n", args[0])
	fmt.Fprintln(e.stderr, "Run 'baton nlu --help' for the options.")
	return exitUsage
}

type nluEvalOptions struct {
	train, test string
	folds       int
	json        bool
	threshold   float64
	errors      bool
}

func nluFlags(w io.Writer, o *nluEvalOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("nlu eval", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.StringVar(&o.train, "train", "", "labelled messages to train on (JSON Lines; required)")
	fs.StringVar(&o.test, "test", "", "labelled messages to test on; without it, cross-validate on --train")
	fs.IntVar(&o.folds, "folds", 5, "number of cross-validation folds when there is no --test")
	fs.BoolVar(&o.json, "json", false, "print one JSON object instead of tables")
	fs.Float64Var(&o.threshold, "threshold", 0, "intent confidence below which the intent is \"unknown\" (0: always the best intent)")
	fs.BoolVar(&o.errors, "errors", false, "also list the misclassified messages (text mode)")
	return fs
}

func printNLUUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, nluUsage)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func runNLUEval(ctx context.Context, e *env, args []string) int {
	var o nluEvalOptions
	fs := nluFlags(io.Discard, &o)
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			printNLUUsage(e.stdout, fs)
			return exitOK
		}
	}
	nluUsageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "baton nlu eval: %s\n", fmt.Sprintf(format, a...))
		fmt.Fprintln(e.stderr, "Run 'baton nlu eval --help' for the options.")
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		return nluUsageErr("%v", err)
	}
	if fs.NArg() > 0 {
		return nluUsageErr("unexpected argument %q; give files with --train and --test", fs.Arg(0))
	}
	if o.train == "" {
		return nluUsageErr("missing --train FILE.jsonl")
	}
	if o.test == "" && o.folds < 2 {
		return nluUsageErr("--folds %d: cross-validation needs at least 2 folds", o.folds)
	}
	if o.threshold < 0 || o.threshold > 1 {
		return nluUsageErr("--threshold %v: use a number between 0 and 1", o.threshold)
	}
	train, err := readNLUData(o.train)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
		return exitRuntime
	}
	opts := []nlu.Option{nlu.WithThreshold(o.threshold)}
	var rep *nlu.Report
	if o.test != "" {
		test, err := readNLUData(o.test)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
			return exitRuntime
		}
		rep, err = nlu.Evaluate(ctx, train, test, opts...)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
			return exitRuntime
		}
	} else {
		if o.folds > len(train) {
			return nluUsageErr("--folds %d is more than the %d messages in %s", o.folds, len(train), o.train)
		}
		rep, err = nlu.CrossValidate(ctx, train, o.folds, opts...)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
			return exitRuntime
		}
	}
	if o.json {
		enc := json.NewEncoder(e.stdout)
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
			return exitRuntime
		}
		return exitOK
	}
	printNLUReport(e.stdout, rep, o)
	return exitOK
}

func readNLUData(path string) ([]nlu.Labeled, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file; check the path", path)
		}
		return nil, fmt.Errorf("cannot read %s: %v", path, err)
	}
	defer f.Close()
	return nlu.ReadLabeled(f, path)
}

func printNLUReport(w io.Writer, r *nlu.Report, o nluEvalOptions) {
	if r.Folds > 0 {
		fmt.Fprintf(w, "%d messages, %d-fold cross-validation on %s\n\n", r.N, r.Folds, o.train)
	} else {
		fmt.Fprintf(w, "%d test messages from %s, trained on %s\n\n", r.N, o.test, o.train)
	}
	fmt.Fprintf(w, "%-12s %9s %9s %9s %5s %5s %5s\n", "signal", "precision", "recall", "f1", "tp", "fp", "fn")
	for _, b := range []struct {
		name string
		s    nlu.Binary
	}{{"wants_human", r.WantsHuman}, {"frustrated", r.Frustrated}} {
		fmt.Fprintf(w, "%-12s %9.3f %9.3f %9.3f %5d %5d %5d\n", b.name, b.s.Precision, b.s.Recall, b.s.F1, b.s.TP, b.s.FP, b.s.FN)
	}
	fmt.Fprintf(w, "\nintent       accuracy %.3f  macro-F1 %.3f\n", r.Intent.Accuracy, r.Intent.MacroF1)
	fmt.Fprintf(w, "sentiment    accuracy %.3f  (negative <= -0.25 < neutral < 0.25 <= positive)\n", r.Sentiment.Accuracy)
	fmt.Fprintf(w, "speed        %.0f messages/second\n", r.MessagesPerSecond)

	fmt.Fprintln(w, "\nintent confusion matrix (rows: expected, columns: predicted)")
	width := 6
	for _, l := range r.Intent.Labels {
		width = max(width, len(l))
	}
	fmt.Fprintf(w, "%-*s", width+1, "")
	for _, l := range r.Intent.Labels {
		fmt.Fprintf(w, " %5s", nluAbbrev(l))
	}
	fmt.Fprintln(w)
	for i, l := range r.Intent.Labels {
		fmt.Fprintf(w, "%-*s", width+1, l)
		for j := range r.Intent.Labels {
			fmt.Fprintf(w, " %5d", r.Intent.Confusion[i][j])
		}
		fmt.Fprintln(w)
	}
	if o.errors {
		fmt.Fprintln(w, "\nmistakes")
		for _, m := range r.Errors {
			fmt.Fprintf(w, "  %-11s want %-12s got %-12s %s\n", m.Signal, m.Expected, m.Got, strings.ReplaceAll(m.Text, "\n", " "))
		}
	}
}

// nluAbbrev shortens a label to fit a matrix column.
func nluAbbrev(s string) string {
	if len(s) <= 5 {
		return s
	}
	return s[:5]
}
