package host

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/telegram/telegramtest"
	"github.com/batonbot/baton/flows"
)

func (e *e2e) telegram(t *testing.T, update []byte) {
	t.Helper()
	code, err := e.tg.Post(e.base+"/webhooks/telegram/"+e.tg.BotName, update)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusOK {
		t.Fatalf("the telegram webhook answered %d", code)
	}
}

// tgSent waits for the fake Bot API to have n messages and returns them.
func (e *e2e) tgSent(t *testing.T, n int) []telegramtest.Message {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d Telegram messages", n), func() bool { return len(e.tg.Messages()) >= n })
	return e.tg.Messages()
}

// The whole conversation on Telegram: the menu as an inline keyboard, a
// tapped button (answered), an order lookup, a handoff to Zendesk, the
// agent's reply through the bridge and the ticket solved, back to the
// bot's CSAT question.
func TestServeTelegramToZendeskAndBack(t *testing.T) {
	e := startE2E(t)
	anna := telegramtest.From{ID: 4242, FirstName: "Anna"}
	e.telegram(t, e.tg.TextUpdate(anna, "hello"))
	m := e.tgSent(t, 1)[0]
	if m.ChatID != 4242 || !strings.Contains(m.Text, "Hi Anna! How can I help?") || len(m.Keyboard) != 3 || m.Keyboard[0][0].Data != "order" {
		t.Fatalf("the welcome menu: %+v", m)
	}
	e.telegram(t, e.tg.CallbackUpdate(anna, "order"))
	if m := e.tgSent(t, 2)[1]; !strings.Contains(m.Text, "What's your order number?") {
		t.Fatalf("after the button: %+v", m)
	}
	if len(e.tg.Answers()) != 1 {
		t.Errorf("the button tap was answered %d times, want once", len(e.tg.Answers()))
	}
	e.telegram(t, e.tg.TextUpdate(anna, "it's A12345"))
	if msgs := e.tgSent(t, 4); !strings.Contains(msgs[2].Text, "Your order A12345 arrives on 2026-03-05.") {
		t.Fatalf("the order lookup: %+v", msgs[2])
	}
	e.telegram(t, e.tg.TextUpdate(anna, "agent"))
	waitFor(t, "the Zendesk ticket", func() bool { return e.zd.count() == 1 })
	const conv = "telegram:shop:4242"
	if got := e.zd.ticket(0)["external_id"]; got != conv {
		t.Errorf("ticket external_id %v, want %s", got, conv)
	}
	n := len(e.tgSent(t, 5))
	e.zendesk(t, fmt.Sprintf(`{"event":"comment","ticket_id":"4001","conversation_id":%q,"comment":"Hi Anna, I'm Marco","author":"Marco","author_role":"agent"}`, conv))
	waitFor(t, "the agent's reply on Telegram", func() bool {
		for _, m := range e.tg.Messages()[n:] {
			if m.ChatID == 4242 && strings.Contains(m.Text, "Hi Anna, I'm Marco") {
				return true
			}
		}
		return false
	})
	e.zendesk(t, fmt.Sprintf(`{"event":"status","ticket_id":"4001","conversation_id":%q,"status":"Solved","author":"Marco"}`, conv))
	waitFor(t, "the CSAT question", func() bool {
		all := e.tg.Messages()
		return strings.Contains(all[len(all)-1].Text, "How did we do, from 1 to 5?")
	})
}

