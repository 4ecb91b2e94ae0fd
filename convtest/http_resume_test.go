package convtest

import (
	"bytes"
	"context"
	"testing"
)

// TestHTTPResumeConversations runs the engine's conversations whose
// replies come after HTTP calls: each sees the customer's message as the
// same turn without the call would.
func TestHTTPResumeConversations(t *testing.T) {
	var out bytes.Buffer
	res := NewRunner(Options{Out: &out}).Run(context.Background(), []string{"../engine/testdata/conv/http_resume_test.yaml"})
	if !res.OK() || res.Passed != 3 {
		t.Errorf("%d passed, %d failed, want 3 passed:\n%s", res.Passed, res.Failed, out.String())
	}
}
