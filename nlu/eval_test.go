package nlu

import (
	"strings"
	"testing"
)

// A line without a label is an error naming the file, the line and the
// key: read as false, it would skew the figures without a word.
func TestReadLabeledMissingLabel(t *testing.T) {
	const full = `{"text": "operatore!", "lang": "it", "intent": "agent", "wants_human": true, "frustrated": false, "sentiment": "neutral"}`
	tests := []struct {
		line, want string
	}{
		{`{"text": "ciao", "lang": "it", "intent": "greeting", "frustrated": false, "sentiment": "neutral"}`, `set.jsonl:2: missing "wants_human"`},
		{`{"text": "ciao", "lang": "it", "intent": "greeting", "wants_human": false, "sentiment": "neutral"}`, `set.jsonl:2: missing "frustrated"`},
		{`{"text": "ciao", "lang": "it", "intent": "greeting", "wants_human": null, "frustrated": false, "sentiment": "neutral"}`, `set.jsonl:2: missing "wants_human"`},
		{`{"text": "ciao", "lang": "it", "wants_human": false, "frustrated": false, "sentiment": "neutral"}`, `set.jsonl:2: missing "intent"`},
	}
	for _, tc := range tests {
		_, err := ReadLabeled(strings.NewReader(full+"\n"+tc.line+"\n"), "set.jsonl")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.line, err, tc.want)
		}
	}
	data, err := ReadLabeled(strings.NewReader(full+"\n"), "set.jsonl")
	if err != nil || len(data) != 1 || !data[0].WantsHuman || data[0].Frustrated {
		t.Errorf("a full line: %+v, %v", data, err)
	}
}
