package host

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
)

// An expired WhatsApp access token (Graph's 190, HTTP 401) fails every
// reply until the operator renews it. Each reply is tried once (not
// retried as if the failure were temporary), kept dead in the store,
// counted under code 190, and logged once with what to do; the log used
// to say only "Invalid OAuth access token".
func TestServeWhatsAppExpiredToken(t *testing.T) {
	wa := whatsapptest.NewServer(t)
	flow, _ := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	cfg := loadConfig(t, t.TempDir(), fmt.Sprintf(`
store: {kind: memory}
channels:
  whatsapp:
    - {phone_number_id: %q, flow: %q, access_token: expired, app_secret: %q, verify_token: v, graph_url: %q, api_version: %s}
`, wa.PhoneNumberID, flow, wa.AppSecret, wa.URL, wa.Version))
	logs := &syncBuffer{}
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(logs, 0, false), NoWatch: true, Host: []Option{WithPoll(10 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, srv)
	for i, text := range []string{"hello", "order"} {
		resp, err := wa.Post(context.Background(), base+"/webhooks/whatsapp", wa.Notification(whatsapptest.Inbound{ID: fmt.Sprint("wamid.T", i), From: "393330000042", Text: text}))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var dead []flows.OutboxItem
	waitFor(t, "both replies dead", func() bool {
		dead, _ = srv.Host.store.List(context.Background(), flows.OutboxDead)
		return len(dead) == 2
	})
	for _, it := range dead {
		if it.Kind != flows.OutboxReply || it.Attempts != 1 || !strings.Contains(it.LastError, "error 190") {
			t.Errorf("dead item %s: kind %s, %d attempts, last error %q; want a reply tried once, failed with 190", it.ID, it.Kind, it.Attempts, it.LastError)
		}
	}
	if n := len(wa.Refusals()); n != 2 {
		t.Errorf("Graph was called %d times for 2 replies, want 2", n)
	}
	const action = "renew the access token in channels.whatsapp[].access_token"
	if n := strings.Count(logs.String(), action); n != 2 {
		t.Errorf("the log says %q %d times for 2 lost replies, want 2:\n%s", action, n, logs)
	}
	rec := httptest.NewRecorder()
	srv.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{`baton_channel_send_errors_total{channel="whatsapp",code="190"} 2`, `baton_deliveries_total{kind="reply",outcome="dead"} 2`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
