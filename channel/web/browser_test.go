package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/internal/browsertest"
)

// TestChatPageInBrowser talks to a bot through the page in headless
// Chromium: a typed message, the reply's buttons rendered as buttons, a
// tap that posts the option's id, and the conversation restored after a
// reload.
func TestChatPageInBrowser(t *testing.T) {
	rec, srv := echoServer(t, WithTitle("Shop support"))

	ctx := browser(t)

	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(js string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	run(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text")))
	// Before the first message there is no stream yet, but the chat is
	// there: the header must not tell the customer it is offline.
	if st := eval(`[document.getElementById("status").textContent]`); st[0] != "" {
		t.Errorf("a fresh page's status says %q, want nothing", st[0])
	}
	run(chromedp.SendKeys(chromedp.ID("text"), "hello"),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.CSS(`#log li.bot .options button[data-id="yes"]`)))
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	firstReply, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#log li.bot`)))
	if err != nil {
		t.Fatal(err)
	}
	buttons := eval(`Array.from(document.querySelectorAll("#log li.bot .options button")).map(b => b.tagName + ":" + b.textContent)`)
	run(chromedp.Click(chromedp.CSS(`#log li.bot .options button[data-id="yes"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#log li.bot:nth-of-type(4)`)))
	if title != "Shop support" || !strings.HasPrefix(firstReply, "You said hello") {
		t.Errorf("title %q, first reply %q", title, firstReply)
	}
	if strings.Join(buttons, ",") != "BUTTON:Yes,BUTTON:No" {
		t.Errorf("buttons %q", buttons)
	}
	got := rec.got()
	if len(got) != 2 || got[0].Input.Text != "hello" || got[1].Input.Payload != "yes" || got[1].Input.Text != "" || got[0].ConversationID != got[1].ConversationID {
		t.Fatalf("received %+v", got)
	}

	run(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#log li.bot:nth-of-type(4)`)))
	log := eval(`Array.from(document.querySelectorAll("#log > li")).map(li => li.className + ":" + li.firstChild.textContent)`)
	disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#log li.bot .options button").disabled`))
	if err != nil {
		t.Fatal(err)
	}
	want := "user:hello|bot:You said hello|user:Yes|bot:You said yes"
	if strings.Join(log, "|") != want {
		t.Errorf("after a reload the page shows %q, want %q", log, want)
	}
	if !disabled {
		t.Error("the first menu's buttons stay enabled after a newer menu")
	}
}

// An EventSource gives up for good when a reconnection is answered
// anything but 200 (a proxy's 502 while the process restarts, 503 while
// it shuts down, 429 for too many streams); the page opens the stream
// again itself, resuming after the last event it showed.
func TestChatPageReconnectsAfterRefusal(t *testing.T) {
	rec := &receiver{}
	h, err := NewHandler(rec, WithTimeouts(300*time.Millisecond, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	rec.echo = h
	var mu sync.Mutex
	refuse, refused := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		no := strings.HasSuffix(r.URL.Path, "/api/events") && refuse > 0
		if no {
			refuse--
			refused++
		}
		mu.Unlock()
		if no {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { h.Close(); srv.Close() })

	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.SendKeys(chromedp.ID("text"), "hello"),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
		t.Fatal(err)
	}
	conv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`localStorage.getItem("baton.conversation.site")`))
	if err != nil {
		t.Fatal(err)
	}
	// The stream ends (its idle timeout); the browser's reconnection is refused.
	mu.Lock()
	refuse = 1
	mu.Unlock()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := refused
		mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the browser did not reconnect after the stream ended")
		}
	}
	if err := h.Send(context.Background(), flows.Outbound{To: flows.Contact{ID: conv}, Reply: flows.Reply{Text: "Marco here"}}); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`#log li.bot:nth-of-type(3)`))); err != nil {
		t.Fatalf("the reply sent after a refused reconnection never showed: %v", err)
	}
	log, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#log > li")).map(li => li.className + ":" + li.firstChild.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "user:hello|bot:You said hello|bot:Marco here"; strings.Join(log, "|") != want {
		t.Errorf("the page shows %q, want %q", log, want)
	}
}

// The answer to the first message is lost (a proxy's 502 after Baton
// took it): the page's retry goes to the same conversation with the same
// message id, so the Inbox drops it, instead of starting a second
// conversation where the message is processed again.
func TestChatPageFirstMessageRetry(t *testing.T) {
	rec := &receiver{}
	h, err := NewHandler(rec)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	lose := 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lost := strings.HasSuffix(r.URL.Path, "/api/messages") && lose > 0
		if lost {
			lose--
		}
		mu.Unlock()
		if lost {
			h.ServeHTTP(httptest.NewRecorder(), r)
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { h.Close(); srv.Close() })

	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.SendKeys(chromedp.ID("text"), "hello"),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.CSS(`#status.online`))); err != nil {
		t.Fatal(err)
	}
	got := rec.got()
	if len(got) != 2 || got[0].ID != got[1].ID {
		t.Fatalf("the retried first message reached the receiver as %d messages %+v, want twice with one id (the Inbox keeps one)", len(got), got)
	}
}

// echoServer serves a chat handler whose receiver echoes every message
// back, with the menus of receiver.echo, until the test ends.
func echoServer(t *testing.T, opts ...Option) (*receiver, *httptest.Server) {
	t.Helper()
	rec := &receiver{}
	h, err := NewHandler(rec, opts...)
	if err != nil {
		t.Fatal(err)
	}
	rec.echo = h
	return rec, serve(t, h)
}

