package kpi

import (
	"math/rand/v2"
	"testing"
)

func TestDistExactThenSketch(t *testing.T) {
	var d dist
	for _, v := range []float64{5, 1, 4, 2, 3} {
		d.add(v)
	}
	if d.quantile(0.5) != 3 || d.quantile(0.9) != 5 || d.mean() != 3 || d.max != 5 || d.min != 1 {
		t.Fatalf("exact: p50 %v p90 %v mean %v", d.quantile(0.5), d.quantile(0.9), d.mean())
	}
	var big dist
	r := rand.New(rand.NewPCG(1, 2))
	const n = 200000
	for range n {
		big.add(float64(r.IntN(100000)))
	}
	if big.few != nil || big.sketch == nil {
		t.Fatal("a large distribution must be kept in the sketch, not sample by sample")
	}
	if got := big.quantile(0.5); got < 49000 || got > 51000 {
		t.Errorf("p50 %v, want 50000 ± 1%%", got)
	}
	if got := big.quantile(0.9); got < 89500 || got > 90500 {
		t.Errorf("p90 %v, want 90000 ± 0.5%%", got)
	}
	if s := len(big.sketch.Samples()); s > 5000 {
		t.Errorf("the sketch keeps %d samples for %d values: memory must not follow the count", s, n)
	}
}
