package host

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonbot/baton/channel/whatsapp/whatsapptest"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// holdGate holds the first save, in either process, that consumes an
// inbox entry until release is closed: that turn is still running while
// the test sends the conversation's next message to the other process.
type holdGate struct {
	once    sync.Once
	held    chan int // the index of the process holding its save
	release chan struct{}
}

// heldSave is process i's store behind the gate; it counts the process's
// inbox claims.
type heldSave struct {
	flows.Store
	g      *holdGate
	i      int
	claims atomic.Int32
}

func (s *heldSave) Inbox() flows.Inbox { return countedClaims{s.Store.Inbox(), &s.claims} }

type countedClaims struct {
	flows.Inbox
	n *atomic.Int32
}

func (c countedClaims) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.InboxEntry, error) {
	defer c.n.Add(1)
	return c.Inbox.Claim(ctx, now, lease, max)
}

func (s *heldSave) Save(ctx context.Context, sess *flows.Session, c flows.Commit) error {
	if len(c.Done) > 0 {
		first := false
		s.g.once.Do(func() { first = true })
		if first {
			s.g.held <- s.i
			<-s.g.release
		}
	}
	return s.Store.Save(ctx, sess, c)
}

// A customer's next message, accepted by another process while the first
// one's turn runs, is handled as soon as that turn is saved: the process
// that saved it claims it, with no poll to wait for (the processes here
// poll once, when they start).
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
	g := &holdGate{held: make(chan int, 1), release: make(chan struct{})}
	var once sync.Once
	release := func() { once.Do(func() { close(g.release) }) }
	// A test that fails while the save is held still shuts down (defers
	// run before the servers' cleanups).
	defer release()
	var st flows.Store
	var stores [2]*heldSave
	for i := range bases {
		cfg := loadConfig(t, t.TempDir(), src)
		st = shared
		if st == nil {
			var err error
			if st, err = openStore(cfg); err != nil {
				t.Fatal(err)
			}
		}
		stores[i] = &heldSave{Store: st, g: g, i: i}
		srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), Store: stores[i], Sandbox: true, NoWatch: true,
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
	// Each process claims once when it starts, then only when woken.
	waitFor(t, "both processes' first claims", func() bool { return stores[0].claims.Load() > 0 && stores[1].claims.Load() > 0 })
	post(bases[0], "hello")
	var holder int
	select {
	case holder = <-g.held: // process 0 is saving the turn of "hello"
	case <-time.After(waitTimeout):
		t.Fatal("the turn of the first message never reached its save")
	}
	if holder != 0 {
		t.Fatalf("process %d took the turn of a message process 0 accepted, with no poll", holder)
	}
	post(bases[1], "menu")
	release()
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
