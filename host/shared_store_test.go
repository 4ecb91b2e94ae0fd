package host

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// heldSave holds the first save that consumes an inbox entry until
// release is closed: that turn is still running while the test sends the
// conversation's next message to another process.
type heldSave struct {
	flows.Store
	once    sync.Once
	held    chan struct{}
	release chan struct{}
}

func (s *heldSave) Save(ctx context.Context, sess *flows.Session, c flows.Commit) error {
	if len(c.Done) > 0 {
		first := false
		s.once.Do(func() { first = true })
		if first {
			close(s.held)
			<-s.release
		}
	}
	return s.Store.Save(ctx, sess, c)
}

// A customer's next message, accepted by another process while the first
// one's turn runs, is handled as soon as that turn is saved: the process
// that saved it claims it, with no poll to wait for (the processes here
// never poll).
func TestNextMessageAcceptedByAnotherProcess(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		// One memory store shared by two hosts in this process, told so.
		nextMessageAcceptedByAnotherProcess(t, "{kind: memory}", memory.New(), WithSharedStore())
	})
	t.Run("valkey", func(t *testing.T) {
		// serve tells a host on Valkey that the store is shared.
		nextMessageAcceptedByAnotherProcess(t, fmt.Sprintf("{kind: valkey, url: %q, prefix: next}", valkeytest.Start(t).URL), nil)
	})
}

func nextMessageAcceptedByAnotherProcess(t *testing.T, store string, shared flows.Store, more ...Option) {
	wa := whatsapptest.NewServer(t)
	flow, _ := filepath.Abs("../cmd/baton/testdata/flows/shop.yaml")
	src := fmt.Sprintf(bridgeConfig, store, wa.PhoneNumberID, flow, wa.Token, wa.AppSecret, whatsapptest.VerifyToken, wa.URL, wa.Version,
		bridgeZendeskSecret, bridgeFreshdeskSecret, bridgeWebhookSecret)
	var bases [2]string
	var first *heldSave
	var st flows.Store
	for i := range bases {
		cfg := loadConfig(t, t.TempDir(), src)
		st = shared
		if st == nil {
			var err error
			if st, err = openStore(cfg); err != nil {
				t.Fatal(err)
			}
		}
		if i == 0 {
			first = &heldSave{Store: st, held: make(chan struct{}), release: make(chan struct{})}
			st = first
		}
		srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), Store: st, Sandbox: true, NoWatch: true,
			Host: append([]Option{WithPoll(time.Hour)}, more...)})
		if err != nil {
			t.Fatal(err)
		}
		bases[i] = serve(t, srv)
	}
	const customer = "393330000002"
	conv := "whatsapp:" + wa.PhoneNumberID + ":" + customer
	post := func(base, text string) {
		t.Helper()
		resp, err := wa.Post(context.Background(), base+"/webhooks/whatsapp", wa.Notification(whatsapptest.Inbound{From: customer, Name: "Anna", Text: text}))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("webhook answered %d", resp.StatusCode)
		}
	}
	post(bases[0], "hello")
	<-first.held // the first process is saving the turn of "hello"
	post(bases[1], "menu")
	close(first.release)
	waitFor(t, "the turn of the message the second process accepted", func() bool {
		s, err := st.Load(context.Background(), conv)
		if err != nil {
			return false
		}
		var said []string
		for _, m := range s.Transcript {
			if m.From == flows.RoleUser {
				said = append(said, m.Text)
			}
		}
		return len(said) == 2 && said[0] == "hello" && said[1] == "menu"
	})
}
