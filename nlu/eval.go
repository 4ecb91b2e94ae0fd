package nlu

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// Labeled is one message of an evaluation data set (JSON Lines: one object
// per line with these keys).
type Labeled struct {
	ID         string `json:"id,omitempty"`
	Text       string `json:"text"`
	Lang       string `json:"lang"`
	Intent     string `json:"intent"`
	WantsHuman bool   `json:"wants_human"`
	Frustrated bool   `json:"frustrated"`
	Sentiment  string `json:"sentiment"`
}

// ReadLabeled reads a JSON Lines data set. name is used in errors, which
// say file:line for a bad line; a line without its text, intent,
// wants_human, frustrated or sentiment is one. Blank lines are skipped.
func ReadLabeled(r io.Reader, name string) ([]Labeled, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	var out []Labeled
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		// The yes/no labels are pointers here: a missing one is an
		// error, not false.
		var l struct {
			Labeled
			WantsHuman *bool `json:"wants_human"`
			Frustrated *bool `json:"frustrated"`
		}
		dec := json.NewDecoder(strings.NewReader(b))
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("%s:%d: invalid JSON: %v", name, line, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%s:%d: invalid JSON: more than one value on the line; write one object per line", name, line)
		}
		m := l.Labeled
		if m.Text == "" && !strings.Contains(b, `"text"`) {
			return nil, fmt.Errorf("%s:%d: missing \"text\"; every line needs the message text", name, line)
		}
		if m.Intent == "" {
			return nil, fmt.Errorf("%s:%d: missing \"intent\"; label every message with its intent", name, line)
		}
		if l.WantsHuman == nil {
			return nil, fmt.Errorf("%s:%d: missing \"wants_human\"; label every message true or false", name, line)
		}
		if l.Frustrated == nil {
			return nil, fmt.Errorf("%s:%d: missing \"frustrated\"; label every message true or false", name, line)
		}
		m.WantsHuman, m.Frustrated = *l.WantsHuman, *l.Frustrated
		switch m.Sentiment {
		case "negative", "neutral", "positive":
		default:
			return nil, fmt.Errorf("%s:%d: \"sentiment\" is %q; use negative, neutral or positive", name, line, m.Sentiment)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: the line is over 4 MB; write one labelled message per line", name, line+1)
		}
		// A file that cannot be read (a directory, an I/O error) keeps
		// its *fs.PathError.
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no messages; the file needs one JSON object per line", name)
	}
	return out, nil
}

// Binary holds precision, recall and F1 of a yes/no signal.
type Binary struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
}

// IntentReport holds the intent classifier's scores.
type IntentReport struct {
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
	// Labels orders the rows (expected) and columns (predicted) of
	// Confusion.
	Labels    []string `json:"labels"`
	Confusion [][]int  `json:"confusion"`
}

// Report is the result of Evaluate and CrossValidate.
type Report struct {
	N          int          `json:"n"`
	WantsHuman Binary       `json:"wants_human"`
	Frustrated Binary       `json:"frustrated"`
	Intent     IntentReport `json:"intent"`
	Sentiment  struct {
		Accuracy float64 `json:"accuracy"`
	} `json:"sentiment"`
	// OutOfDomain counts the messages whose intent label the flow does not
	// know (EvaluateAnalyzer): they should be unknown; Confident of them
	// got an intent at or above the flow's threshold.
	OutOfDomain       *OutOfDomain `json:"out_of_domain,omitempty"`
	MessagesPerSecond float64      `json:"messages_per_second"`
	Folds             int          `json:"folds,omitempty"`
	// Errors lists the misclassified messages, for inspection.
	Errors []Mistake `json:"-"`
}

// OutOfDomain is how a flow's analyser treated messages outside its
// intents.
type OutOfDomain struct {
	N         int     `json:"n"`
	Confident int     `json:"confident"`
	Rate      float64 `json:"confident_rate"`
}

// Mistake is one message where a signal was wrong.
type Mistake struct {
	Signal   string
	Text     string
	Expected string
	Got      string
}

type prediction struct {
	msg Labeled
	sig flows.Signals
	// want and got are the expected and predicted intents as scored.
	want, got string
}

