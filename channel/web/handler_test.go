package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// receiver records messages; with echo it answers each through the
// handler, like a host running a flow.
type receiver struct {
	mu     sync.Mutex
	inputs []flows.Inbound
	fail   error
	echo   *Handler
}

func (r *receiver) Receive(ctx context.Context, in flows.Inbound) error {
	r.mu.Lock()
	if r.fail != nil {
		r.mu.Unlock()
		return r.fail
	}
	r.inputs = append(r.inputs, in)
	h := r.echo
	r.mu.Unlock()
	if h != nil {
		go h.Send(ctx, flows.Outbound{To: in.Contact, Reply: flows.Reply{From: "bot", Text: "You said " + in.Input.Text + in.Input.Payload,
			Options: []flows.ReplyOption{{ID: "yes", Number: 1, Title: "Yes"}, {ID: "no", Number: 2, Title: "No"}}}})
	}
	return nil
}

func (r *receiver) Status(context.Context, flows.DeliveryStatus) error { return nil }

func (r *receiver) got() []flows.Inbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]flows.Inbound(nil), r.inputs...)
}

type ids struct {
	mu sync.Mutex
	n  int
}

func (g *ids) next() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	return fmt.Sprintf("ID%022d", g.n)
}

func newTestHandler(t *testing.T, r flows.Receiver, rejects *[]string, opts ...Option) *Handler {
	t.Helper()
	var mu sync.Mutex
	g := &ids{}
	opts = append([]Option{WithClock(func() time.Time { return testNow }), WithIDs(g.next), WithRejectHook(func(reason string) {
		mu.Lock()
		*rejects = append(*rejects, reason)
		mu.Unlock()
	})}, opts...)
	h, err := NewHandler(r, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// serve starts a server for h that ends h's streams before closing.
func serve(t *testing.T, h *Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(func() { h.Close(); srv.Close() })
	return srv
}

func post(t *testing.T, h http.Handler, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(w, req)
	return w
}

func TestPostMessage(t *testing.T) {
	rec := &receiver{}
	var rejects []string
	h := newTestHandler(t, rec, &rejects, WithName("shop"))
	w := post(t, h, `{"text":"  Ciao, dov'è il mio ordine?  ","name":"Anna"}`)
	if w.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var a struct{ Conversation, ID string }
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil || a.Conversation == "" || a.ID == "" || a.Conversation == a.ID {
		t.Fatalf("answer %s", w.Body)
	}
	w = post(t, h, `{"conversation":"`+a.Conversation+`","id":"page-message-0001","payload":"order","label":"Stato ordine"}`)
	if w.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	got := rec.got()
	want := []flows.Inbound{
		{ID: "web:shop:" + a.Conversation + ":" + a.ID, Channel: "web", Account: "shop", ConversationID: "web:shop:" + a.Conversation,
			Contact: flows.Contact{ID: a.Conversation, Name: "Anna"}, Input: flows.Input{Kind: flows.InputMessage, At: testNow, Text: "Ciao, dov'è il mio ordine?"}, At: testNow},
		{ID: "web:shop:" + a.Conversation + ":page-message-0001", Channel: "web", Account: "shop", ConversationID: "web:shop:" + a.Conversation,
			Contact: flows.Contact{ID: a.Conversation}, Input: flows.Input{Kind: flows.InputMessage, At: testNow, Payload: "order"}, At: testNow},
	}
	if len(got) != 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got\n %+v\nwant\n %+v", got, want)
	}
	_, events, _ := h.convs.since(a.Conversation, "", testNow)
	var shown []string
	for _, e := range events {
		var r reply
		json.Unmarshal(e.data, &r)
		shown = append(shown, r.From+":"+r.Text)
	}
	if !slices.Equal(shown, []string{"user:Ciao, dov'è il mio ordine?", "user:Stato ordine"}) {
		t.Errorf("echoed %q: the button's label is shown, its id is what is processed", shown)
	}
	if len(rejects) != 0 {
		t.Errorf("rejects %q", rejects)
	}
}

func TestPostRefused(t *testing.T) {
	long := strings.Repeat("é", DefaultMaxText+1)
	tests := []struct {
		name, method, path, body string
		status                   int
		reason                   string
		ctype                    string // application/json if empty
	}{
		{"not JSON", "POST", "/api/messages", "text=hi", 400, RejectMalformed, ""},
		// What another site's page can send without a CORS preflight
		// (a form, a no-cors fetch, a beacon) is refused: it cannot start
		// a conversation in a visitor's browser.
		{"text/plain", "POST", "/api/messages", `{"text":"hi"}`, 415, RejectMediaType, "text/plain"},
		{"text/plain with charset", "POST", "/api/messages", `{"text":"hi"}`, 415, RejectMediaType, "text/plain;charset=UTF-8"},
		{"form", "POST", "/api/messages", "text=hi", 415, RejectMediaType, "application/x-www-form-urlencoded"},
		{"multipart", "POST", "/api/messages", "--x\r\n\r\nhi\r\n--x--", 415, RejectMediaType, "multipart/form-data; boundary=x"},
		{"no content type", "POST", "/api/messages", `{"text":"hi"}`, 415, RejectMediaType, "-"},
		{"malformed content type", "POST", "/api/messages", `{"text":"hi"}`, 415, RejectMediaType, "application/json; ="},
		{"empty", "POST", "/api/messages", `{"text":"   "}`, 400, RejectMalformed, ""},
		{"text too long", "POST", "/api/messages", `{"text":"` + long + `"}`, 413, RejectTooLarge, ""},
		{"body too large", "POST", "/api/messages", `{"text":"` + strings.Repeat("a", DefaultMaxBody) + `"}`, 413, RejectTooLarge, ""},
		{"bad conversation", "POST", "/api/messages", `{"conversation":"../etc","text":"hi"}`, 400, RejectBadID, ""},
		{"short id", "POST", "/api/messages", `{"id":"1","text":"hi"}`, 400, RejectBadID, ""},
		{"long payload", "POST", "/api/messages", `{"payload":"` + strings.Repeat("p", 257) + `"}`, 400, RejectMalformed, ""},
		{"GET messages", "GET", "/api/messages", "", 405, RejectMethod, ""},
		{"POST events", "POST", "/api/events", "", 405, RejectMethod, ""},
		{"POST page", "POST", "/", "", 405, RejectMethod, ""},
		{"unknown path", "GET", "/api/other", "", 404, RejectNotFound, ""},
		{"stream without conversation", "GET", "/api/events", "", 400, RejectBadID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &receiver{}
			var rejects []string
			h := newTestHandler(t, rec, &rejects)
			w := httptest.NewRecorder()
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			switch tt.ctype {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tt.ctype)
			}
			h.ServeHTTP(w, req)
			if w.Code != tt.status || !slices.Equal(rejects, []string{tt.reason}) || len(rec.got()) != 0 {
				t.Errorf("status %d rejects %q inputs %d, want %d %q and nothing received", w.Code, rejects, len(rec.got()), tt.status, tt.reason)
			}
		})
	}
	rec := &receiver{fail: errors.New("store down")}
	var rejects []string
	h := newTestHandler(t, rec, &rejects)
	if w := post(t, h, `{"conversation":"CONVERSATION000001","text":"hi"}`); w.Code != http.StatusServiceUnavailable {
		t.Errorf("receiver failure: %d", w.Code)
	}
	_, events, _ := h.convs.since("CONVERSATION000001", "", testNow)
	if len(events) != 1 || events[0].kind != "retract" {
		t.Errorf("a message the receiver refused is still shown: %d events", len(events))
	}
	// The page posts it again with the same id: shown once, received once.
	rec.fail = nil
	for range 2 {
		if w := post(t, h, `{"conversation":"CONVERSATION000001","id":"MESSAGE00000000001","text":"hi"}`); w.Code != http.StatusAccepted {
			t.Fatalf("retry: %d", w.Code)
		}
	}
	_, events, _ = h.convs.since("CONVERSATION000001", "", testNow)
	if len(events) != 2 || events[1].kind != "message" || len(rec.got()) != 2 {
		t.Errorf("after two posts of one message: %d events, %d received (the Inbox drops the second)", len(events), len(rec.got()))
	}
}

