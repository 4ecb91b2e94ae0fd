package host

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// baton serve writes the analytics events, stamps each handoff with its
// SLA due times, alerts at the thresholds through a webhook (once each),
// and exposes the KPIs on /metrics.
func TestServeEventsSLAAndKPIs(t *testing.T) {
	var mu sync.Mutex
	var alerts []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		alerts = append(alerts, body)
		mu.Unlock()
	}))
	defer hook.Close()
	events := filepath.Join(t.TempDir(), "events.jsonl")
	more := fmt.Sprintf(`
sla:
  normal: 1500ms
  high: 1500ms
  alerts: {at: [50, 100], webhook: %q}
events: {file: %q}
`, hook.URL, events)
	e := startE2EWith(t, "{kind: memory}", more)
	const customer = "393339998877"
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: customer, Name: "Ugo", Text: "hello"}))
	e.sent(t, 1)
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: customer, Name: "Ugo", Text: "agent"}))
	waitFor(t, "the Zendesk ticket", func() bool { return e.zd.count() == 1 })
	waitFor(t, "the 50% and 100% alerts", func() bool { mu.Lock(); defer mu.Unlock(); return len(alerts) >= 2 })
	conv := "whatsapp:" + e.wa.PhoneNumberID + ":" + customer
	e.zendesk(t, fmt.Sprintf(`{"event":"comment","ticket_id":"4001","conversation_id":%q,"comment":"Hi Ugo","author":"Marco","author_role":"agent"}`, conv))
	waitFor(t, "the agent's reply", func() bool {
		all := e.wa.Messages()
		return strings.Contains(all[len(all)-1].Text, "Hi Ugo")
	})

	mu.Lock()
	var ths []float64
	for _, a := range alerts {
		al, _ := a["alert"].(map[string]any)
		ths = append(ths, al["threshold"].(float64))
		if a["type"] != "sla.alert" || al["conversation_id"] != conv {
			t.Errorf("alert %v", a)
		}
	}
	mu.Unlock()
	if len(ths) != 2 || ths[0] != 50 || ths[1] != 100 {
		t.Errorf("alerts at %v, want one at 50 and one at 100", ths)
	}

	types := map[flows.EventType][]flows.Event{}
	waitFor(t, "the events on file", func() bool {
		clear(types)
		f, err := os.Open(events)
		if err != nil {
			return false
		}
		defer f.Close()
		_ = analytics.Scan(f, events, func(ev *flows.Event) error { types[ev.Type] = append(types[ev.Type], *ev); return nil })
		return len(types[flows.EvFirstAgentReply]) == 1 && len(types[flows.EvHandoffDelivered]) == 1
	})
	hr := types[flows.EvHandoffRequested]
	if len(hr) != 1 || hr[0].FirstResponseDue.IsZero() || hr[0].Conversation != conv || hr[0].Channel != "whatsapp" {
		t.Fatalf("handoff_requested: %+v", hr)
	}
	if d := types[flows.EvHandoffDelivered][0]; d.Ticket != "4001" || d.Connector != "zendesk" {
		t.Errorf("handoff_delivered: %+v", d)
	}
	if a := types[flows.EvSLAAlert]; len(a) != 2 || a[1].Threshold != 100 {
		t.Errorf("sla_alert events: %+v", a)
	}
	if fr := types[flows.EvFirstAgentReply][0]; fr.WaitMS < 1500 || !fr.At.After(fr.FirstResponseDue) {
		t.Errorf("first_agent_reply: %+v", fr)
	}
	if len(types[flows.EvConversationStarted]) != 1 || len(types[flows.EvMessageIn]) < 2 {
		t.Errorf("conversation events: %d started, %d messages", len(types[flows.EvConversationStarted]), len(types[flows.EvMessageIn]))
	}

	resp, err := http.Get(e.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`baton_sla_alerts_total{threshold="100"} 1`, `baton_sla_alerts_total{threshold="50"} 1`,
		`baton_sla_breaches_total{priority="normal",team="support"} 1`, "baton_customer_messages_total 2", "baton_containment_ratio 0",
		`baton_first_response_seconds_count{priority="normal",team="support"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// On the Valkey store, events go to one stream every instance writes.
func TestServeEventsToValkeyStream(t *testing.T) {
	vk := valkeytest.Start(t)
	e := startE2EWith(t, fmt.Sprintf("{kind: valkey, url: %q, prefix: ev}", vk.URL), "\nevents: {stream: \"baton:events\"}\n")
	e.post(t, e.wa.Notification(whatsapptest.Inbound{From: "393330001111", Name: "Ada", Text: "hello"}))
	e.sent(t, 1)
	var got []flows.EventType
	waitFor(t, "the events in the stream", func() bool {
		got = got[:0]
		err := analytics.ScanStream(context.Background(), vk.URL, "baton:events", func(ev *flows.Event) error {
			got = append(got, ev.Type)
			return nil
		})
		return err == nil && len(got) >= 3
	})
	if got[0] != flows.EvConversationStarted || got[1] != flows.EvMessageIn {
		t.Errorf("stream holds %v", got)
	}
}
