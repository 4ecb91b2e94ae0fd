package host

import (
	"errors"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// TestMetricsAreTheDocs: the metrics table of docs/serve.md names every
// baton_ metric the host serves, with the labels it has, and nothing
// else: an operator's dashboards and alerts are written from that table.
func TestMetricsAreTheDocs(t *testing.T) {
	b, err := os.ReadFile("../docs/serve.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Metrics\n")
	if !ok {
		t.Fatal("docs/serve.md has no Metrics section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	code := regexp.MustCompile("`([a-z_]+)`")
	documented := map[string][]string{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 4 || !strings.Contains(cells[1], "`baton_") {
			continue
		}
		// The labels are the code spans of the second cell outside its
		// parentheses (which list values).
		labels := []string{}
		for _, m := range code.FindAllStringSubmatch(regexp.MustCompile(`\([^)]*\)`).ReplaceAllString(cells[2], ""), -1) {
			labels = append(labels, m[1])
		}
		sort.Strings(labels)
		for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
			documented[m[1]] = labels
		}
	}
	if len(documented) == 0 {
		t.Fatal("docs/serve.md's Metrics section has no table of baton_ metrics")
	}

	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	m := NewMetrics(listOutbox{items: []flows.OutboxItem{{Kind: flows.OutboxOpen, CreatedAt: now.Add(-time.Minute)}}}, func() time.Time { return now })
	// One event of each, so that every vector has a series to show.
	m.channel("whatsapp")
	m.turn("whatsapp", time.Millisecond, nil)
	m.received("whatsapp", "unknown_account")
	m.handoff(&flows.Handoff{Reason: "asks_for_human", Team: "billing"})
	m.delivery(flows.OutboxOpen, "dead")
	m.reject("whatsapp", "signature")
	m.sendFailed("whatsapp", errors.New("dial tcp: connection refused"))
	m.reload("refused")
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string][]string{}
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "baton_") {
			continue
		}
		labels := []string{}
		if len(f.GetMetric()) > 0 {
			for _, l := range f.GetMetric()[0].GetLabel() {
				labels = append(labels, l.GetName())
			}
		}
		sort.Strings(labels)
		served[f.GetName()] = labels
	}
	for name, labels := range served {
		doc, ok := documented[name]
		switch {
		case !ok:
			t.Errorf("the host serves %s%v, which docs/serve.md's metrics table does not list", name, labels)
		case !reflect.DeepEqual(doc, labels):
			t.Errorf("%s has the labels %v; docs/serve.md says %v", name, labels, doc)
		}
	}
	for name := range documented {
		if _, ok := served[name]; !ok {
			t.Errorf("docs/serve.md lists %s, which the host does not serve", name)
		}
	}
}
