package analytics_test

import (
	"bytes"
	"testing"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/flows"
)

// FuzzScan: any input either scans or fails with an error naming a line;
// it never panics. Seeds in testdata/fuzz/FuzzScan.
func FuzzScan(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"c:1:1","type":"message_in","at":"2026-03-03T10:00:00Z","conversation":"c","flow":"f","size":3}` + "\n"))
	f.Add([]byte(`{"v":1,"type":"survey_answered","score":5,"at":"2026-03-03T10:00:00+01:00"}` + "\n\n" + `{"v":2,"type":"x"}`))
	f.Add([]byte("{\"type\":\"a\",\"at\":\"yesterday\"}\n"))
	f.Add([]byte("[1,2,3]\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		err := analytics.Scan(bytes.NewReader(data), "fuzz", func(e *flows.Event) error {
			if e.Type == "" {
				t.Fatal("an event without a type got through")
			}
			n++
			return nil
		})
		if err == nil && n > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d events from %d lines", n, bytes.Count(data, []byte("\n"))+1)
		}
	})
}
