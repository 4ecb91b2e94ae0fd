package promkpi_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/batonbot/baton/analytics/promkpi"
)

// hostMetrics are the series the host registers itself (host.Metrics)
// that the dashboard reads.
var hostMetrics = []string{"baton_handoffs_total", "baton_outbox_depth", "baton_outbox_oldest_seconds"}

// The Grafana dashboard in examples/ reads only metrics that exist.
func TestGrafanaDashboardReadsRealMetrics(t *testing.T) {
	b, err := os.ReadFile("../../examples/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	reg := prometheus.NewRegistry()
	if _, err := promkpi.New(reg); err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, m := range hostMetrics {
		known[m] = true
	}
	descs := make(chan *prometheus.Desc, 100)
	go func() {
		reg.Describe(descs)
		close(descs)
	}()
	nameRe := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		if m := nameRe.FindStringSubmatch(d.String()); m != nil {
			known[m[1]] = true
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				known[m[1]+suffix] = true
			}
		}
	}
	used := regexp.MustCompile(`\bbaton_[a-z_]+`)
	if len(d.Panels) < 10 {
		t.Errorf("%d panels", len(d.Panels))
	}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("panel %q has an empty query", p.Title)
			}
			for _, m := range used.FindAllString(tg.Expr, -1) {
				if !known[m] {
					t.Errorf("panel %q reads %s, which nothing exposes", p.Title, m)
				}
			}
		}
	}
}
