package llm

import (
	"context"
	"net/http"
	"testing"

	"github.com/batonbot/baton/flows"
)

// BenchmarkAnalyzeCached measures a cache hit: fallback call (for
// entities), masking, folding and the LRU lookup.
func BenchmarkAnalyzeCached(b *testing.B) {
	f := newFake(b, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "track_order", 0.9) })
	for _, tt := range []struct {
		name string
		fb   flows.Analyzer
	}{
		{"fallback", unsureFallback()},
		{"nofallback", nil},
	} {
		opts := []Option{}
		if tt.fb != nil {
			opts = append(opts, WithFallback(tt.fb))
		}
		a := newTest(b, f, opts...)
		in := flows.AnalyzeInput{Text: "Buongiorno, dov'è il mio ordine A12345? Il corriere non risponde", Lang: "it"}
		if _, err := a.Analyze(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, _ := a.Analyze(context.Background(), in)
				if s.Source != SourceLLM {
					b.Fatalf("not served from the cache: %+v", s)
				}
			}
		})
	}
	if h := f.hits.Load(); h != 2 {
		b.Fatalf("server hits = %d, want one per analyser", h)
	}
}

// BenchmarkAnalyzeUncached measures a full round trip to a local fake
// server: request building, the temperature rewrite, HTTP, decoding.
func BenchmarkAnalyzeUncached(b *testing.B) {
	f := newFake(b, func(n int, w http.ResponseWriter, r *http.Request) { writeSignals(w, "track_order", 0.9) })
	a := newTest(b, f, WithCache(0), WithFallback(unsureFallback()))
	in := flows.AnalyzeInput{Text: "Buongiorno, dov'è il mio ordine A12345?", Lang: "it"}
	b.ReportAllocs()
	for b.Loop() {
		if s, _ := a.Analyze(context.Background(), in); s.Source != SourceLLM {
			b.Fatalf("fell back: %+v", s)
		}
	}
}