// sse reads a stream's events.
type sse struct {
	resp *http.Response
	r    *bufio.Reader
}

func openStream(t *testing.T, url, conversation, last string) *sse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/api/events?conversation="+conversation, nil)
	if last != "" {
		req.Header.Set("Last-Event-ID", last)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &sse{resp: resp, r: bufio.NewReader(resp.Body)}
}

// next returns the next message event's id and reply; io.EOF when the
// stream ended.
func (s *sse) next() (string, reply, error) {
	var id, data string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return "", reply{}, err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		case line == "" && data != "":
			var r reply
			err := json.Unmarshal([]byte(data), &r)
			return id, r, err
		}
	}
}

func TestStreamResume(t *testing.T) {
	rec := &receiver{}
	var rejects []string
	h := newTestHandler(t, rec, &rejects)
	srv := serve(t, h)
	const conv = "CONVERSATION000001"
	ctx := context.Background()
	send := func(text string) {
		if err := h.Send(ctx, flows.Outbound{To: flows.Contact{ID: conv}, Reply: flows.Reply{Text: text, From: "bot"}}); err != nil {
			t.Fatal(err)
		}
	}
	send("one")
	s := openStream(t, srv.URL, conv, "")
	if ct := s.resp.Header.Get("Content-Type"); s.resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("%d %q", s.resp.StatusCode, ct)
	}
	id1, r, err := s.next()
	if err != nil || r.Text != "one" || r.From != "bot" {
		t.Fatalf("first event %q %+v %v", id1, r, err)
	}
	send("two")
	id2, r, err := s.next()
	if err != nil || r.Text != "two" || id2 == id1 {
		t.Fatalf("live event %q %+v %v", id2, r, err)
	}
	s.resp.Body.Close()

	send("three")
	send("four")
	s = openStream(t, srv.URL, conv, id2) // a reconnecting EventSource
	var got []string
	for range 2 {
		_, r, err := s.next()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Text)
	}
	if !slices.Equal(got, []string{"three", "four"}) {
		t.Errorf("resumed with %q, want three and four", got)
	}
	s.resp.Body.Close()

	// An id of an earlier life of the conversation (a restart): everything kept.
	s = openStream(t, srv.URL, conv, "OLDEPOCH-3")
	if _, r, _ := s.next(); r.Text != "one" {
		t.Errorf("after a restart the stream starts with %q, want one", r.Text)
	}
}

