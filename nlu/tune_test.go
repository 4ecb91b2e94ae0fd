package nlu

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
)

// scored is one test message with the analyser's probabilities.
type scored struct {
	msg    Labeled
	pWH    float64
	pFR    float64
	whRule int // -1 refused, 1 sure request, 0 the model's call
	frRule int // -1 calm, 1 sure anger, 0 the model's call
	// anger is the rules' frustration score, capitals left out; calm and
	// offTopic are the other rules that clear a message.
	anger                    float64
	calm, contacts, offTopic bool
	// intents: the flow classifier's ranking (dev-trained), the prior's
	// probabilities.
	rank []flows.IntentScore
	// dom is the in-domain factor (out-of-domain detection).
	dom   float64
	prior map[string]float64
}

// scoreMessages runs a on data and keeps what the sweeps need.
func scoreMessages(t *testing.T, a *Analyzer, data []Labeled) []scored {
	t.Helper()
	out := make([]scored, 0, len(data))
	s := &scratch{}
	for _, m := range data {
		a.prepare(s, m.Text)
		sc := scored{msg: m, pWH: s.pWH, pFR: s.pFR}
		switch {
		case s.human.negated:
			sc.whRule = -1
		case s.human.yes:
			sc.whRule = 1
		}
		anger := s.mood.total - s.mood.shout
		sc.anger, sc.calm, sc.contacts = anger, s.mood.calm, s.mood.contacts
		sc.offTopic = s.dom < offTopicDomain
		switch {
		case anger >= sureFrustration:
			sc.frRule = 1
		case s.mood.calm && anger < calmOverride:
			sc.frRule = -1
		case s.mood.contacts:
			sc.frRule = 1
		case s.dom < offTopicDomain && s.pFR < offTopicFrustration:
			sc.frRule = -1
		case s.dom >= offTopicDomain && s.mood.caps && !s.mood.angry() && s.pFR < offTopicFrustration:
			sc.frRule = -1
		}
		sc.dom = s.dom
		if a.prior != nil {
			p := a.prior
			feats := p.vectorize(s.hashes, nil)
			probs := make([]float64, len(p.classes))
			p.scores(feats, probs)
			sc.prior = map[string]float64{}
			for c, pr := range probs {
				sc.prior[p.classes[c]] = pr
			}
		}
		sig, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: m.Text, Lang: m.Lang})
		if err != nil {
			t.Fatal(err)
		}
		sc.rank = sig.Ranking
		out = append(out, sc)
	}
	return out
}

// scoreBinary counts the verdicts of judge, which says what was decided
// and what was wanted for each message.
func scoreBinary(xs []scored, judge func(scored) (got, want bool)) Binary {
	var tp, fp, fn int
	for _, x := range xs {
		switch got, want := judge(x); {
		case got && want:
			tp++
		case got:
			fp++
		case want:
			fn++
		}
	}
	return binary(tp, fp, fn)
}

// sweepSignal prints the F1 of signal k (0 wants_human, 1 frustrated) at
// each threshold, the rules' sure cases kept.
func sweepSignal(name string, xs []scored, k int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s:", name, []string{"wants_human", "frustrated"}[k])
	best, bestT := 0.0, 0.0
	for th := 0.2; th < 0.71; th += 0.05 {
		bn := scoreBinary(xs, func(x scored) (got, want bool) {
			p, rule, want := x.pWH, x.whRule, x.msg.WantsHuman
			if k == 1 {
				p, rule, want = x.pFR, x.frRule, x.msg.Frustrated
			}
			if rule != 0 {
				return rule > 0, want
			}
			return p >= th, want
		})
		fmt.Fprintf(&b, " %.2f:%.3f(%.2f/%.2f)", th, bn.F1, bn.Precision, bn.Recall)
		if bn.F1 > best {
			best, bestT = bn.F1, th
		}
	}
	fmt.Fprintf(&b, " best %.3f@%.2f", best, bestT)
	return b.String()
}