// Telegram repeating one update three times at once gets one reply; a
// wrong secret token and an unknown bot are refused and not processed.
func TestServeTelegramDuplicatesAndRefusals(t *testing.T) {
	e := startE2E(t)
	bea := telegramtest.From{ID: 77, FirstName: "Bea"}
	update := e.tg.TextUpdate(bea, "hello")
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { e.telegram(t, update) })
	}
	wg.Wait()
	e.tgSent(t, 1)
	post := func(path, secret string, body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, e.base+path, bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	other := e.tg.TextUpdate(telegramtest.From{ID: 78, FirstName: "Cal"}, "hello")
	if got := post("/webhooks/telegram/shop", "wrong", other); got != http.StatusUnauthorized {
		t.Errorf("a wrong secret token: %d", got)
	}
	if got := post("/webhooks/telegram/nobody", e.tg.SecretToken, other); got != http.StatusNotFound {
		t.Errorf("an unknown bot: %d", got)
	}
	if got := post("/webhooks/telegram/shop", e.tg.SecretToken, []byte(`{"message":`)); got != http.StatusBadRequest {
		t.Errorf("not JSON: %d", got)
	}
	// Later good updates of both users are taken after every entry accepted
	// before them in their conversations: once the order question has
	// reached both, a duplicate or refused update that was processed
	// would show as an extra message.
	e.telegram(t, e.tg.TextUpdate(bea, "1"))
	e.telegram(t, other)
	e.telegram(t, e.tg.TextUpdate(telegramtest.From{ID: 78, FirstName: "Cal"}, "1"))
	asked := func(chat int64) bool {
		for _, m := range e.tg.Messages() {
			if m.ChatID == chat && strings.Contains(m.Text, "order number") {
				return true
			}
		}
		return false
	}
	waitFor(t, "the order question to both", func() bool { return asked(77) && asked(78) })
	to := map[int64]int{}
	all := e.tg.Messages()
	for _, m := range all {
		to[m.ChatID]++
	}
	if len(all) != 4 || to[77] != 2 || to[78] != 2 {
		t.Errorf("%d messages (%v by chat), want each user's menu and order question: %+v", len(all), to, all)
	}
}

// webEvents follows a web conversation's event stream.
type webEvents struct {
	mu     sync.Mutex
	events []map[string]any
}

func (e *e2e) follow(t *testing.T, conversation string) *webEvents {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/api/events?conversation="+conversation, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("the event stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	w := &webEvents{}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev map[string]any
			if json.Unmarshal([]byte(data), &ev) == nil {
				w.mu.Lock()
				w.events = append(w.events, ev)
				w.mu.Unlock()
			}
		}
	}()
	return w
}

// texts are the texts of the events from from ("bot", "agent", "user").
func (w *webEvents) texts(from string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, ev := range w.events {
		if ev["from"] == from {
			out = append(out, fmt.Sprint(ev["text"]))
		}
	}
	return out
}

func (e *e2e) webPost(t *testing.T, body string) string {
	t.Helper()
	resp, err := http.Post(e.base+"/api/messages", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Conversation string }
	if resp.StatusCode != http.StatusAccepted || json.NewDecoder(resp.Body).Decode(&got) != nil {
		t.Fatalf("posting %s: %d", body, resp.StatusCode)
	}
	return got.Conversation
}