func TestStreamBounds(t *testing.T) {
	rec := &receiver{}
	var rejects []string
	h := newTestHandler(t, rec, &rejects, WithLimits(0, 0, 5, 2, 3), WithTimeouts(150*time.Millisecond, 20*time.Millisecond, 0))
	srv := serve(t, h)
	ctx := context.Background()
	conv := func(i int) string { return fmt.Sprintf("CONVERSATION%06d", i) }
	for i := range 12 {
		h.Send(ctx, flows.Outbound{To: flows.Contact{ID: conv(1)}, Reply: flows.Reply{Text: fmt.Sprint(i)}})
	}
	s := openStream(t, srv.URL, conv(1), "")
	var got []string
	for range 5 {
		_, r, err := s.next()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Text)
	}
	if !slices.Equal(got, []string{"7", "8", "9", "10", "11"}) {
		t.Errorf("buffer kept %q, want the last 5", got)
	}
	s2 := openStream(t, srv.URL, conv(1), "")
	s3 := openStream(t, srv.URL, conv(1), "")
	if s2.resp.StatusCode != 200 || s3.resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("streams: %d %d, want 200 429", s2.resp.StatusCode, s3.resp.StatusCode)
	}
	// The idle timeout ends a stream that gets nothing, heartbeats aside.
	start := time.Now()
	if _, _, err := s.next(); err != io.EOF {
		t.Errorf("idle stream: %v, want EOF", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the idle stream was not closed")
	}
	s2.resp.Body.Close()
	for deadline := time.Now().Add(5 * time.Second); ; { // the closed streams' handlers return
		h.convs.mu.Lock()
		open := h.convs.m[conv(1)].streams
		h.convs.mu.Unlock()
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d streams still open", open)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := 2; i <= 5; i++ { // four more conversations: with a max of 3, the oldest unwatched go
		h.Send(ctx, flows.Outbound{To: flows.Contact{ID: conv(i)}, Reply: flows.Reply{Text: "hi"}})
	}
	h.convs.mu.Lock()
	n := len(h.convs.m)
	_, kept := h.convs.m[conv(1)]
	h.convs.mu.Unlock()
	if n != 3 || kept {
		t.Errorf("%d conversations kept (conversation 1 kept: %v), want 3 without it", n, kept)
	}
	if !slices.Contains(rejects, RejectTooMany) {
		t.Errorf("rejects %q", rejects)
	}
}