// sweepSure scores frustration with the rules' sure level and the model's
// threshold swept together (the other rules as in decide).
func sweepSure(name string, xs []scored) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s frustrated by sure level/threshold:", name)
	for _, sure := range []float64{1.5, sureFrustration} {
		for _, th := range []float64{0.25, 0.3, 0.35} {
			bn := scoreBinary(xs, func(x scored) (bool, bool) {
				switch {
				case x.anger >= sure:
					return true, x.msg.Frustrated
				case x.calm && x.anger < calmOverride:
					return false, x.msg.Frustrated
				case x.contacts:
					return true, x.msg.Frustrated
				case x.offTopic:
					return x.pFR >= offTopicFrustration, x.msg.Frustrated
				}
				return x.pFR >= th, x.msg.Frustrated
			})
			fmt.Fprintf(&b, " %.1f/%.2f:%.3f(%.2f/%.2f)", sure, th, bn.F1, bn.Precision, bn.Recall)
		}
	}
	return b.String()
}

// macroF1 scores the intents chosen by pick.
func macroF1(xs []scored, pick func(scored) string) (float64, string) {
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	labels := map[string]bool{}
	for _, x := range xs {
		want, got := x.msg.Intent, pick(x)
		labels[want] = true
		if want == got {
			tp[want]++
		} else {
			fp[got]++
			fn[want]++
		}
	}
	var names []string
	for l := range labels {
		names = append(names, l)
	}
	sort.Strings(names)
	var sum float64
	var b strings.Builder
	for _, l := range names {
		bn := binary(tp[l], fp[l], fn[l])
		sum += bn.F1
		fmt.Fprintf(&b, " %s %.2f/%.2f", l[:min(5, len(l))], bn.Precision, bn.Recall)
	}
	return sum / float64(len(names)), b.String()
}

// pickRank returns the best intent of the ranking after adding bias[c] to
// the log-probability of class c.
func pickRank(rank []flows.IntentScore, bias map[string]float64) string {
	best, bestS := "", math.Inf(-1)
	for _, r := range rank {
		s := math.Log(r.Score+1e-12) + bias[r.Intent]
		if s > bestS {
			best, bestS = r.Intent, s
		}
	}
	return best
}