// browser is a headless Chromium tab for the test, closed when it ends;
// its context only ends a hang (Chromium starts slowly on a busy machine).
func browser(t *testing.T) context.Context {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browsertest.Options(browsertest.Chromium(t), t.TempDir())...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancel(); cancelTab(); cancelAlloc() })
	return ctx
}

// A message in Hebrew or Arabic reads right to left, in the log and in
// the input while it is typed; one in English stays left to right.
func TestChatPageRightToLeft(t *testing.T) {
	_, srv := echoServer(t)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.SendKeys(chromedp.ID("text"), "שלום, איפה ההזמנה שלי?")); err != nil {
		t.Fatal(err)
	}
	typing, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById("text")).direction`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
		t.Fatal(err)
	}
	dirs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#log > li")).map(li => li.className + ":" + getComputedStyle(li).direction)`))
	if err != nil {
		t.Fatal(err)
	}
	// The bot's reply starts "You said": English, left to right.
	if typing != "rtl" || strings.Join(dirs, ",") != "user:rtl,bot:ltr" {
		t.Errorf("Hebrew reads %q in the input and %q in the log, want rtl and user:rtl,bot:ltr", typing, dirs)
	}
}

// Two tabs of the page, both opened before the conversation starts: the
// first message in one starts the conversation in both, and the other
// tab's messages join it rather than starting a second conversation that
// takes the first one's place in the browser's storage.
func TestChatPageTwoTabs(t *testing.T) {
	rec, srv := echoServer(t)
	a := browser(t)
	if err := chromedp.Do(a, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text"))); err != nil {
		t.Fatal(err)
	}
	b, cancel := chromedp.NewContext(a)
	defer cancel()
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(a, chromedp.SendKeys(chromedp.ID("text"), "from A"), chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(b, 5*time.Second)
	defer wcancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
		t.Errorf("the second tab does not show the conversation the first one started: %v", err)
	}
	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.ID("text"), "from B"), chromedp.Click(chromedp.ID("send"))); err != nil {
		t.Fatal(err)
	}
	got := rec.got()
	for deadline := time.Now().Add(10 * time.Second); len(got) < 2 && time.Now().Before(deadline); got = rec.got() {
		time.Sleep(20 * time.Millisecond)
	}
	if len(got) != 2 || got[0].ConversationID != got[1].ConversationID {
		t.Fatalf("the tabs' messages reached the receiver as %+v, want one conversation", got)
	}
}

// Keyboard only: Enter sends and the focus stays in the input, the reply's
// buttons are reached with Shift+Tab and pressed with Enter, and the focus
// then moves to the next menu's buttons, never lost on the disabled one.
func TestChatPageKeyboard(t *testing.T) {
	rec, srv := echoServer(t)
	ctx := browser(t)
	focused := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(e => e.tagName + (e.id ? "#" + e.id : "") + ":" + e.textContent + (e.disabled ? ":disabled" : ""))(document.activeElement)`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.KeyEvent("hello\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.bot button[data-id="no"]`))); err != nil {
		t.Fatal(err)
	}
	if f := focused(); f != "INPUT#text:" {
		t.Errorf("after Enter the focus is on %q, want the input", f)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\t", chromedp.KeyModifiers(chromedp.ModifierShift))); err != nil {
		t.Fatal(err)
	}
	if f := focused(); f != "BUTTON:No" {
		t.Fatalf("Shift+Tab from the input reaches %q, want the No button", f)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.bot:nth-of-type(4) button`))); err != nil {
		t.Fatal(err)
	}
	if f := focused(); f != "BUTTON:Yes" {
		t.Errorf("after the tap and the next menu the focus is on %q, want that menu's first button", f)
	}
	if got := rec.got(); len(got) != 2 || got[1].Input.Payload != "no" {
		t.Errorf("received %+v", got)
	}
}

// A list menu of more than three options, each with a description, on a
// phone's narrow screen: every option is a button that shows its
// description (no tooltip on a touch screen), and nothing overflows the
// screen's width. The texts are the flow's, shown as text: markup in
// them stays text.
func TestChatPageListMenu(t *testing.T) {
	rec := &receiver{}
	h, err := NewHandler(rec)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, h)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 640, chromedp.EmulateMobile), chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("text")), chromedp.KeyEvent("hi\r"), chromedp.WaitVisible(chromedp.CSS(`#status.online`))); err != nil {
		t.Fatal(err)
	}
	got := rec.got()
	if len(got) != 1 {
		t.Fatalf("received %+v", got)
	}
	r := flows.Reply{Text: "Which one?\nPick below: https://shop.example.com/help?a=1&b=2", Style: flows.MenuList}
	for _, n := range []string{"Orders", "Returns", "Billing", "Shipping", "Account", "<img src=x onerror=window.pwned=1>"} {
		r.Options = append(r.Options, flows.ReplyOption{ID: strings.ToLower(n[:3]), Title: n, Description: "About " + n + ", in detail"})
	}
	if err := h.Send(context.Background(), flows.Outbound{To: got[0].Contact, Reply: r}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#log li.bot .options button:nth-child(6)`))); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#log li.bot .options button")).map(b => b.innerText.replace(/\s+/g, " "))`))
	if err != nil {
		t.Fatal(err)
	}
	page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([document.documentElement.scrollWidth, innerWidth, document.images.length, String(window.pwned), document.querySelector("#log li.bot").firstChild.textContent])`))
	if err != nil {
		t.Fatal(err)
	}
	want := "Orders About Orders, in detail|Returns About Returns, in detail|Billing About Billing, in detail|Shipping About Shipping, in detail|Account About Account, in detail|<img src=x onerror=window.pwned=1> About <img src=x onerror=window.pwned=1>, in detail"
	if strings.Join(shown, "|") != want {
		t.Errorf("the list's buttons show %q, want %q", shown, want)
	}
	if want := `[360,360,0,"undefined","Which one?\nPick below: https://shop.example.com/help?a=1&b=2"]`; page != want {
		t.Errorf("page width, its width, images, injected script, text: %s, want %s", page, want)
	}
}

// On a slow connection the customer may type and press Enter before the
// page's script has arrived: the message must not be submitted as a
// plain form (a reload that loses it and puts it in the address), but
// stay in the input, sent by the next Enter once the page is ready.
func TestChatPageEnterBeforeScript(t *testing.T) {
	rec := &receiver{}
	h, err := NewHandler(rec)
	if err != nil {
		t.Fatal(err)
	}
	rec.echo = h
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat.js") {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { h.Close(); srv.Close() })
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href = `+"`"+srv.URL+"/`")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("text")), chromedp.Click(chromedp.ID("text")),
		chromedp.KeyEvent("hello\r"), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	close(release)
	where, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search + "|" + document.getElementById("text").value`))
	if err != nil {
		t.Fatal(err)
	}
	if where != "|hello" {
		t.Fatalf("Enter before the script loaded left the page at %q (address query|input), want |hello", where)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#log li.hint`)), chromedp.Click(chromedp.ID("text")), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
		t.Fatal(err)
	}
	if got := rec.got(); len(got) != 1 || got[0].Input.Text != "hello" {
		t.Errorf("received %+v", got)
	}
}

