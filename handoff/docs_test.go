package handoff

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// docJSONBlocks returns the ```json blocks of docs/channels.md, in order.
func docJSONBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../docs/channels.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile("(?s)\n *```json\n(.*?)\n *```").FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// docBody is the one json block of docs/channels.md that contains all of
// marks.
func docBody(t *testing.T, blocks []string, what string, marks ...string) string {
	t.Helper()
	var found []string
	for _, b := range blocks {
		all := true
		for _, m := range marks {
			all = all && strings.Contains(b, m)
		}
		if all {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		t.Fatalf("docs/channels.md has %d json blocks for %s (with %q), want 1", len(found), what, marks)
	}
	return found[0]
}

var placeholder = regexp.MustCompile(`\{\{[a-z_.]+\}\}`)

// fill replaces a body's placeholders as the helpdesk does, each value
// escaped for the JSON string it stands in. A placeholder the test does
// not know fails it: the docs would ask for a value the handler was
// never shown.
func fill(t *testing.T, body string, values map[string]string) string {
	t.Helper()
	return placeholder.ReplaceAllStringFunc(body, func(p string) string {
		v, ok := values[p]
		if !ok {
			t.Errorf("the body's placeholder %s is not one this test fills:\n%s", p, body)
			return p
		}
		q, _ := json.Marshal(v)
		return string(q[1 : len(q)-1])
	})
}

const docConversation = "whatsapp:106540352242922:393331234567"

// TestDocsBridgeBodies: the bodies docs/channels.md tells the operator to
// paste into Zendesk's triggers, Freshdesk's automation rules and the
// generic webhook, with their placeholders filled as the helpdesk fills
// them, are what the bridge's handlers read: the agent's reply reaches
// the conversation, the solved ticket hands it back to the bot.
func TestDocsBridgeBodies(t *testing.T) {
	blocks := docJSONBlocks(t)
	reply := "Hi Mario,\nyour \"refund\" is on its way."
	zendesk := map[string]string{
		"{{ticket.id}}": "35436", "{{ticket.external_id}}": docConversation,
		"{{ticket.latest_public_comment}}": reply, "{{current_user.name}}": "Anna",
		"{{current_user.role}}": "Agent", "{{ticket.status}}": "Solved",
	}
	// Freshdesk's placeholders: the status as its label, the comment as
	// the HTML the agent's editor wrote.
	freshdesk := map[string]string{
		"{{ticket.id}}": "12", "{{ticket.cf_baton_conversation}}": docConversation,
		"{{ticket.latest_public_comment}}": "<div>Hi Mario,<br>your &quot;refund&quot; is on its way.</div>",
		"{{ticket.agent.name}}":            "Anna",
	}
	fdReply := docBody(t, blocks, "Freshdesk's reply rule", `"event": "reply"`)
	// Step 4: the status rule is the same action with "event": "status".
	fdStatus := strings.Replace(fdReply, `"event": "reply"`, `"event": "status"`, 1)
	fdOpen := map[string]string{"{{ticket.status}}": "Open"}
	fdResolved := map[string]string{"{{ticket.status}}": "Resolved"}
	for k, v := range freshdesk {
		fdOpen[k], fdResolved[k] = v, v
	}

	tests := []struct {
		name string
		req  *http.Request
		want []string
	}{
		{"zendesk agent replied", zendeskRequest("POST", fill(t, docBody(t, blocks, "Zendesk's agent replied trigger", `"event": "comment"`), zendesk), true),
			[]string{docConversation + ` agent ` + strconv.Quote(reply) + ` by "Anna" zendesk/35436 `}},
		{"zendesk ticket solved", zendeskRequest("POST", fill(t, docBody(t, blocks, "Zendesk's ticket solved trigger", `"event": "status"`, `{{ticket.external_id}}`), zendesk), true),
			[]string{docConversation + ` ticket zendesk/35436 solved`}},
		{"freshdesk agent replied", freshdeskDocRequest(fill(t, fdReply, fdOpen)),
			[]string{docConversation + ` agent ` + strconv.Quote(reply) + ` by "Anna" freshdesk/12 `}},
		{"freshdesk ticket resolved", freshdeskDocRequest(fill(t, fdStatus, fdResolved)),
			[]string{docConversation + ` ticket freshdesk/12 solved`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &delivered{}
			var h http.Handler
			var err error
			if strings.HasPrefix(tt.name, "zendesk") {
				h, err = NewZendeskHandler(zendeskTestSecret, d.deliver, zendeskTestClock, HandlerStatusHold(-1))
			} else {
				h, err = NewFreshdeskHandler(freshdeskTestSecret, d.deliver, HandlerStatusHold(-1))
			}
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.req)
			if w.Code != http.StatusNoContent || !reflect.DeepEqual(d.got, tt.want) {
				t.Errorf("status %d, delivered %q; want 204, %q\n%s", w.Code, d.got, tt.want, w.Body)
			}
		})
	}

	// The generic webhook's bodies, one a line, signed per Standard
	// Webhooks as step 2 says.
	now := time.Unix(1741944600, 0)
	d := &delivered{}
	h, err := NewWebhookHandler(testWebhookSecret, d.deliver, HandlerClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(docBody(t, blocks, "the generic webhook's bodies", `"type": "agent.message"`, `"type": "ticket.status"`)), "\n")
	for i, body := range lines {
		body = strings.TrimSpace(body)
		r := httptest.NewRequest("POST", "/bridge/webhook", strings.NewReader(body))
		id := "msg_doc" + strconv.Itoa(i)
		sig, _ := SignWebhook(testWebhookSecret, id, now, []byte(body))
		r.Header.Set("webhook-id", id)
		r.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		r.Header.Set("webhook-signature", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusNoContent {
			t.Errorf("the generic webhook's body %s: status %d, want 204\n%s", body, w.Code, w.Body)
		}
	}
	want := []string{docConversation + ` agent "Hi, I'm Marco" by "Marco"`, docConversation + ` ticket / solved`}
	if !reflect.DeepEqual(d.got, want) {
		t.Errorf("the generic webhook's bodies delivered %q, want %q", d.got, want)
	}
}

func freshdeskDocRequest(body string) *http.Request {
	r := httptest.NewRequest("POST", "/bridge/freshdesk", strings.NewReader(body))
	r.Header.Set(FreshdeskSecretHeader, freshdeskTestSecret)
	return r
}

// TestReadmeBridgeBodiesAreTheDocs: the bodies the README's helpdesk
// section gives for Zendesk's triggers and Freshdesk's rule are the ones
// docs/channels.md gives (and TestDocsBridgeBodies feeds the handlers):
// the same keys and placeholders.
func TestReadmeBridgeBodiesAreTheDocs(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	decode := func(where, s string) map[string]string {
		var m map[string]string
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("%s: %v:\n%s", where, err, s)
		}
		return m
	}
	var docs []map[string]string
	for _, blk := range docJSONBlocks(t) {
		if strings.Contains(blk, `"event"`) {
			docs = append(docs, decode("docs/channels.md", blk))
		}
	}
	spans := regexp.MustCompile("`(\\{\"(?:event|ticket_id)\":[^`]*)`").FindAllStringSubmatch(string(b), -1)
	if len(spans) != 3 {
		t.Fatalf("the README has %d helpdesk bodies, want Zendesk's two and Freshdesk's", len(spans))
	}
	for _, s := range spans {
		body := regexp.MustCompile(`\s*\n\s*`).ReplaceAllString(s[1], " ")
		m := decode("README.md", body)
		found := false
		for _, d := range docs {
			found = found || reflect.DeepEqual(m, d)
		}
		if !found {
			t.Errorf("the README's body %s is none of docs/channels.md's %v", body, docs)
		}
	}
}
