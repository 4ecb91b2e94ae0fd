package nlu

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// foldText folds a message for the overlap check: lower case, accents
// dropped, words joined by single spaces.
func foldText(s string) string {
	f := foldString(s, nil)
	return strings.Join(strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

// TestRoundsDisjointFromHeldOut checks that the training rounds written
// after the held-out sets share no message with them (after folding case,
// accents and punctuation; messages of punctuation alone aside), so no
// held-out figure is measured on a message the models trained on.
func TestRoundsDisjointFromHeldOut(t *testing.T) {
	held := map[string]string{}
	files, err := filepath.Glob("testdata/holdout*.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "testdata/fresh.jsonl", "testdata/corpus_holdout.jsonl", "testdata/ood.jsonl")
	for _, f := range files {
		for _, m := range loadFile(t, f) {
			if k := foldText(m.Text); k != "" {
				held[k] = f
			}
		}
	}
	for _, m := range loadDev(t) {
		if k := foldText(m.Text); k != "" {
			held[k] = "the dev set"
		}
	}
	if len(held) < 2000 {
		t.Fatalf("only %d held-out texts read; are the sets there?", len(held))
	}
	for _, name := range []string{"corpus/round4.jsonl", "corpus/round5.jsonl", "corpus/round6.jsonl", "corpus/round7.jsonl", "corpus/round8.jsonl", "corpus/round9.jsonl", "corpus/round10.jsonl", "corpus/round11.jsonl", "corpus/round12.jsonl", "corpus/round13.jsonl", "corpus/round14.jsonl"} {
		for _, m := range loadFile(t, name) {
			if f, ok := held[foldText(m.Text)]; ok && foldText(m.Text) != "" {
				t.Errorf("%s: %q is also in %s; drop or reword it", name, m.Text, f)
			}
		}
	}
}