// A double tap on a menu's button chooses the option once: the second
// tap would reach the flow in its next state, as if the customer had
// typed the option's id there.
func TestChatPageDoubleTap(t *testing.T) {
	rec, srv := echoServer(t)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.KeyEvent("hello\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.bot button[data-id="yes"]`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(b => { b.click(); b.click(); return true })(document.querySelector('#log li.bot button[data-id="yes"]'))`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#log li.bot:nth-of-type(4)`)), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	var payloads []string
	for _, in := range rec.got() {
		payloads = append(payloads, in.Input.Text+in.Input.Payload)
	}
	if strings.Join(payloads, ",") != "hello,yes" {
		t.Errorf("a double tap on Yes sent %q, want hello,yes", payloads)
	}
}

// A browser that blocks site data (Chrome's "Block all cookies") throws
// on any use of localStorage: the customer can still chat, in a
// conversation the page keeps until it is closed.
func TestChatPageWithoutStorage(t *testing.T) {
	rec, srv := echoServer(t)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `Object.defineProperty(window, "localStorage", {get() { throw new DOMException("access is denied", "SecurityError") }})`,
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.KeyEvent("hello\r")); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.Click(chromedp.CSS(`#log li.bot button[data-id="yes"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#log li.bot:nth-of-type(4)`))); err != nil {
		t.Fatalf("without localStorage the chat does not work: %v", err)
	}
	if got := rec.got(); len(got) != 2 || got[0].ConversationID != got[1].ConversationID {
		t.Errorf("received %+v", got)
	}
}

// A message that cannot be sent comes back to the input; what the
// customer typed meanwhile stays there too.
func TestChatPageFailedSendKeepsNewText(t *testing.T) {
	rec := &receiver{}
	h, err := NewHandler(rec)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/api/messages") {
			time.Sleep(500 * time.Millisecond)
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many messages; wait a moment", http.StatusTooManyRequests)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { h.Close(); srv.Close() })
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.KeyEvent("first\r"), chromedp.KeyEvent("second"), chromedp.WaitVisible(chromedp.CSS(`#status:not(:empty)`))); err != nil {
		t.Fatal(err)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("text").value`))
	if err != nil {
		t.Fatal(err)
	}
	if v != "first second" {
		t.Errorf("after the refused send the input holds %q, want %q", v, "first second")
	}
}

// A menu the customer answered stays answered after a reload: its
// buttons are disabled, as they were before it, so a tap cannot send the
// old choice into the conversation's next state.
func TestChatPageAnsweredMenuAfterReload(t *testing.T) {
	rec := &receiver{}
	h, err := NewHandler(rec)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, h)
	ctx := browser(t)
	reply := func(r flows.Reply) {
		t.Helper()
		got := rec.got()
		if err := h.Send(context.Background(), flows.Outbound{To: got[len(got)-1].Contact, Reply: r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.KeyEvent("hi\r"), chromedp.WaitVisible(chromedp.CSS(`#status.online`))); err != nil {
		t.Fatal(err)
	}
	reply(flows.Reply{Text: "Track an order?", Options: []flows.ReplyOption{{ID: "yes", Title: "Yes"}, {ID: "no", Title: "No"}}})
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#log li.bot button[data-id="yes"]`)), chromedp.WaitVisible(chromedp.CSS(`#log li.user:nth-of-type(3)`))); err != nil {
		t.Fatal(err)
	}
	reply(flows.Reply{Text: "Your order number?"})
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#log li.bot:nth-of-type(4)`)),
		chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#log li.bot:nth-of-type(4)`))); err != nil {
		t.Fatal(err)
	}
	enabled, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#log .options button:enabled")).map(b => b.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(enabled) != 0 {
		t.Errorf("after a reload the answered menu's buttons %q can be tapped again", enabled)
	}
}

