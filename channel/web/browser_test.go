package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/batonbot/baton/internal/browsertest"
)

// TestChatPageInBrowser talks to a bot through the page in headless
// Chromium: a typed message, the reply's buttons rendered as buttons, a
// tap that posts the option's id, and the conversation restored after a
// reload.
func TestChatPageInBrowser(t *testing.T) {
	rec := &receiver{}
	h, err := NewHandler(rec, WithTitle("Shop support"))
	if err != nil {
		t.Fatal(err)
	}
	rec.echo = h
	srv := serve(t, h)

	actx, cancel := chromedp.NewExecAllocator(context.Background(), browsertest.Options(browsertest.Chromium(t), t.TempDir())...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute) // only ends a hang: Chromium starts slowly on a busy machine
	defer cancel()

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
	run(chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("text")),
		chromedp.SendKeys(chromedp.ID("text"), "hello"),
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
