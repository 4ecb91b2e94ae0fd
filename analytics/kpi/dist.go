package kpi

import (
	"math"
	"slices"

	"github.com/beorn7/perks/quantile"
)

// exactBelow is how many samples a dist keeps exactly before it switches
// to the sketch.
const exactBelow = 128

// dist is a distribution of durations or scores in bounded memory: count,
// sum, min and max exactly, and p50/p90 exact while there are few samples,
// then from a CKMS sketch (rank error at most 1% at p50, 0.5% at p90).
type dist struct {
	n        int
	sum      float64
	min, max float64
	few      []float64
	sketch   *quantile.Stream
}

func (d *dist) add(v float64) {
	if d.n == 0 || v < d.min {
		d.min = v
	}
	if d.n == 0 || v > d.max {
		d.max = v
	}
	d.n++
	d.sum += v
	if d.sketch == nil {
		d.few = append(d.few, v)
		if len(d.few) < exactBelow {
			return
		}
		d.sketch = quantile.NewTargeted(map[float64]float64{0.5: 0.01, 0.9: 0.005, 0.99: 0.001})
		for _, x := range d.few {
			d.sketch.Insert(x)
		}
		d.few = nil
		return
	}
	d.sketch.Insert(v)
}

// quantile is the nearest-rank q-quantile: the smallest sample with at
// least q of the samples at or below it.
func (d *dist) quantile(q float64) float64 {
	if d.n == 0 {
		return 0
	}
	if d.sketch != nil {
		return d.sketch.Query(q)
	}
	s := slices.Clone(d.few)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func (d *dist) mean() float64 {
	if d.n == 0 {
		return 0
	}
	return d.sum / float64(d.n)
}