// Another site's page cannot talk in the chat through its visitor's
// browser: whatever it can send without a CORS preflight (a no-cors
// fetch, a fetch of a Blob without a type, a beacon, a form posting
// text/plain that reads as JSON) is refused, and what needs a preflight
// never gets past it. The chat is served at 127.0.0.1, the other site at
// localhost: another origin, another site.
func TestChatAPICrossSite(t *testing.T) {
	rec, srv := echoServer(t)
	chat := srv.URL
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><iframe name="sink"></iframe>
<form id="f" method="post" enctype="text/plain" target="sink" action="` + chat + `/api/messages"><input name='{"text":"a form","x":"' value='"}'></form>
<script>
const url = "` + chat + `/api/messages";
const body = JSON.stringify({text: "a cross-site message"});
document.querySelector("iframe").onload = () => { window.formDone = true; };
window.tries = Promise.allSettled([
  fetch(url, {method: "POST", mode: "no-cors", body}),
  fetch(url, {method: "POST", mode: "no-cors", body: new Blob([body])}),
  fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body}),
]).then((rs) => { navigator.sendBeacon(url, body); document.getElementById("f").submit(); return rs.map((r) => r.status + ":" + (r.value ? r.value.status : r.reason)); });
</script>`))
	}))
	t.Cleanup(evil.Close)
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)

	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(evilURL+"/")); err != nil {
		t.Fatal(err)
	}
	tries, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.tries`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`window.formDone === true`), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if got := rec.got(); len(got) != 0 {
		var texts []string
		for _, in := range got {
			texts = append(texts, in.Input.Text)
		}
		t.Errorf("another site's page posted %q into the chat (its fetches: %q)", texts, tries)
	}
}

