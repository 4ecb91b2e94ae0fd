package nlu

import (
	"math"
	"testing"
)

// TestSignalModelStable checks that one training message more does not
// move the signal model's probabilities on other messages: the weights
// are the average of the last epochs' iterates, not the last iterate,
// which leaned on the last examples of the shuffle (one message more once
// halved the frustration probability of unrelated calm messages). The
// messages scored are fresh.jsonl's, which the model never trained on.
func TestSignalModelStable(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the signal model twice")
	}
	corpus := signalCorpus()
	base, err := trainSignalModel(corpus, defaultSigParams)
	if err != nil {
		t.Fatal(err)
	}
	more := append(corpus[:len(corpus):len(corpus)], Labeled{Text: "il divano è arrivato, montato in dieci minuti", Lang: "it", Intent: "greeting", Sentiment: "positive"})
	other, err := trainSignalModel(more, defaultSigParams)
	if err != nil {
		t.Fatal(err)
	}
	var probes []string
	for _, m := range loadFile(t, "testdata/fresh.jsonl") {
		probes = append(probes, m.Text)
	}
	a, err := newBare(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &scratch{}
	var worst, sum float64
	n := 0
	for _, text := range probes {
		a.prepare(s, text)
		feats := signalFeatures(s, nil)
		var p [2][numSignals]float64
		for i, m := range []*signalModel{base, other} {
			fs, nw := m.vectorize(feats, nil)
			p[i] = m.probs(fs, nw)
		}
		for k := range numSignals {
			d := math.Abs(p[0][k] - p[1][k])
			worst = max(worst, d)
			sum += d
			n++
		}
	}
	// With the last iterate they moved by 0.018 on average and 0.18 at
	// most; averaged, by 0.002 and 0.05.
	if mean := sum / float64(n); mean > 0.006 || worst > 0.1 {
		t.Errorf("one training message more moved fresh.jsonl's probabilities by %.4f on average, %.3f at most; want at most 0.006 and 0.1", mean, worst)
	}
}