func TestCloseEndsStreams(t *testing.T) {
	var rejects []string
	h := newTestHandler(t, &receiver{}, &rejects)
	srv := serve(t, h)
	s := openStream(t, srv.URL, "CONVERSATION000001", "")
	done := make(chan error, 1)
	go func() { _, _, err := s.next(); done <- err }()
	h.Close()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Errorf("stream ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the stream")
	}
	if s := openStream(t, srv.URL, "CONVERSATION000001", ""); s.resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d", s.resp.StatusCode)
	}
}

func TestPageAndAssets(t *testing.T) {
	var rejects []string
	h := newTestHandler(t, &receiver{}, &rejects, WithTitle(`Shop <support>`))
	for _, tt := range []struct{ path, ctype, contains string }{
		{"/", "text/html; charset=utf-8", "<title>Shop &lt;support&gt;</title>"},
		{"/assets/chat.js", "text/javascript; charset=utf-8", "EventSource"},
		{"/assets/chat.css", "text/css; charset=utf-8", ".options button"},
		{"/chat/assets/chat.js", "text/javascript; charset=utf-8", "api/messages"}, // mounted under a prefix
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if w.Code != 200 || w.Header().Get("Content-Type") != tt.ctype || !strings.Contains(w.Body.String(), tt.contains) {
			t.Errorf("%s: %d %q, body without %q", tt.path, w.Code, w.Header().Get("Content-Type"), tt.contains)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	if w := httptest.NewRecorder(); true {
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/assets/nope.js", nil))
		if w.Code != 404 {
			t.Errorf("missing asset: %d", w.Code)
		}
	}
	// The page's template is not an asset: served raw it is a broken chat
	// titled {{.Title}}, without the page's headers.
	for _, p := range []string{"/assets/", "/assets/index.html", "/chat/assets/", "/assets//", "/assets/./", "/assets/x/../", "/assets//index.html"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil))
		if w.Code != 404 || strings.Contains(w.Body.String(), "{{") {
			t.Errorf("%s: %d %q, want 404", p, w.Code, w.Body.String())
		}
	}
}

func TestSendToBadContact(t *testing.T) {
	var rejects []string
	h := newTestHandler(t, &receiver{}, &rejects)
	err := h.Send(context.Background(), flows.Outbound{To: flows.Contact{ID: "393331234567"}})
	var ce *flows.ChannelError
	if !errors.As(err, &ce) || ce.Temporary {
		t.Errorf("err = %v", err)
	}
	if _, err := NewHandler(&receiver{}, WithName("a b")); err == nil {
		t.Error("a name with a space was accepted")
	}
}

func TestPostRate(t *testing.T) {
	rec := &receiver{}
	var rejects []string
	now := testNow
	h := newTestHandler(t, rec, &rejects, WithRate(3, 0.5), WithClock(func() time.Time { return now }))
	var codes []int
	for range 4 {
		codes = append(codes, post(t, h, `{"conversation":"CONVERSATION000001","text":"hi"}`).Code)
	}
	now = now.Add(2 * time.Second) // one post back
	codes = append(codes, post(t, h, `{"conversation":"CONVERSATION000001","text":"hi"}`).Code)
	codes = append(codes, post(t, h, `{"conversation":"CONVERSATION000001","text":"hi"}`).Code)
	codes = append(codes, post(t, h, `{"conversation":"CONVERSATION000002","text":"hi"}`).Code) // another conversation has its own
	if want := []int{202, 202, 202, 429, 202, 429, 202}; !slices.Equal(codes, want) {
		t.Errorf("codes %v, want %v", codes, want)
	}
	if len(rec.got()) != 5 || !slices.Equal(rejects, []string{RejectRate, RejectRate}) {
		t.Errorf("%d received, rejects %q", len(rec.got()), rejects)
	}
}