// Another site's page cannot hold the chat's event streams open through
// its visitors' browsers (an image, a script, a no-cors fetch and
// EventSources pointed at /api/events): a popular page doing so would
// take every stream the handler allows, and real customers would get 503.
// None is opened, and no conversation is made for them.
func TestChatStreamCrossSite(t *testing.T) {
	var rejects []string
	h := newTestHandler(t, &receiver{}, &rejects)
	srv := serve(t, h)
	events := srv.URL + "/api/events?conversation="
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><script>
window.done = [];
const img = new Image(); img.onload = img.onerror = () => done.push("img"); img.src = "` + events + `IMAGEIMAGEIMAGEIMAGE";
const s = document.createElement("script"); s.onload = s.onerror = () => done.push("script"); s.src = "` + events + `SCRIPTSCRIPTSCRIPTSCRIPT"; document.head.appendChild(s);
fetch("` + events + `FETCHFETCHFETCHFETCH", {mode: "no-cors"}).then(() => done.push("fetch"), () => done.push("fetch"));
for (let i = 0; i < 3; i++) {
  const es = new EventSource("` + events + `EVENTSOURCE00000000" + i);
  es.onmessage = (e) => done.push("read " + e.data);
  es.onerror = () => { if (es.readyState === EventSource.CLOSED) done.push("es"); };
}
</script>`))
	}))
	t.Cleanup(evil.Close)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)+"/")); err != nil {
		t.Fatal(err)
	}
	// The image and the script may wait for a stream that stays open:
	// the EventSources' and the fetch's answers are what is waited for.
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`done.filter((d) => d === "es" || d === "fetch").length === 4`), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	done, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`done`))
	if err != nil {
		t.Fatal(err)
	}
	h.convs.mu.Lock()
	open, kept := h.convs.streams, len(h.convs.m)
	h.convs.mu.Unlock()
	if open != 0 || kept != 0 {
		t.Errorf("another site's page holds %d streams open and made %d conversations", open, kept)
	}
	for _, d := range done {
		if strings.HasPrefix(d, "read ") {
			t.Errorf("another site's page read the stream: %s", d)
		}
	}
}

// On a phone whose toolbar shows and hides as the page scrolls, 100vh is
// the height without the toolbar: a chat that tall has its input under
// the toolbar. The chat is as tall as the dynamic viewport (dvh), and a
// browser without dvh (it drops the declaration) keeps 100vh. Checked on
// a phone's screen, where the input must be in view, and by the
// browser's own parser, here and as a browser without dvh reads the
// style sheet.
func TestChatPageDynamicViewport(t *testing.T) {
	_, srv := echoServer(t)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 640, chromedp.EmulateMobile), chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("text"))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async () => {
  const chatHeight = (sheet) => Array.from(sheet.cssRules).filter((r) => r.selectorText === "#chat").map((r) => r.style.height).join(",");
  const css = await (await fetch("assets/chat.css")).text();
  const old = new CSSStyleSheet();
  old.replaceSync(css.replaceAll("dvh", "qvh")); // a unit this browser does not know, as dvh is to an old one
  const input = document.getElementById("send").getBoundingClientRect();
  return [chatHeight(document.styleSheets[0]), chatHeight(old), String(input.bottom <= innerHeight)];
})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if want := "100dvh|100vh|true"; strings.Join(got, "|") != want {
		t.Errorf("the chat's height (here, in a browser without dvh) and the input in view: %q, want %q", got, want)
	}
}

// Two tabs of the page, opened before the conversation starts, send their
// first messages at the same instant (both posts in flight together): both
// messages go to one conversation, both tabs keep it and show both, rather
// than two conversations where the browser's storage keeps only one (the
// other tab's customer then loses theirs on a reload). Also in a browser
// without the Web Locks API (a page served over plain HTTP), which the
// page does not need.
func TestChatPageTwoTabsSameInstant(t *testing.T) {
	for _, locks := range []bool{true, false} {
		t.Run(map[bool]string{true: "locks", false: "no locks"}[locks], func(t *testing.T) {
			rec := &receiver{}
			h, err := NewHandler(rec)
			if err != nil {
				t.Fatal(err)
			}
			rec.echo = h
			var mu sync.Mutex
			posts := 0
			both := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/api/messages") {
					mu.Lock()
					posts++
					if posts == 2 {
						close(both)
					}
					mu.Unlock()
					select { // the first post waits for the second
					case <-both:
					case <-time.After(10 * time.Second):
					}
				}
				h.ServeHTTP(w, r)
			}))
			t.Cleanup(func() { h.Close(); srv.Close() })

			a := browser(t)
			if err := chromedp.Do(a, chromedp.Navigate("about:blank")); err != nil { // the browser starts
				t.Fatal(err)
			}
			b, cancel := chromedp.NewContext(a)
			defer cancel()
			for _, tab := range []context.Context{a, b} {
				if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
					t.Fatal(err)
				}
				if !locks {
					if _, err := chromedp.Call(tab, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
						Source: `Object.defineProperty(Navigator.prototype, "locks", {get() { return undefined }})`,
					}); err != nil {
						t.Fatal(err)
					}
				}
				if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text"))); err != nil {
					t.Fatal(err)
				}
			}
			for _, tab := range []struct {
				ctx  context.Context
				text string
			}{{a, "from A"}, {b, "from B"}} {
				if _, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`document.getElementById("text").value = "`+tab.text+`"; document.getElementById("send").click(); true`)); err != nil {
					t.Fatal(err)
				}
			}
			for _, tab := range []context.Context{a, b} {
				wctx, wcancel := context.WithTimeout(tab, 20*time.Second)
				err := chromedp.Do(wctx, chromedp.Poll[chromedp.Void](`Array.from(document.querySelectorAll("#log li.user")).map((li) => li.textContent).sort().join("|") === "from A|from B"`))
				wcancel()
				if err != nil {
					shown, _ := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#log > li")).map((li) => li.className + ":" + li.firstChild.textContent)`))
					t.Errorf("a tab shows %q, want both messages", shown)
				}
			}
			var stored []string
			for _, tab := range []context.Context{a, b} {
				id, err := chromedp.Run(tab, chromedp.Evaluate[string](`localStorage.getItem("baton.conversation.site")`))
				if err != nil {
					t.Fatal(err)
				}
				stored = append(stored, id)
			}
			got := rec.got()
			if len(got) != 2 || got[0].ConversationID != got[1].ConversationID || stored[0] != stored[1] || got[0].Contact.ID != stored[0] {
				t.Errorf("the tabs' messages reached %+v, the tabs keep %q: want one conversation", got, stored)
			}
		})
	}
}

// A browser where IndexedDB, which the page's first message claims its
// conversation in, is missing, blocked, failing or never answering: the
// customer still chats, and the conversation is kept in localStorage for
// the next visit (or, where site data is blocked altogether, by the page).
func TestChatPageWithoutIndexedDB(t *testing.T) {
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, script string
		keeps        bool // localStorage works
	}{
		{"missing", `Object.defineProperty(window, "indexedDB", {get() { return undefined }})`, true},
		{"blocked", `Object.defineProperty(window, "indexedDB", {get() { throw new DOMException("access is denied", "SecurityError") }})`, true},
		{"open fails", `{ const open = IDBFactory.prototype.open; IDBFactory.prototype.open = function (...a) {
			const r = open.apply(this, a); r.addEventListener("upgradeneeded", () => r.transaction.abort()); return r } }`, true},
		{"never answers", `IDBFactory.prototype.open = function () { return {} }`, true},
		{"no site data", `Object.defineProperty(window, "indexedDB", {get() { throw new DOMException("access is denied", "SecurityError") }});
			Object.defineProperty(window, "localStorage", {get() { throw new DOMException("access is denied", "SecurityError") }})`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec, srv := echoServer(t) // an origin of its own: storage of its own
			tab, cancel := chromedp.NewContext(ctx)
			defer cancel()
			if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Call(tab, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: c.script}); err != nil {
				t.Fatal(err)
			}
			wctx, wcancel := context.WithTimeout(tab, 30*time.Second)
			defer wcancel()
			if err := chromedp.Do(wctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text")),
				chromedp.KeyEvent("hello\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
				t.Fatalf("the chat does not answer: %v", err)
			}
			got := rec.got()
			if len(got) != 1 {
				t.Fatalf("received %+v, want the one message", got)
			}
			if !c.keeps {
				return
			}
			id, err := chromedp.Run(tab, chromedp.Evaluate[string](`localStorage.getItem("baton.conversation.site")`))
			if err != nil {
				t.Fatal(err)
			}
			if id == "" || got[0].Contact.ID != id {
				t.Errorf("the message went to conversation %q, the browser keeps %q", got[0].Contact.ID, id)
			}
		})
	}
}

