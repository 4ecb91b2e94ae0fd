package nlu

import (
	"context"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/batonbot/baton/flows"
)

// FuzzAnalyze checks that no text makes the analyser panic or return
// signals outside their ranges, and that tokens are valid folded text.
// Seeds live in testdata/fuzz/FuzzAnalyze.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"operatore!!!", "Agent 47", "ORD-2024-0001 #12345", "😡😡 ???", "l'operatore", "don't"} {
		f.Add(s)
	}
	a, err := New(WithIntents(benchIntents()))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		sig, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(sig.Sentiment) || sig.Sentiment < -1 || sig.Sentiment > 1 {
			t.Fatalf("sentiment %v out of [-1, 1]", sig.Sentiment)
		}
		if sig.Confidence < 0 || sig.Confidence > 1 || math.IsNaN(sig.Confidence) {
			t.Fatalf("confidence %v out of [0, 1]", sig.Confidence)
		}
		if sig.Intent == "" {
			t.Fatal("empty intent; want a name or unknown")
		}
		for _, tok := range tokenize(text, nil) {
			if tok.text == "" || !utf8.ValidString(tok.text) {
				t.Fatalf("bad token %q", tok.text)
			}
			if tok.kind == tokWord && strings.ToLower(tok.text) != tok.text && isASCII(tok.text) {
				t.Fatalf("word %q is not folded", tok.text)
			}
		}
		for kind, vs := range sig.Entities {
			for _, v := range vs {
				if !strings.Contains(strings.ToUpper(text), strings.ToUpper(v)) {
					t.Fatalf("%s entity %q is not in the text", kind, v)
				}
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