// A server's WriteTimeout (baton serve sets 60s) bounds a request, not an
// event stream: the stream lives until its own idle timeout, and an event
// sent after the server's timeouts reaches it at once.
func TestStreamOutlivesServerTimeouts(t *testing.T) {
	var rejects []string
	h := newTestHandler(t, &receiver{}, &rejects, WithTimeouts(time.Minute, 10*time.Millisecond, 0))
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout = 50 * time.Millisecond
	srv.Config.WriteTimeout = 100 * time.Millisecond
	srv.Start()
	t.Cleanup(func() { h.Close(); srv.Close() })
	const conv = "CONVERSATION000001"
	s := openStream(t, srv.URL, conv, "")
	for start := time.Now(); time.Since(start) < 300*time.Millisecond; { // heartbeats, past both timeouts
		if _, err := s.r.ReadString('\n'); err != nil {
			t.Fatalf("the stream ended after %v (%v), long before its idle timeout", time.Since(start).Round(time.Millisecond), err)
		}
	}
	if err := h.Send(context.Background(), flows.Outbound{To: flows.Contact{ID: conv}, Reply: flows.Reply{Text: "late reply"}}); err != nil {
		t.Fatal(err)
	}
	if _, r, err := s.next(); err != nil || r.Text != "late reply" {
		t.Fatalf("after the server's timeouts: %+v %v, want the late reply", r, err)
	}
}

// The conversations kept never pass their bound: streams across
// conversations stay fewer than the conversations kept (503 with
// Retry-After beyond), so there is always one without a stream to evict.
func TestOpenStreamsBounded(t *testing.T) {
	var rejects []string
	h := newTestHandler(t, &receiver{}, &rejects, WithLimits(0, 0, 0, 1, 3))
	srv := serve(t, h)
	conv := func(i int) string { return fmt.Sprintf("CONVERSATION%06d", i) }
	var codes []int
	for i := 1; i <= 3; i++ {
		s := openStream(t, srv.URL, conv(i), "")
		codes = append(codes, s.resp.StatusCode)
		if s.resp.StatusCode == http.StatusServiceUnavailable && s.resp.Header.Get("Retry-After") == "" {
			t.Error("a 503 without Retry-After")
		}
	}
	if want := []int{200, 200, 503}; !slices.Equal(codes, want) {
		t.Errorf("streams on three conversations (3 kept): %v, want %v", codes, want)
	}
	for i := 4; i <= 6; i++ {
		if w := post(t, h, `{"conversation":"`+conv(i)+`","text":"hi"}`); w.Code != http.StatusAccepted {
			t.Errorf("post to conversation %d: %d %s", i, w.Code, w.Body)
		}
	}
	h.convs.mu.Lock()
	n := len(h.convs.m)
	h.convs.mu.Unlock()
	if n > 3 {
		t.Errorf("%d conversations kept, over the bound of 3", n)
	}
	if !slices.Contains(rejects, RejectStreamsFull) {
		t.Errorf("rejects %q, want %s", rejects, RejectStreamsFull)
	}
}

// Every answer says X-Content-Type-Options: nosniff: the script and the
// style sheet, the page, the API's JSON and its event stream, so that no
// browser reads one as another type (an answer as a script or a page).
func TestNoSniff(t *testing.T) {
	var rejects []string
	h := newTestHandler(t, &receiver{}, &rejects)
	srv := serve(t, h)
	for _, tt := range []struct{ method, path, body string }{
		{"GET", "/", ""},
		{"GET", "/assets/chat.js", ""},
		{"HEAD", "/assets/chat.css", ""},
		{"GET", "/chat/assets/chat.css", ""},
		{"GET", "/assets/nope.js", ""},
		{"POST", "/api/messages", `{"text":"hi"}`},
		{"POST", "/api/messages", `{"text":""}`},
		{"GET", "/api/events?conversation=CONVERSATION000001", ""},
	} {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: %d with X-Content-Type-Options %q, want nosniff", tt.method, tt.path, resp.StatusCode, got)
		}
	}
}

// POST /api/messages takes JSON, said as such (with or without a
// charset, in any case); anything else gets 415 and says what to send.
func TestPostContentType(t *testing.T) {
	rec := &receiver{}
	var rejects []string
	h := newTestHandler(t, rec, &rejects)
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON"} {
		req := httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(`{"text":"hi"}`))
		req.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusAccepted {
			t.Errorf("Content-Type %q: %d %s, want 202", ct, w.Code, w.Body)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(`{"text":"hi"}`))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusUnsupportedMediaType || !strings.Contains(w.Body.String(), "Content-Type: application/json") {
		t.Errorf("text/plain: %d %q, want 415 naming Content-Type: application/json", w.Code, w.Body)
	}
	if len(rec.got()) != 3 || !slices.Equal(rejects, []string{RejectMediaType}) {
		t.Errorf("%d received, rejects %q", len(rec.got()), rejects)
	}
}