// While the customer's message waits for its answer, the page says the
// bot is typing, in a live region a screen reader announces; the bot's
// reply takes it away, and so does a message that could not be sent.
// When an agent is answering (a person, who may take minutes), the page
// does not pretend anyone is typing.
func TestChatPageTypingIndicator(t *testing.T) {
	c := newRefusingChat(t)
	rec, h, srv := c.rec, c.h, c.srv
	ctx := browser(t)
	typing := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(e => e ? e.getAttribute("aria-live") + ":" + e.textContent + ":" + (e.offsetHeight > 0) : "no indicator")(document.getElementById("typing"))`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	waitTyping := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			got := typing()
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the typing indicator is %q, want %q", got, want)
			}
		}
	}
	reply := func(r flows.Reply) {
		t.Helper()
		got := rec.got()
		if err := h.Send(context.Background(), flows.Outbound{To: got[len(got)-1].Contact, Reply: r}); err != nil {
			t.Fatal(err)
		}
	}
	const shown, gone = "polite:Typing…:true", "polite::false"

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text"))); err != nil {
		t.Fatal(err)
	}
	if got := typing(); got != gone {
		t.Errorf("before any message the typing indicator is %q, want %q", got, gone)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("hi\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.user`)), chromedp.WaitVisible(chromedp.CSS(`#status.online`))); err != nil {
		t.Fatal(err)
	}
	waitTyping(shown)
	reply(flows.Reply{Text: "Hello! How can I help?"})
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
		t.Fatal(err)
	}
	waitTyping(gone)

	// A message that cannot be sent: the indicator shows while it is
	// tried, and goes with the error.
	release := make(chan struct{})
	c.refuseUntil(release)
	if err := chromedp.Do(ctx, chromedp.KeyEvent("again\r")); err != nil {
		t.Fatal(err)
	}
	waitTyping(shown)
	close(release)
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.getElementById("status").textContent.startsWith("too many")`)); err != nil {
		t.Fatal(err)
	}
	waitTyping(gone)
	c.refuseUntil(nil)

	// An agent answers now: nobody is shown typing for the customer's
	// next message.
	reply(flows.Reply{From: "agent", Agent: "Marco", Text: "Marco here, I'm looking at your order."})
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#log li.agent`)), chromedp.Click(chromedp.ID("text")), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`#log li.user:nth-of-type(4)`)), chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if got := typing(); got != gone {
		t.Errorf("while an agent answers the typing indicator is %q, want %q", got, gone)
	}
	if got := rec.got(); len(got) != 2 || got[1].Input.Text != "again" {
		t.Errorf("received %+v", got)
	}
}

// A flow may not answer a message at all (it waits for a timer, or for
// nothing): the typing indicator goes after 20 seconds, here made short
// by the page's clock running every 20-second wait in 300ms.
func TestChatPageTypingIndicatorBounded(t *testing.T) {
	rec := &receiver{}
	h, err := NewHandler(rec)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, h)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.setTimeout = ((st) => (f, ms, ...a) => st(f, ms === 20000 ? 300 : ms, ...a))(window.setTimeout);
window.seen = [];
document.addEventListener("DOMContentLoaded", () => {
  const e = document.getElementById("typing");
  new MutationObserver(() => seen.push(e.textContent)).observe(e, {childList: true, characterData: true, subtree: true});
});`,
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.KeyEvent("hi\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.user`))); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.Poll[chromedp.Void](`document.getElementById("typing").textContent === ""`)); err != nil {
		t.Errorf("with no answer the typing indicator stays: %v", err)
	}
	if seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`seen`)); err != nil || strings.Join(seen, "|") != "Typing…|" {
		t.Errorf("the typing indicator read %q (%v), want Typing… then nothing", seen, err)
	}
	if len(rec.got()) != 1 {
		t.Errorf("received %+v", rec.got())
	}
}