// Evaluate trains on train (intent examples: the train messages grouped
// by intent) and scores the analyser on test. opts come after the
// training examples and the zero threshold, so they can override them.
func Evaluate(ctx context.Context, train, test []Labeled, opts ...Option) (*Report, error) {
	preds, elapsed, err := runFold(ctx, train, test, opts)
	if err != nil {
		return nil, err
	}
	return score(preds, elapsed), nil
}

// CrossValidate runs k-fold cross-validation on data: messages are sorted
// by intent (stably) and dealt round-robin into k folds, so the split is
// deterministic and every fold has every intent.
func CrossValidate(ctx context.Context, data []Labeled, k int, opts ...Option) (*Report, error) {
	if k < 2 {
		return nil, fmt.Errorf("nlu: %d folds; cross-validation needs at least 2", k)
	}
	if k > len(data) {
		return nil, fmt.Errorf("nlu: %d folds for %d messages; use at most one fold per message", k, len(data))
	}
	idx := make([]int, len(data))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return data[idx[i]].Intent < data[idx[j]].Intent })
	fold := make([]int, len(data))
	for pos, i := range idx {
		fold[i] = pos % k
	}
	var all []prediction
	var total time.Duration
	for f := 0; f < k; f++ {
		var train, test []Labeled
		for i, m := range data {
			if fold[i] == f {
				test = append(test, m)
			} else {
				train = append(train, m)
			}
		}
		preds, elapsed, err := runFold(ctx, train, test, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, preds...)
		total += elapsed
	}
	r := score(all, total)
	r.Folds = k
	return r, nil
}

// IntentsFromLabeled groups messages by intent into flows.Intents.
func IntentsFromLabeled(data []Labeled) []*flows.Intent {
	byName := map[string]*flows.Intent{}
	var out []*flows.Intent
	for _, m := range data {
		in, ok := byName[m.Intent]
		if !ok {
			in = &flows.Intent{Name: m.Intent, Examples: map[string][]string{}}
			byName[m.Intent] = in
			out = append(out, in)
		}
		in.Examples[m.Lang] = append(in.Examples[m.Lang], m.Text)
	}
	return out
}

func runFold(ctx context.Context, train, test []Labeled, opts []Option) ([]prediction, time.Duration, error) {
	all := append([]Option{WithIntents(IntentsFromLabeled(train)), WithThreshold(0)}, opts...)
	a, err := New(all...)
	if err != nil {
		return nil, 0, err
	}
	preds := make([]prediction, 0, len(test))
	start := time.Now()
	for _, m := range test {
		sig, err := a.Analyze(ctx, flows.AnalyzeInput{Text: m.Text, Lang: m.Lang})
		if err != nil {
			return nil, 0, err
		}
		preds = append(preds, prediction{msg: m, sig: sig, want: m.Intent, got: sig.Intent})
	}
	return preds, time.Since(start), nil
}

func binary(tp, fp, fn int) Binary {
	b := Binary{TP: tp, FP: fp, FN: fn}
	if tp+fp > 0 {
		b.Precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		b.Recall = float64(tp) / float64(tp+fn)
	}
	if b.Precision+b.Recall > 0 {
		b.F1 = 2 * b.Precision * b.Recall / (b.Precision + b.Recall)
	}
	return b
}

