package kpi_test

import (
	"bytes"
	"testing"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/analytics/analyticstest"
	"github.com/batonbot/baton/analytics/kpi"
	"github.com/batonbot/baton/flows"
)

// BenchmarkReport measures what `baton report` does per event: decode a
// JSONL line and add it to the KPIs (ns/op is per event).
func BenchmarkReport(b *testing.B) {
	var buf bytes.Buffer
	const n = 100000
	if err := analyticstest.New(analyticstest.Options{Seed: 3}).WriteJSONL(&buf, n); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data) / n))
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += n {
		c := kpi.New(kpi.Options{})
		left := b.N - done
		err := analytics.Scan(bytes.NewReader(data), "bench", func(e *flows.Event) error {
			if left == 0 {
				return nil
			}
			left--
			c.Add(e)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
		_ = c.Result()
	}
}