// A browser older than Sec-Fetch-Site (Safari before 16.4, Firefox
// before 90), here Chromium with the header taken off on the way: another
// site's page opening EventSources on the chat's stream is refused by the
// Origin the browser sends on them, before a stream is opened or a
// conversation is made (thousands of made-up ones would push real
// customers' conversations out of memory). The chat's own page, whose
// same-origin stream carries no Origin, still works.
func TestChatStreamCrossSiteOldBrowser(t *testing.T) {
	var rejects []string
	rec := &receiver{}
	h := newTestHandler(t, rec, &rejects)
	rec.echo = h
	var mu sync.Mutex
	var origins []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k := range r.Header {
			if strings.HasPrefix(k, "Sec-Fetch-") {
				r.Header.Del(k)
			}
		}
		if strings.HasSuffix(r.URL.Path, "/api/events") {
			mu.Lock()
			origins = append(origins, r.Header.Get("Origin"))
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { h.Close(); srv.Close() })
	events := srv.URL + "/api/events?conversation="
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><script>
window.done = [];
for (let i = 0; i < 3; i++) {
  const es = new EventSource("` + events + `EVENTSOURCE00000000" + i);
  es.onmessage = (e) => done.push("read " + e.data);
  es.onerror = () => { if (es.readyState === EventSource.CLOSED) done.push("es"); };
}
</script>`))
	}))
	t.Cleanup(evil.Close)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)+"/"),
		chromedp.Poll[chromedp.Void](`done.length === 3`)); err != nil {
		t.Fatal(err)
	}
	h.convs.mu.Lock()
	kept := len(h.convs.m)
	h.convs.mu.Unlock()
	mu.Lock()
	seen := strings.Join(origins, ",")
	mu.Unlock()
	if kept != 0 || strings.Count(seen, "http://localhost:") != 3 || strings.Join(rejects, ",") != "cross_site,cross_site,cross_site" {
		t.Errorf("another site's EventSources (Origins %q) made %d conversations, rejects %q; want none made, three cross_site", seen, kept, rejects)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.KeyEvent("hello\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
		t.Fatalf("the chat's own page does not work: %v", err)
	}
}

// The first message cannot be sent (three 503s): no conversation was
// started, so a reload shows the "write a message to start" hint again,
// not an empty chat; the next message, once the chat answers, starts the
// conversation with the id the page drew (a lost answer's retry stays
// in it) and shows it. A reload after that shows the conversation.
func TestChatPageReloadAfterFailedFirstMessage(t *testing.T) {
	rec := &receiver{}
	h, err := NewHandler(rec)
	if err != nil {
		t.Fatal(err)
	}
	rec.echo = h
	var mu sync.Mutex
	refuse := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		no := refuse && strings.HasSuffix(r.URL.Path, "/api/messages")
		mu.Unlock()
		if no {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { h.Close(); srv.Close() })
	ctx := browser(t)
	shown := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#log > li")).map(li => li.className + ":" + li.firstChild.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(v, "|")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.KeyEvent("hello\r"), chromedp.Poll[chromedp.Void](`document.getElementById("status").textContent === "could not send; try again"`)); err != nil {
		t.Fatal(err)
	}
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[string](`localStorage.getItem("baton.conversation.site") || ""`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("text")), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if got, want := shown(), "hint:Write a message to start."; got != want {
		t.Errorf("after a reload following a first message never sent the page shows %q, want %q", got, want)
	}
	mu.Lock()
	refuse = false
	mu.Unlock()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("text")), chromedp.KeyEvent("hello again\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
		t.Fatal(err)
	}
	if got := rec.got(); len(got) != 1 || got[0].Contact.ID != drawn || drawn == "" {
		t.Errorf("received %+v, want one message in the conversation %q the page drew", got, drawn)
	}
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
		t.Fatal(err)
	}
	if got, want := shown(), "user:hello again|bot:You said hello again"; got != want {
		t.Errorf("after a reload the page shows %q, want %q", got, want)
	}
}

// Two tabs of one conversation: a message sent in one shows the typing
// indicator in both, until the bot's reply, which takes it away in both;
// a message the first tab cannot send takes it away in both with the
// error.
func TestChatPageTypingIndicatorTwoTabs(t *testing.T) {
	c := newRefusingChat(t)
	rec, h, srv := c.rec, c.h, c.srv
	reply := func(text string) {
		t.Helper()
		got := rec.got()
		if err := h.Send(context.Background(), flows.Outbound{To: got[len(got)-1].Contact, Reply: flows.Reply{Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	a := browser(t)
	if err := chromedp.Do(a, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text"))); err != nil { // the browser starts
		t.Fatal(err)
	}
	b, cancel := chromedp.NewContext(a)
	defer cancel()
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(a, chromedp.KeyEvent("hi\r"), chromedp.WaitVisible(chromedp.CSS(`#status.online`))); err != nil {
		t.Fatal(err)
	}
	reply("Hello! How can I help?")
	for _, tab := range []context.Context{a, b} {
		if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`#log li.bot`)), chromedp.Poll[chromedp.Void](`document.getElementById("typing").textContent === ""`)); err != nil {
			t.Fatal(err)
		}
	}
	waitTyping := func(tab context.Context, name, want string) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(tab, 10*time.Second)
		defer wcancel()
		if err := chromedp.Do(wctx, chromedp.Poll[chromedp.Void](`document.getElementById("typing").textContent === "`+want+`"`)); err != nil {
			got, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById("typing").textContent`))
			t.Fatalf("in tab %s the typing indicator is %q, want %q", name, got, want)
		}
	}

	if err := chromedp.Do(a, chromedp.KeyEvent("where is my order?\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.user:nth-of-type(3)`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.WaitVisible(chromedp.CSS(`#log li.user:nth-of-type(3)`))); err != nil {
		t.Fatal(err)
	}
	waitTyping(a, "A", "Typing…")
	waitTyping(b, "B", "Typing…")
	reply("Your order ships today.")
	waitTyping(a, "A", "")
	waitTyping(b, "B", "")

	release := make(chan struct{})
	c.refuseUntil(release)
	if err := chromedp.Do(a, chromedp.KeyEvent("again\r")); err != nil {
		t.Fatal(err)
	}
	waitTyping(a, "A", "Typing…")
	waitTyping(b, "B", "Typing…")
	close(release)
	waitTyping(a, "A", "")
	waitTyping(b, "B", "")
}