// The whole conversation in the web chat: the page, a message, a tapped
// button, the order lookup, a handoff to Zendesk, the agent's reply
// streamed to the browser and the CSAT question after "solved".
func TestServeWebChatToZendeskAndBack(t *testing.T) {
	e := startE2E(t)
	resp, err := http.Get(e.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	page.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(page.String(), "<html") {
		t.Fatalf("the chat page: %d", resp.StatusCode)
	}
	conv := e.webPost(t, `{"text":"hello","name":"Anna"}`)
	ev := e.follow(t, conv)
	waitFor(t, "the welcome", func() bool { return len(ev.texts("bot")) >= 1 })
	if got := ev.texts("bot")[0]; !strings.Contains(got, "Hi Anna! How can I help?") {
		t.Fatalf("the welcome: %q", got)
	}
	e.webPost(t, fmt.Sprintf(`{"conversation":%q,"payload":"order","label":"Order status"}`, conv))
	waitFor(t, "the order question", func() bool { return len(ev.texts("bot")) >= 2 })
	e.webPost(t, fmt.Sprintf(`{"conversation":%q,"text":"A12345"}`, conv))
	waitFor(t, "the order's answer", func() bool {
		return strings.Contains(strings.Join(ev.texts("bot"), "|"), "Your order A12345 arrives on 2026-03-05.")
	})
	e.webPost(t, fmt.Sprintf(`{"conversation":%q,"text":"agent"}`, conv))
	waitFor(t, "the Zendesk ticket", func() bool { return e.zd.count() == 1 })
	id := "web:site:" + conv
	if got := e.zd.ticket(0)["external_id"]; got != id {
		t.Errorf("ticket external_id %v, want %s", got, id)
	}
	e.zendesk(t, fmt.Sprintf(`{"event":"comment","ticket_id":"4001","conversation_id":%q,"comment":"Hi Anna, I'm Marco","author":"Marco","author_role":"agent"}`, id))
	waitFor(t, "the agent's reply in the page", func() bool { return strings.Contains(strings.Join(ev.texts("agent"), "|"), "Hi Anna, I'm Marco") })
	e.zendesk(t, fmt.Sprintf(`{"event":"status","ticket_id":"4001","conversation_id":%q,"status":"Solved","author":"Marco"}`, id))
	waitFor(t, "the CSAT question", func() bool {
		return strings.Contains(strings.Join(ev.texts("bot"), "|"), "How did we do, from 1 to 5?")
	})
}

// A menu whose option ids are over callback_data's 64 bytes (a long
// written id, an id in Greek letters: 2 bytes each) goes out as an inline
// keyboard all the same, each such button carrying the id's token; a tap
// on one chooses its option, read as its id.
func TestServeTelegramLongOptionIDs(t *testing.T) {
	tg := telegramtest.NewServer(t)
	dir := t.TempDir()
	long := strings.Repeat("richiesta_di_assistenza_", 4) // 96 bytes
	greek := strings.Repeat("ψ", 40)                      // 80 bytes
	flow := `flow: ids
languages: [it]
start: welcome
no_match: [{say: "Non ho capito."}]
states:
  welcome:
    say: Ciao! Cosa ti serve?
    menu:
      options:
        - {id: ` + long + `, label: Assistenza, goto: chosen}
        - {id: ` + greek + `, label: Ordini, goto: chosen}
        - {id: faq, label: FAQ, goto: chosen}
  chosen:
    say: "Scelta: {{ text }}"
    next: welcome
`
	flowPath := filepath.Join(dir, "ids.yaml")
	if err := os.WriteFile(flowPath, []byte(flow), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, dir, fmt.Sprintf(`
server: {listen: "127.0.0.1:0", shutdown_timeout: 5s}
store: {kind: memory}
channels:
  telegram:
    - {name: %s, flow: %s, token: %q, secret_token: %s, api_url: %s}
`, tg.BotName, flowPath, tg.Token, tg.SecretToken, tg.URL))
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), Host: []Option{WithPoll(10 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{srv: srv, tg: tg, base: serve(t, srv)}
	dora := telegramtest.From{ID: 5150, FirstName: "Dora"}
	e.telegram(t, e.tg.TextUpdate(dora, "ciao"))
	m := e.tgSent(t, 1)[0]
	var data []string
	for _, row := range m.Keyboard {
		data = append(data, row[0].Data)
	}
	want := []string{flows.OptionToken(long), flows.OptionToken(greek), "faq"}
	if !slices.Equal(data, want) || len(e.tg.Refusals()) > 0 {
		t.Fatalf("the menu went out as %q with keyboard %q (refusals %+v), want the keyboard %q", m.Text, data, e.tg.Refusals(), want)
	}
	for i, id := range []string{greek, long, "faq"} {
		e.telegram(t, e.tg.CallbackUpdate(dora, flows.ButtonID(id, 64)))
		msgs := e.tgSent(t, 3+2*i)
		if got := msgs[1+2*i].Text; got != "Scelta: "+id {
			t.Fatalf("after tapping %q: %q, want the option chosen by its id", id, got)
		}
	}
}