// The API answers its own page only: a browser's request for another
// site's page (Sec-Fetch-Site cross-site or same-site, a sibling
// subdomain's) gets 403 and opens or receives nothing; the page's own
// (same-origin), one typed in the address bar (none) and a client that
// is not a browser (no header) are served.
func TestCrossSiteRefused(t *testing.T) {
	for _, tt := range []struct {
		site   string
		status int // of the post; the stream's is 200 for a 202
	}{
		{"cross-site", 403}, {"same-site", 403}, {"same-origin", 202}, {"none", 202}, {"", 202},
	} {
		rec := &receiver{}
		var rejects []string
		h := newTestHandler(t, rec, &rejects)
		srv := serve(t, h)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/messages", strings.NewReader(`{"conversation":"CONVERSATION000001","text":"hi"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", tt.site)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		req, _ = http.NewRequest(http.MethodGet, srv.URL+"/api/events?conversation=CONVERSATION000002", nil)
		req.Header.Set("Sec-Fetch-Site", tt.site)
		stream, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		stream.Body.Close()
		wantStream, wantReceived, wantRejects := http.StatusOK, 1, []string(nil)
		if tt.status == http.StatusForbidden {
			wantStream, wantReceived, wantRejects = http.StatusForbidden, 0, []string{RejectCrossSite, RejectCrossSite}
		}
		h.convs.mu.Lock()
		kept := len(h.convs.m)
		h.convs.mu.Unlock()
		if resp.StatusCode != tt.status || stream.StatusCode != wantStream || len(rec.got()) != wantReceived || !slices.Equal(rejects, wantRejects) ||
			(tt.status == http.StatusForbidden && kept != 0) {
			t.Errorf("Sec-Fetch-Site %q: post %d, stream %d, %d received, %d conversations kept, rejects %q; want %d, %d, %d, %q",
				tt.site, resp.StatusCode, stream.StatusCode, len(rec.got()), kept, rejects, tt.status, wantStream, wantReceived, wantRejects)
		}
	}
}

// A stream opened without Sec-Fetch-Site (an older browser, or a client
// that is not a browser) is refused for another origin's page by its
// Origin: an opaque one, another host, or the same host on another port
// or scheme's default. One without Origin (the page's own, same-origin),
// one naming the request's host, or behind a proxy the X-Forwarded-Host,
// is served; where Sec-Fetch-Site is sent, it decides.
func TestStreamCrossOrigin(t *testing.T) {
	for _, tt := range []struct {
		origin, forwarded, site string
		status                  int
	}{
		{"", "", "", 200},
		{"http://chat.example.com", "", "", 200},
		{"http://CHAT.example.com", "", "", 200},
		{"https://chat.example.com", "chat.example.com, proxy.internal", "", 200},
		{"http://evil.example", "", "", 403},
		{"http://chat.example.com:8080", "", "", 403},
		{"null", "", "", 403},
		{"http://evil.example", "chat.example.com", "", 403},
		{"http://evil.example", "", "same-origin", 200},
	} {
		var rejects []string
		h := newTestHandler(t, &receiver{}, &rejects, WithTimeouts(time.Millisecond, 0, 0))
		req := httptest.NewRequest(http.MethodGet, "http://chat.example.com/api/events?conversation=CONVERSATION000001", nil)
		for k, v := range map[string]string{"Origin": tt.origin, "X-Forwarded-Host": tt.forwarded, "Sec-Fetch-Site": tt.site} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		h.convs.mu.Lock()
		kept := len(h.convs.m)
		h.convs.mu.Unlock()
		if w.Code != tt.status || (tt.status == 403 && (kept != 0 || !slices.Equal(rejects, []string{RejectCrossSite}))) {
			t.Errorf("Origin %q, X-Forwarded-Host %q, Sec-Fetch-Site %q: %d, %d conversations kept, rejects %q; want %d", tt.origin, tt.forwarded, tt.site, w.Code, kept, rejects, tt.status)
		}
	}
}