// Two widgets on one site (two flows, say a shop's support and its
// sales, served as baton serve does: the first at /, the other at
// /web/sales/): each keeps its own conversation in the browser. A
// conversation started in one is not the other's: the other still says
// "write a message to start", shows no one typing, and its first
// message starts a conversation of its own, so neither widget's server
// learns the other's credential, and a helpdesk never takes them for one
// contact. A conversation id stored before widgets had keys of their
// own still opens its conversation.
func TestChatPageTwoWidgetsOneSite(t *testing.T) {
	recs := map[string]*receiver{}
	mux := http.NewServeMux()
	var handlers []*Handler
	for _, name := range []string{"support", "sales"} {
		rec := &receiver{}
		h, err := NewHandler(rec, WithName(name))
		if err != nil {
			t.Fatal(err)
		}
		rec.echo = h
		recs[name] = rec
		handlers = append(handlers, h)
		mux.Handle("/web/"+name+"/", http.StripPrefix("/web/"+name, h))
	}
	mux.Handle("/", handlers[0])
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { handlers[0].Close(); handlers[1].Close(); srv.Close() })
	shown := func(tab context.Context) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#log > li")).map(li => li.className + ":" + li.firstChild.textContent).concat(["typing:" + document.getElementById("typing").textContent])`))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(v, "|")
	}

	support := browser(t)
	if err := chromedp.Do(support, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text"))); err != nil {
		t.Fatal(err)
	}
	sales, cancel := chromedp.NewContext(support)
	defer cancel()
	if err := chromedp.Do(sales, chromedp.Navigate(srv.URL+"/web/sales/"), chromedp.WaitVisible(chromedp.ID("text"))); err != nil {
		t.Fatal(err)
	}
	// The support widget's reply is held: it is typing meanwhile.
	recs["support"].mu.Lock()
	recs["support"].echo = nil
	recs["support"].mu.Unlock()
	if err := chromedp.Do(support, chromedp.KeyEvent("where is my order?\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.user`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("typing").textContent !== ""`), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if got, want := shown(sales), "hint:Write a message to start.|typing:"; got != want {
		t.Errorf("while the support widget's conversation starts, the sales widget shows %q, want %q", got, want)
	}
	if err := chromedp.Do(sales, chromedp.Click(chromedp.ID("text")), chromedp.KeyEvent("a quote, please\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.bot`))); err != nil {
		t.Fatal(err)
	}
	sup, sal := recs["support"].got(), recs["sales"].got()
	if len(sup) != 1 || len(sal) != 1 || sup[0].Contact.ID == sal[0].Contact.ID {
		t.Fatalf("support received %+v, sales %+v: want one message each, from two contacts", sup, sal)
	}
	if got, want := shown(support), "user:where is my order?|typing:Typing…"; got != want {
		t.Errorf("the support widget shows %q, want %q", got, want)
	}

	// A browser that kept a conversation before widgets had keys of
	// their own: it opens that conversation.
	legacy := "LEGACYCONVERSATION0001"
	if err := handlers[0].Send(context.Background(), flows.Outbound{To: flows.Contact{ID: legacy}, Reply: flows.Reply{Text: "Your refund is on its way."}}); err != nil {
		t.Fatal(err)
	}
	old, cancelOld := chromedp.NewContext(support)
	defer cancelOld()
	if err := chromedp.Do(old, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("text"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(old, chromedp.Evaluate[bool](`localStorage.clear(); localStorage.setItem("baton.conversation", "`+legacy+`"); true`)); err != nil {
		t.Fatal(err)
	}
	recs["support"].mu.Lock()
	recs["support"].echo = handlers[0]
	recs["support"].mu.Unlock()
	if err := chromedp.Do(old, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#log li.bot`)),
		chromedp.Click(chromedp.ID("text")), chromedp.KeyEvent("thanks\r"), chromedp.WaitVisible(chromedp.CSS(`#log li.bot:nth-of-type(3)`))); err != nil {
		t.Fatal(err)
	}
	if sup := recs["support"].got(); len(sup) != 2 || sup[1].Contact.ID != legacy {
		t.Errorf("support received %+v, want the second message from the stored conversation %s", sup, legacy)
	}
}

// refusingChat serves the chat page of a Handler; while refuseUntil has
// set a channel, each post of a message waits for it to close and is then
// refused with 429.
type refusingChat struct {
	rec    *receiver
	h      *Handler
	srv    *httptest.Server
	mu     sync.Mutex
	refuse chan struct{}
}

func newRefusingChat(t *testing.T) *refusingChat {
	t.Helper()
	c := &refusingChat{rec: &receiver{}}
	h, err := NewHandler(c.rec)
	if err != nil {
		t.Fatal(err)
	}
	c.h = h
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		hold := c.refuse
		c.mu.Unlock()
		if hold != nil && strings.HasSuffix(r.URL.Path, "/api/messages") {
			select {
			case <-hold:
			case <-r.Context().Done():
			}
			http.Error(w, "too many messages; wait a moment", http.StatusTooManyRequests)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { h.Close(); c.srv.Close() })
	return c
}

// refuseUntil makes the posts wait for release and be refused; nil
// accepts them again.
func (c *refusingChat) refuseUntil(release chan struct{}) {
	c.mu.Lock()
	c.refuse = release
	c.mu.Unlock()
}