func score(preds []prediction, elapsed time.Duration) *Report {
	r := &Report{N: len(preds)}
	var wh, fr [3]int // tp, fp, fn
	count := func(c *[3]int, want, got bool) {
		switch {
		case want && got:
			c[0]++
		case got:
			c[1]++
		case want:
			c[2]++
		}
	}
	labelSet := map[string]bool{}
	for _, p := range preds {
		labelSet[p.want] = true
		labelSet[p.got] = true
	}
	labels := make([]string, 0, len(labelSet))
	for l := range labelSet {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	pos := map[string]int{}
	for i, l := range labels {
		pos[l] = i
	}
	conf := make([][]int, len(labels))
	for i := range conf {
		conf[i] = make([]int, len(labels))
	}
	intentOK, sentOK := 0, 0
	for _, p := range preds {
		count(&wh, p.msg.WantsHuman, p.sig.WantsHuman)
		count(&fr, p.msg.Frustrated, p.sig.Frustrated)
		conf[pos[p.want]][pos[p.got]]++
		if p.want == p.got {
			intentOK++
		} else {
			r.Errors = append(r.Errors, Mistake{"intent", p.msg.Text, p.want, p.got})
		}
		got := SentimentLabel(p.sig.Sentiment)
		if got == p.msg.Sentiment {
			sentOK++
		} else {
			r.Errors = append(r.Errors, Mistake{"sentiment", p.msg.Text, p.msg.Sentiment, got})
		}
		if p.msg.WantsHuman != p.sig.WantsHuman {
			r.Errors = append(r.Errors, Mistake{"wants_human", p.msg.Text, fmt.Sprint(p.msg.WantsHuman), fmt.Sprint(p.sig.WantsHuman)})
		}
		if p.msg.Frustrated != p.sig.Frustrated {
			r.Errors = append(r.Errors, Mistake{"frustrated", p.msg.Text, fmt.Sprint(p.msg.Frustrated), fmt.Sprint(p.sig.Frustrated)})
		}
	}
	r.WantsHuman = binary(wh[0], wh[1], wh[2])
	r.Frustrated = binary(fr[0], fr[1], fr[2])
	n := float64(max(len(preds), 1))
	r.Intent.Accuracy = float64(intentOK) / n
	r.Sentiment.Accuracy = float64(sentOK) / n
	// Macro-F1 over the expected intents (a predicted-only label such as
	// "unknown" lowers the others' recall, not the average's size).
	var sum float64
	classes := 0
	for i, l := range labels {
		rowSum, colSum := 0, 0
		for j := range labels {
			rowSum += conf[i][j]
			colSum += conf[j][i]
		}
		if rowSum == 0 {
			_ = l
			continue
		}
		classes++
		sum += binary(conf[i][i], colSum-conf[i][i], rowSum-conf[i][i]).F1
	}
	if classes > 0 {
		r.Intent.MacroF1 = sum / float64(classes)
	}
	r.Intent.Labels = labels
	r.Intent.Confusion = conf
	if elapsed > 0 {
		r.MessagesPerSecond = float64(len(preds)) / elapsed.Seconds()
	}
	return r
}

// FlowIntents says how a data set's intent labels read for a flow:
// Intents are the flow's intent names; Map lists, for a label the flow
// does not have, the flow's intents that count as right for it ("faq" →
// shipping_times, returns, payments). A label neither known nor mapped is
// out of the flow's domain: the message should get flows.UnknownIntent.
type FlowIntents struct {
	Intents []string
	Map     map[string][]string
}

// EvaluateAnalyzer runs a ready analyser (a flow's, with its own intents
// and threshold) on test and scores it; fi says what each label expects.
// The report's OutOfDomain counts the messages whose label is out of the
// flow's domain and how many got a confident intent all the same.
func EvaluateAnalyzer(ctx context.Context, a flows.Analyzer, test []Labeled, fi FlowIntents) (*Report, error) {
	if len(test) == 0 {
		return nil, ErrNoData
	}
	known := map[string]bool{}
	for _, in := range fi.Intents {
		known[in] = true
	}
	preds := make([]prediction, 0, len(test))
	ood := &OutOfDomain{}
	start := time.Now()
	for _, m := range test {
		sig, err := a.Analyze(ctx, flows.AnalyzeInput{Text: m.Text, Lang: m.Lang})
		if err != nil {
			return nil, err
		}
		p := prediction{msg: m, sig: sig, want: m.Intent, got: sig.Intent}
		switch {
		case known[m.Intent]:
		case len(fi.Map[m.Intent]) > 0:
			if slices.Contains(fi.Map[m.Intent], sig.Intent) {
				p.got = m.Intent
			}
		default:
			p.want = flows.UnknownIntent
			ood.N++
			if sig.Intent != flows.UnknownIntent {
				ood.Confident++
			}
		}
		preds = append(preds, p)
	}
	r := score(preds, time.Since(start))
	if ood.N > 0 {
		ood.Rate = float64(ood.Confident) / float64(ood.N)
	}
	r.OutOfDomain = ood
	return r, nil
}

// ErrNoData is returned for an empty data set.
var ErrNoData = errors.New("nlu: no labelled messages")