// TestTune prints the figures the models are tuned by (NLU_TUNE=1):
// 5-fold cross-validation on the corpus (the signal model and the prior
// trained on four folds, the intents on the dev set, as `baton nlu eval
// --train triage-dev.jsonl` does) with thresholds swept, and holdout5's
// looked-at half.
func TestTune(t *testing.T) {
	if os.Getenv("NLU_TUNE") == "" {
		t.Skip("set NLU_TUNE=1 to print the tuning figures")
	}
	if os.Getenv("NLU_SIGGRAMS") != "" {
		sigCharGrams = true
		defer func() { sigCharGrams = false }()
	}
	par := defaultSigParams
	if v := os.Getenv("NLU_SIGPAR"); v != "" {
		fmt.Sscanf(v, "%d,%g,%g,%g,%d", &par.epochs, &par.rate, &par.l2, &par.mix, &par.avgEpochs)
	}
	if v := os.Getenv("NLU_LEVELS"); v != "" {
		old := priorLevels
		priorLevels = nil
		for _, f := range strings.Split(v, ",") {
			var x float64
			fmt.Sscanf(f, "%g", &x)
			priorLevels = append(priorLevels, x)
		}
		defer func() { priorLevels = old }()
	}
	if v := os.Getenv("NLU_PRIORPAR"); v != "" {
		old := priorParams
		var ng int
		fmt.Sscanf(v, "%d,%g,%d", &priorParams.epochs, &priorParams.l2, &ng)
		priorParams.noGrams = ng == 1
		defer func() { priorParams = old }()
	}
	if v := os.Getenv("NLU_FLOWPAR"); v != "" {
		old := flowParams
		fmt.Sscanf(v, "%d,%g", &flowParams.epochs, &flowParams.l2)
		defer func() { flowParams = old }()
	}
	dev := loadDev(t)
	// NLU_WITHOUT=corpus/round3.jsonl,corpus/round4.jsonl measures the
	// models trained without those files. The files that train only the
	// intent prior are left out: the thresholds tuned here are the signal
	// model's.
	without := strings.Split(os.Getenv("NLU_WITHOUT"), ",")
	for _, f := range corpusFiles {
		if f.intentsOnly {
			without = append(without, f.name)
		}
	}
	corpus := corpusWithout(without...)
	trains, tests := hashFolds(corpus, 5)
	var all []scored
	for f := range trains {
		m, err := trainSignalModel(trains[f], par)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := trainPrior(trains[f])
		if err != nil {
			t.Fatal(err)
		}
		a, err := New(WithIntents(IntentsFromLabeled(dev)), WithThreshold(0), withSignalModel(m), withPrior(pr))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, scoreMessages(t, a, tests[f])...)
	}
	m, err := trainSignalModel(corpus, par)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := trainPrior(corpus)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(WithIntents(IntentsFromLabeled(dev)), WithThreshold(0), withSignalModel(m), withPrior(pr))
	if err != nil {
		t.Fatal(err)
	}
	even := scoreMessages(t, a, half(loadFile(t, "testdata/holdout5.jsonl"), 1))
	ood := scoreMessages(t, a, loadFile(t, "testdata/ood.jsonl"))
	for _, th := range []float64{0.3, 0.35, 0.4, 0.45} {
		n := 0
		for _, x := range ood {
			if x.frRule > 0 || x.frRule == 0 && x.pFR >= th {
				n++
			}
		}
		t.Logf("ood frustrated at %.2f: %d of %d", th, n, len(ood))
	}
	for _, dt := range []float64{0.4, 0.5, 0.6, 0.7} {
		for _, th2 := range []float64{0.5, 0.6, 0.7} {
			pick := func(x scored) bool {
				if x.frRule != 0 {
					return x.frRule > 0
				}
				return x.pFR >= sigThreshold[1] && (x.dom >= dt || x.pFR >= th2)
			}
			line := fmt.Sprintf("dom<%.1f needs %.1f:", dt, th2)
			for _, set := range [][]scored{all, even, ood} {
				bn := scoreBinary(set, func(x scored) (bool, bool) { return pick(x), x.msg.Frustrated })
				line += fmt.Sprintf(" %.3f(%.2f/%.2f) fp=%d", bn.F1, bn.Precision, bn.Recall, bn.FP)
			}
			t.Log(line)
		}
	}
	for _, set := range []struct {
		name string
		xs   []scored
	}{{"corpus CV", all}, {"holdout5 even", even}} {
		t.Log(sweepSignal(set.name, set.xs, 0))
		t.Log(sweepSure(set.name, set.xs))
		t.Log(sweepSignal(set.name, set.xs, 1))
		if os.Getenv("NLU_TUNE") == "frerrors" && set.name == "corpus CV" {
			for _, x := range set.xs {
				got := x.pFR >= 0.3
				if x.frRule != 0 {
					got = x.frRule > 0
				}
				if got != x.msg.Frustrated {
					t.Logf("  fr want %v p=%.2f rule=%d: %s", x.msg.Frustrated, x.pFR, x.frRule, x.msg.Text)
				}
			}
		}
		f1, per := macroF1(set.xs, func(x scored) string { return x.rank[0].Intent })
		t.Logf("%s intents (dev-trained): macro-F1 %.3f%s", set.name, f1, per)
		if os.Getenv("NLU_TUNE") == "errors" {
			conf := map[[2]string]int{}
			for _, x := range set.xs {
				if g := x.rank[0].Intent; g != x.msg.Intent {
					conf[[2]string{x.msg.Intent, g}]++
					if set.name == "corpus CV" {
						t.Logf("  want %s got %s: %s", x.msg.Intent, g, x.msg.Text)
					}
				}
			}
			t.Logf("%s confusions: %v", set.name, conf)
		}
		f1, per = macroF1(set.xs, func(x scored) string {
			best, bp := "", -1.0
			for c, p := range x.prior {
				if p > bp {
					best, bp = c, p
				}
			}
			return best
		})
		t.Logf("%s intents (prior alone): macro-F1 %.3f%s", set.name, f1, per)
		for _, w := range []float64{0.25, 0.5, 0.75} {
			for _, geo := range []bool{false, true} {
				f1, per := macroF1(set.xs, func(x scored) string { return blend(x, w, geo) })
				t.Logf("%s blend w=%.2f geo=%v: macro-F1 %.3f%s", set.name, w, geo, f1, per)
			}
		}
		for _, ob := range []float64{0, -0.25, -0.5, -0.75, -1, -1.5} {
			f1, _ := macroF1(set.xs, func(x scored) string { return pickRank(x.rank, map[string]float64{"other": ob}) })
			t.Logf("%s other bias %.2f: macro-F1 %.3f", set.name, ob, f1)
		}
	}
	tuneLookedAt(t, a)
}

