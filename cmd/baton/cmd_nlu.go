package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/batonbot/baton/nlu"
	"github.com/batonbot/baton/nlueval"
	"github.com/batonbot/baton/sandbox"
)

func init() {
	register(&command{
		name:    "nlu",
		usage:   "nlu eval [FLOW] [--train FILE.jsonl]... [--test FILE.jsonl] [--escalation] [--json] [--errors]",
		summary: "measure the built-in NLU analyser, or a flow's NLU and escalation, on labelled messages",
		run:     runNLU,
	})
}

const nluUsage = `Usage: baton nlu eval --train FILE.jsonl [--train FILE.jsonl]... [--test FILE.jsonl] [--folds N]
       baton nlu eval --test FILE.jsonl                 (trains on the built-in corpus)
       baton nlu eval FLOW --test FILE.jsonl [--map LABEL=INTENT,INTENT]...
       baton nlu eval FLOW --test FILE.jsonl --escalation [--escalate-intents billing,cancellation]

Without a FLOW, trains the built-in intent classifier on the train files
(the intent examples are their messages grouped by intent; without
--train, the corpus embedded in baton), runs the built-in analyser on
every test message and reports:

  wants_human, frustrated   precision, recall and F1
  intent                    accuracy and macro-F1 (text mode adds the
                            confusion matrix: rows expected, columns predicted)
  sentiment                 accuracy, with the score mapped to negative
                            (<= -0.25), neutral or positive (>= 0.25)
  messages per second

Without --test it runs k-fold cross-validation on the train files (--folds,
default 5; messages sorted by intent and dealt round-robin, so the split is
deterministic). wants_human and frustrated come from the rules and the
learned signal model (trained on the built-in corpus), never from the
intent classifier.

With a FLOW (like rasa test nlu), the analyser is the flow's own: its
intents, examples, threshold and lexicon extensions. A message whose label
is one of the flow's intents must get it; a label the flow does not have
must get "unknown" (out of the flow's domain: the report counts those that
got a confident intent), unless --map says which of the flow's intents
count as right for it, e.g. --map faq=shipping_times,returns,payments.

With --escalation, each message is sent through the flow after a greeting
("ciao", "hi" or "hola" in the message's language, or --greeting), in a
fresh conversation at a time the flow's default calendar is open (or
--now), and a handoff is expected exactly when the message is labelled
wants_human or frustrated or its intent is one of --escalate-intents
(default billing,cancellation). The report gives the share of messages
escalated correctly, the recall and precision of the escalations, the
recall per reason a person is needed, and the false alarms.

Each line of a data file is a JSON object:
  {"text": "...", "lang": "it", "intent": "billing", "wants_human": false,
   "frustrated": true, "sentiment": "negative"}

With --json it prints one JSON object: the evaluation's
  {"n": ..., "wants_human": {"precision": .., "recall": .., "f1": ..},
   "frustrated": {...}, "intent": {"accuracy": .., "macro_f1": ..},
   "sentiment": {"accuracy": ..}, "messages_per_second": .., "folds": ..,
   "out_of_domain": {"n": .., "confident": .., "confident_rate": ..}}
or, with --escalation,
  {"n": .., "accuracy": .., "recall": .., "precision": .., "needed": ..,
   "escalated": .., "by_reason": {...}, "false_alarms": ..}

Exit status: 0 done, 1 when the flow or a data file has errors (a line
that is not a labelled message), 2 for usage errors (a file that does not
exist too), 3 when a file cannot be read.

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
	flow            string
	train           listFlag
	test            string
	folds           int
	json            bool
	threshold       float64
	errors          bool
	maps            listFlag
	escalation      bool
	escalateIntents string
	now             string
	greeting        string
}

func nluFlags(w io.Writer, o *nluEvalOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("nlu eval", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Var(&o.train, "train", "labelled messages to train the intents on (JSON Lines; repeatable; default: the built-in corpus)")
	fs.StringVar(&o.test, "test", "", "labelled messages to test on; without it, cross-validate on --train")
	fs.IntVar(&o.folds, "folds", 5, "number of cross-validation folds when there is no --test")
	fs.BoolVar(&o.json, "json", false, "print one JSON object instead of tables")
	fs.Float64Var(&o.threshold, "threshold", 0, "intent confidence below which the intent is \"unknown\" (0: always the best intent; a FLOW uses its own)")
	fs.BoolVar(&o.errors, "errors", false, "also list the messages the analyser (or the flow) got wrong (text mode)")
	fs.Var(&o.maps, "map", "with a FLOW: LABEL=INTENT[,INTENT...], the flow's intents that are right for a label it does not have (repeatable)")
	fs.BoolVar(&o.escalation, "escalation", false, "with a FLOW: measure end to end whether each message is handed off when it should be")
	fs.StringVar(&o.escalateIntents, "escalate-intents", "billing,cancellation", "with --escalation: the intent labels that need a person")
	fs.StringVar(&o.now, "now", "", "with --escalation: the time of the conversations (RFC 3339); default: the first open half hour of the flow's default calendar from Tuesday 2026-03-03 10:30")
	fs.StringVar(&o.greeting, "greeting", "", "with --escalation: the first message (default: ciao, hi or hola by the message's language)")
	return fs
}

func printNLUUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, nluUsage)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// parseNLUArgs parses the options and the FLOW argument, which may come
// before or after them.
func parseNLUArgs(fs *flag.FlagSet, o *nluEvalOptions, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return nil
	}
	o.flow = fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; give one FLOW and the files with --train and --test", fs.Arg(0))
	}
	return nil
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
	if err := parseNLUArgs(fs, &o, args); err != nil {
		return nluUsageErr("%s", flagProblem(fs, err))
	}
	if !(o.threshold >= 0 && o.threshold <= 1) { // NaN too
		return nluUsageErr("--threshold %v: use a number between 0 and 1", o.threshold)
	}
	if o.flow != "" {
		return runNLUEvalFlow(ctx, e, o, nluUsageErr)
	}
	switch {
	case len(o.maps) > 0 || o.escalation:
		return nluUsageErr("--map and --escalation need a FLOW: baton nlu eval FLOW --test FILE.jsonl ...")
	case len(o.train) == 0 && o.test == "":
		return nluUsageErr("missing --train FILE.jsonl (or --test FILE.jsonl to train on the built-in corpus, or a FLOW)")
	case o.test == "" && o.folds < 2:
		return nluUsageErr("--folds %d: cross-validation needs at least 2 folds", o.folds)
	}
	for _, p := range o.train {
		if msg := pathProblem("train", p); msg != "" {
			return nluUsageErr("%s", msg)
		}
	}
	if o.test != "" {
		if msg := pathProblem("test", o.test); msg != "" {
			return nluUsageErr("%s", msg)
		}
	}
	var train []nlu.Labeled
	for _, p := range o.train {
		data, err := nlueval.ReadFile(p)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
			return dataErrorCode(err)
		}
		train = append(train, data...)
	}
	trainName := strings.Join(o.train, " + ")
	if len(o.train) == 0 {
		train, trainName = nlu.Corpus(), "the built-in corpus"
	}
	opts := []nlu.Option{nlu.WithThreshold(o.threshold)}
	var rep *nlu.Report
	var err error
	if o.test != "" {
		test, err := nlueval.ReadFile(o.test)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
			return dataErrorCode(err)
		}
		rep, err = nlu.Evaluate(ctx, train, test, opts...)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
			return exitRuntime
		}
	} else {
		if o.folds > len(train) {
			return nluUsageErr("--folds %d is more than the %d messages in %s", o.folds, len(train), trainName)
		}
		rep, err = nlu.CrossValidate(ctx, train, o.folds, opts...)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
			return exitRuntime
		}
	}
	if o.json {
		return printJSON(e, rep)
	}
	if rep.Folds > 0 {
		fmt.Fprintf(e.stdout, "%d messages, %d-fold cross-validation on %s\n\n", rep.N, rep.Folds, trainName)
	} else {
		fmt.Fprintf(e.stdout, "%d test messages from %s, trained on %s\n\n", rep.N, o.test, trainName)
	}
	nlueval.WriteReport(e.stdout, rep, o.errors)
	return exitOK
}

func printJSON(e *env, v any) int {
	if err := json.NewEncoder(e.stdout).Encode(v); err != nil {
		fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// runNLUEvalFlow evaluates a flow's own analyser, or its escalations.
func runNLUEvalFlow(ctx context.Context, e *env, o nluEvalOptions, usageErr func(string, ...any) int) int {
	if len(o.train) > 0 {
		return usageErr("unexpected argument %q with --train: a FLOW's intents train on its own examples, so give either a FLOW or --train", o.flow)
	}
	if o.test == "" {
		return usageErr("missing --test FILE.jsonl: the labelled messages to run through %s", o.flow)
	}
	fi := nlu.FlowIntents{Map: map[string][]string{}}
	for _, m := range o.maps {
		label, intents, ok := strings.Cut(m, "=")
		label, list := strings.TrimSpace(label), splitList(intents)
		if !ok || label == "" || len(list) == 0 {
			return usageErr("--map %q: write LABEL=INTENT[,INTENT...], e.g. faq=shipping_times,returns", m)
		}
		fi.Map[label] = append(fi.Map[label], list...)
	}
	var now time.Time
	if o.now != "" {
		t, err := time.Parse(time.RFC3339, o.now)
		if err != nil {
			return usageErr("--now %q: write an RFC 3339 time, e.g. 2026-03-03T10:30:00+01:00", o.now)
		}
		now = t
	}
	for _, p := range []struct{ flag, path string }{{"", o.flow}, {"test", o.test}} {
		if msg := pathProblem(p.flag, p.path); msg != "" {
			return usageErr("%s", msg)
		}
	}
	test, err := nlueval.ReadFile(o.test)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
		return dataErrorCode(err)
	}
	f := loadFlow(e.stderr, o.flow, false)
	if f == nil {
		return exitFailed
	}
	a, err := sandbox.BuiltinAnalyzer(f)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton nlu eval: %s: %v\n", o.flow, err)
		return exitRuntime
	}
	if o.escalation {
		// A flow without NLU (keyword triggers only) still escalates:
		// Escalation runs it without an analyser.
		esc := nlueval.Escalation{
			Flow:     f,
			Need:     splitList(o.escalateIntents),
			Now:      now,
			Greeting: o.greeting,
		}
		rep, err := esc.Run(ctx, test)
		if err != nil {
			fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
			return exitRuntime
		}
		if o.json {
			return printJSON(e, rep)
		}
		nlueval.WriteEscalationReport(e.stdout, rep, o.test, o.flow, o.errors)
		return exitOK
	}
	if a == nil && len(f.NLU.Intents) > 0 {
		// Intents declared that no rule reads yet: measure them before
		// they are wired, as the flow will analyse messages once they are.
		if a, err = nlu.FromFlow(f.NLU); err != nil {
			fmt.Fprintf(e.stderr, "baton nlu eval: %s: %v\n", o.flow, err)
			return exitRuntime
		}
	}
	if a == nil {
		return usageErr("%s declares no intents and reads no NLU signal (no wants_human, frustrated or sentiment), so there is nothing to evaluate: declare intents under nlu.intents, or measure its handoffs end to end with --escalation", o.flow)
	}
	fi.Intents = a.Intents()
	for label, intents := range fi.Map {
		if slices.Contains(fi.Intents, label) {
			return usageErr("--map %s=%s: %s is an intent of %s, so its messages must get it; --map is for labels the flow does not have", label, strings.Join(intents, ","), label, o.flow)
		}
		for _, in := range intents {
			if !slices.Contains(fi.Intents, in) {
				return usageErr("--map %s=%s: %s has no intent %q (its intents: %s)", label, strings.Join(intents, ","), o.flow, in, strings.Join(fi.Intents, ", "))
			}
		}
	}
	rep, err := nlu.EvaluateAnalyzer(ctx, a, test, fi)
	if err != nil {
		fmt.Fprintf(e.stderr, "baton nlu eval: %v\n", err)
		return exitRuntime
	}
	if o.json {
		return printJSON(e, rep)
	}
	fmt.Fprintf(e.stdout, "%d test messages from %s, through the NLU of %s (intents: %s)\n\n", rep.N, o.test, o.flow, strings.Join(fi.Intents, ", "))
	nlueval.WriteReport(e.stdout, rep, o.errors)
	return exitOK
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// dataErrorCode is the exit code for an error reading a data file:
// exitRuntime when the file could not be opened, exitFailed when its
// content is wrong (a line that is not a labelled message).
func dataErrorCode(err error) int {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return exitRuntime
	}
	return exitFailed
}
