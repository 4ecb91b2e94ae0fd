package nlu

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"testing"
)

const devSet = "../../shared/data/triage-dev.jsonl"

func loadDev(t testing.TB) []Labeled {
	t.Helper()
	f, err := os.Open(devSet)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("skipping: the dev set %s is absent (it lives in the shared/ checkout next to the repository)", devSet)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := ReadLabeled(f, devSet)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCrossValidationTargets checks the built-in analyser alone against
// the targets by 5-fold cross-validation on the dev set.
func TestCrossValidationTargets(t *testing.T) {
	data := loadDev(t)
	r, err := CrossValidate(context.Background(), data, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("n=%d wants_human P=%.3f R=%.3f F1=%.3f | frustrated P=%.3f R=%.3f F1=%.3f | intent acc=%.3f macroF1=%.3f | sentiment acc=%.3f",
		r.N, r.WantsHuman.Precision, r.WantsHuman.Recall, r.WantsHuman.F1,
		r.Frustrated.Precision, r.Frustrated.Recall, r.Frustrated.F1,
		r.Intent.Accuracy, r.Intent.MacroF1, r.Sentiment.Accuracy)
	if testing.Verbose() && os.Getenv("NLU_ERRORS") != "" {
		for _, m := range r.Errors {
			if m.Signal == os.Getenv("NLU_ERRORS") {
				t.Logf("%s want=%s got=%s: %s", m.Signal, m.Expected, m.Got, m.Text)
			}
		}
	}
	if r.N != len(data) {
		t.Errorf("cross-validation scored %d messages, want all %d", r.N, len(data))
	}
	if r.WantsHuman.F1 < 0.90 {
		t.Errorf("wants_human F1 = %.3f, want ≥ 0.90", r.WantsHuman.F1)
	}
	if r.Frustrated.F1 < 0.80 {
		t.Errorf("frustrated F1 = %.3f, want ≥ 0.80", r.Frustrated.F1)
	}
	if r.Intent.MacroF1 < 0.80 {
		t.Errorf("intent macro-F1 = %.3f, want ≥ 0.80", r.Intent.MacroF1)
	}
}

// loadDevIfPresent returns the dev set, or nil when it is absent.
func loadDevIfPresent() []Labeled {
	f, err := os.Open(devSet)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := ReadLabeled(f, devSet)
	if err != nil {
		return nil
	}
	return data
}
