package nlu

import (
	"context"
	"fmt"
	"os"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// cvFolds deals data round-robin into k folds and returns, per fold, the
// training and test messages.
func cvFolds(data []Labeled, k int) (train, test [][]Labeled) {
	train, test = make([][]Labeled, k), make([][]Labeled, k)
	for f := 0; f < k; f++ {
		for i, m := range data {
			if i%k == f {
				test[f] = append(test[f], m)
			} else {
				train[f] = append(train[f], m)
			}
		}
	}
	return train, test
}

// TestSignalReport prints the figures the signal model is tuned by, when
// NLU_REPORT=1: 5-fold cross-validation on the corpus (the model trained
// on four folds), and the sets written apart (the model trained on the
// whole corpus, the intents on the dev set). NLU_ERRORS=signal with -v
// lists the cross-validation's mistakes. The corpus's held-out part is
// only scored with NLU_REPORT=final.
func TestSignalReport(t *testing.T) {
	mode := os.Getenv("NLU_REPORT")
	if mode == "" {
		t.Skip("set NLU_REPORT=1 to print the signal model's figures")
	}
	ctx := context.Background()
	trains, tests := cvFolds(signalCorpus(), 5)
	var all []prediction
	for f := range trains {
		m, err := trainSignalModel(trains[f], defaultSigParams)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := trainPrior(trains[f])
		if err != nil {
			t.Fatal(err)
		}
		preds, _, err := runFold(ctx, trains[f], tests[f], []Option{withSignalModel(m), withPrior(pr)})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, preds...)
	}
	logReport(t, "corpus 5-fold CV", score(all, 0), true)
	dev := loadDev(t)
	cv, err := CrossValidate(ctx, dev, 5)
	if err != nil {
		t.Fatal(err)
	}
	logReport(t, "dev 5-fold CV (intents)", cv, false)
	sets := []struct {
		name string
		data []Labeled
	}{
		{"dev", dev},
		{"fresh", loadFile(t, freshSet)},
		{"holdout2 odd", half(loadFile(t, "testdata/holdout2.jsonl"), 0)},
		{"holdout3 odd", half(loadFile(t, "testdata/holdout3.jsonl"), 0)},
		{"holdout4 odd", half(loadFile(t, holdout4Set), 0)},
		{"ood even", half(loadFile(t, "testdata/ood.jsonl"), 1)},
	}
	if mode == "final" {
		sets = append(sets, struct {
			name string
			data []Labeled
		}{"corpus holdout", loadFile(t, "testdata/corpus_holdout.jsonl")})
	}
	for _, s := range sets {
		r, err := Evaluate(ctx, dev, s.data)
		if err != nil {
			t.Fatal(err)
		}
		logReport(t, s.name, r, false)
	}
}

// TestSignalGrid searches the signal model's training parameters and
// thresholds by cross-validation on the corpus (NLU_GRID=1).
func TestSignalGrid(t *testing.T) {
	if os.Getenv("NLU_GRID") == "" {
		t.Skip("set NLU_GRID=1 to search the signal model's parameters")
	}
	trains, tests := cvFolds(signalCorpus(), 5)
	ruleOR := false
	params := []sigParams{
		{epochs: 12, rate: 0.4, l2: 1e-4}, {epochs: 20, rate: 0.4, l2: 1e-4}, {epochs: 12, rate: 0.2, l2: 1e-4}, {epochs: 12, rate: 0.8, l2: 1e-4},
		{epochs: 12, rate: 0.4, l2: 1e-3}, {epochs: 12, rate: 0.4, l2: 1e-5}, {epochs: 30, rate: 0.3, l2: 3e-4},
	}
	if os.Getenv("NLU_GRID") == "verbose" {
		params = []sigParams{defaultSigParams}
	}
	for _, par := range params {
		type pr struct {
			p    [2]float64
			want [2]bool
		}
		var prs []pr
		for f := range trains {
			m, err := trainSignalModel(trains[f], par)
			if err != nil {
				t.Fatal(err)
			}
			a, err := New(withSignalModel(m))
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range tests[f] {
				s := &scratch{}
				a.prepare(s, msg.Text)
				prs = append(prs, pr{[2]float64{s.pWH, s.pFR}, [2]bool{msg.WantsHuman, msg.Frustrated}})
				// the rules' overrides
				if s.human.negated {
					prs[len(prs)-1].p[0] = -1
				} else if s.human.yes {
					prs[len(prs)-1].p[0] = 2
				}
				if ruleOR && s.mood.total >= 1 || s.mood.total-s.mood.shout >= sureFrustration {
					prs[len(prs)-1].p[1] = 2
				}
				if s.mood.calm && s.mood.total-s.mood.shout < calmOverride {
					prs[len(prs)-1].p[1] = -1
				}
				if false {
					prs[len(prs)-1].p[1] = 2
				}
			}
		}
		line := fmt.Sprintf("%+v", par)
		for k := 0; k < 2; k++ {
			sort.Slice(prs, func(i, j int) bool { return prs[i].p[k] > prs[j].p[k] })
			best, bestT := 0.0, 0.0
			for _, th := range []float64{0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6} {
				var tp, fp, fn int
				for _, x := range prs {
					got := x.p[k] >= th
					switch {
					case got && x.want[k]:
						tp++
					case got:
						fp++
					case x.want[k]:
						fn++
					}
				}
				bn := binary(tp, fp, fn)
				f1 := bn.F1
				if os.Getenv("NLU_GRID") == "verbose" {
					line += fmt.Sprintf("\n    s%d@%.2f P=%.3f R=%.3f F1=%.3f", k, th, bn.Precision, bn.Recall, bn.F1)
				}
				if th == 0.5 {
					line += fmt.Sprintf(" | s%d@0.5 F1=%.3f", k, f1)
				}
				if f1 > best {
					best, bestT = f1, th
				}
			}
			line += fmt.Sprintf(" best %.3f@%.2f", best, bestT)
		}
		t.Log(line)
	}
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestCostReport prints the CPU time of training and of one analysis
// (NLU_REPORT=1): CPU time rather than wall time, so that a machine busy
// with other work does not inflate it.
func TestCostReport(t *testing.T) {
	if os.Getenv("NLU_REPORT") == "" {
		t.Skip("set NLU_REPORT=1 to print the costs")
	}
	data := Corpus()
	c0 := cpuTime(t)
	if _, err := trainSignalModel(signalCorpus(), defaultSigParams); err != nil {
		t.Fatal(err)
	}
	c1 := cpuTime(t)
	if _, err := trainPrior(data); err != nil {
		t.Fatal(err)
	}
	c2 := cpuTime(t)
	a, err := New(WithIntents(IntentsFromLabeled(loadDev(t))))
	if err != nil {
		t.Fatal(err)
	}
	c3 := cpuTime(t)
	t.Logf("CPU time: signal model %v, prior %v, a flow of 360 examples %v (the first New also trains the two built-in models)",
		(c1 - c0).Round(time.Millisecond), (c2 - c1).Round(time.Millisecond), (c3 - c2).Round(time.Millisecond))
	ctx := context.Background()
	const n = 20000
	c4 := cpuTime(t)
	for i := range n {
		m := data[i%len(data)]
		if _, err := a.Analyze(ctx, flows.AnalyzeInput{Text: m.Text, Lang: m.Lang}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("CPU time per analysis, corpus messages, 8 intents: %v", ((cpuTime(t) - c4) / n).Round(10*time.Nanosecond))
}