// tuneLookedAt sweeps the signal thresholds on the sets one may look at
// while tuning (the dev set, fresh.jsonl and the even halves of
// holdout5-8), each and pooled, with the model trained on the whole
// corpus. NLU_TUNE=frerrors lists their frustration mistakes at the
// current threshold.
func tuneLookedAt(t *testing.T, a *Analyzer) {
	t.Helper()
	sets := []struct {
		name string
		data []Labeled
	}{
		{"dev", loadDev(t)},
		{"fresh", loadFile(t, "testdata/fresh.jsonl")},
		{"holdout5 even", half(loadFile(t, "testdata/holdout5.jsonl"), 1)},
		{"holdout6 even", half(loadFile(t, "testdata/holdout6.jsonl"), 1)},
		{"holdout7 even", half(loadFile(t, "testdata/holdout7.jsonl"), 1)},
		{"holdout8 even", half(loadFile(t, "testdata/holdout8.jsonl"), 1)},
	}
	var pooled []scored
	for _, set := range sets {
		xs := scoreMessages(t, a, set.data)
		pooled = append(pooled, xs...)
		t.Log(sweepSignal(set.name, xs, 1))
		if os.Getenv("NLU_TUNE") != "frerrors" {
			continue
		}
		for _, x := range xs {
			got := x.pFR >= sigThreshold[1]
			if x.frRule != 0 {
				got = x.frRule > 0
			}
			if got != x.msg.Frustrated {
				t.Logf("  %s: fr want %v p=%.2f rule=%d: %s", set.name, x.msg.Frustrated, x.pFR, x.frRule, x.msg.Text)
			}
		}
	}
	t.Log(sweepSignal("looked-at pooled", pooled, 0))
	t.Log(sweepSure("looked-at pooled", pooled))
	t.Log(sweepSignal("looked-at pooled", pooled, 1))
}

// blend mixes the flow's probabilities with the prior's, w of the prior.
func blend(x scored, w float64, geo bool) string {
	var sum float64
	for _, r := range x.rank {
		sum += r.Score
	}
	best, bs := "", math.Inf(-1)
	for _, r := range x.rank {
		p := r.Score / sum
		q, ok := x.prior[r.Intent]
		if !ok {
			q = p
		}
		var s float64
		if geo {
			s = (1-w)*math.Log(p+1e-9) + w*math.Log(q+1e-9)
		} else {
			s = (1-w)*p + w*q
		}
		if s > bs {
			best, bs = r.Intent, s
		}
	}
	return best
}

// hashFolds deals data into k folds by a hash of the text, so adding
// messages does not move the others to another fold.
func hashFolds(data []Labeled, k int) (train, test [][]Labeled) {
	train, test = make([][]Labeled, k), make([][]Labeled, k)
	for _, m := range data {
		f := int(hashBytes(fnvOffset, m.Text) % uint64(k))
		for g := 0; g < k; g++ {
			if g == f {
				test[g] = append(test[g], m)
			} else {
				train[g] = append(train[g], m)
			}
		}
	}
	return train, test
}
