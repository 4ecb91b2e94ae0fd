package analytics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/analytics"
)

// A batch given up names the events webhook up to its path: a key in its
// query (?key=...) or its userinfo stays out of the error, which reaches
// the log.
func TestWebhookErrorLeavesTheQueryOut(t *testing.T) {
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadRequest) }))
	defer refuse.Close()
	for _, base := range []string{refuse.URL, "http://127.0.0.1:1"} {
		var mu sync.Mutex
		var errs []error
		u := strings.Replace(base, "http://", "http://bot:hunter2@", 1) + "/ingest?key=s3cret"
		s := analytics.NewWebhookSink(u, analytics.WebhookClient(&http.Client{Timeout: time.Second}),
			analytics.WebhookBatch(analytics.BatchSize(1), analytics.Retries(1, time.Millisecond),
				analytics.OnSendError(func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() })))
		_ = s.Write(context.Background(), ev("a", time.Now()))
		_ = s.Close()
		mu.Lock()
		if len(errs) == 0 {
			t.Errorf("%s: no error", base)
		}
		for _, err := range errs {
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "bot") {
				t.Errorf("the error shows the URL's secrets: %v", err)
			}
		}
		mu.Unlock()
	}
}
