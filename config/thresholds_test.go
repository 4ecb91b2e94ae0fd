package config

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
)

// TestPriorityThresholdsKeepDefaults: priority.thresholds that name only
// some priorities keep the defaults (urgent 80, high 50, normal 20) for the
// others, so a score of 60 is still high with {urgent: 90}; the merged set
// must stay ordered.
func TestPriorityThresholdsKeepDefaults(t *testing.T) {
	for _, tt := range []struct {
		thresholds string
		want       map[flows.Priority]float64
		scores     map[float64]flows.Priority
	}{
		{"{urgent: 90}", map[flows.Priority]float64{flows.PriorityUrgent: 90, flows.PriorityHigh: 50, flows.PriorityNormal: 20},
			map[float64]flows.Priority{95: flows.PriorityUrgent, 85: flows.PriorityHigh, 60: flows.PriorityHigh, 30: flows.PriorityNormal, 10: flows.PriorityLow}},
		{"{normal: 10}", map[flows.Priority]float64{flows.PriorityUrgent: 80, flows.PriorityHigh: 50, flows.PriorityNormal: 10},
			map[float64]flows.Priority{80: flows.PriorityUrgent, 50: flows.PriorityHigh, 15: flows.PriorityNormal, 5: flows.PriorityLow}},
		{"{urgent: 70, high: 40, normal: 5}", map[flows.Priority]float64{flows.PriorityUrgent: 70, flows.PriorityHigh: 40, flows.PriorityNormal: 5}, nil},
	} {
		for score, want := range tt.scores {
			src := minimalConfig + "priority:\n  score: \"" + strconv.FormatFloat(score, 'g', -1, 64) + "\"\n  thresholds: " + tt.thresholds + "\n"
			cfg, diags := Parse("cfg.yaml", []byte(src), WithEnv(envOf(nil)))
			if diags.HasErrors() {
				t.Fatalf("%s: %v", tt.thresholds, diags.Err())
			}
			if got := cfg.Handoff.Priority.Thresholds; !maps.Equal(got, tt.want) {
				t.Errorf("thresholds %s: %v, want %v", tt.thresholds, got, tt.want)
			}
			r, err := handoff.NewRouter(cfg.Handoff)
			if err != nil {
				t.Fatal(err)
			}
			d, err := r.Route(context.Background(), &flows.Handoff{ID: "h", Language: "en"})
			if err != nil {
				t.Fatal(err)
			}
			if d.Priority != want {
				t.Errorf("thresholds %s, score %v: priority %s, want %s", tt.thresholds, score, d.Priority, want)
			}
		}
	}
	for _, tt := range []struct{ thresholds, want string }{
		{"{urgent: 40}", `cfg.yaml:10:15: error: priority.thresholds: high (50, the default) is above urgent (40)`},
		{"{normal: 60}", `cfg.yaml:10:15: error: priority.thresholds: normal (60) is above high (50, the default)`},
	} {
		src := minimalConfig + "priority:\n  thresholds: " + tt.thresholds + "\n"
		_, diags := Parse("cfg.yaml", []byte(src), WithEnv(envOf(nil)))
		if err := diags.Err(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("thresholds %s: error %v, want %q", tt.thresholds, err, tt.want)
		}
	}
}
