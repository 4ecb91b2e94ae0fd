package host

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff"
	"github.com/batonbot/baton/store/memory"
)

// nopConnector opens nothing; the tests below only check the wiring.
type nopConnector struct{}

var _ flows.Connector = nopConnector{}

func (nopConnector) Open(context.Context, *flows.Handoff) (flows.TicketRef, error) {
	return flows.TicketRef{}, nil
}

func (nopConnector) Append(context.Context, flows.TicketRef, flows.Message) error { return nil }

func (nopConnector) Close(context.Context, flows.TicketRef) error { return nil }

func nopBuild(...handoff.ConnectorOption) (flows.Connector, error) { return nopConnector{}, nil }

// TestServerCustomConnectors: the connectors a program gives NewServer
// must be the ones its config was loaded with (config.WithConnectors).
func TestServerCustomConnectors(t *testing.T) {
	tests := []struct {
		name    string
		custom  []string
		given   map[string]flows.Connector
		built   map[string]ConnectorFunc
		wantErr string
	}{
		{name: "named and given", custom: []string{"chatwoot"}, given: map[string]flows.Connector{"chatwoot": nopConnector{}}},
		{name: "named, not given", custom: []string{"chatwoot"},
			wantErr: `the connector "chatwoot" was named with config.WithConnectors but not given in ServerOptions.Connectors`},
		{name: "given, not named", given: map[string]flows.Connector{"chatwoot": nopConnector{}},
			wantErr: `the connector "chatwoot" is given in ServerOptions.Connectors but the config does not know it; load the config with config.WithConnectors("chatwoot")`},
		{name: "built, not named", built: map[string]ConnectorFunc{"chatwoot": nopBuild},
			wantErr: `the connector "chatwoot" is given in ServerOptions.NewConnectors but the config does not know it; load the config with config.WithConnectors("chatwoot")`},
		{name: "given and built", custom: []string{"chatwoot"}, given: map[string]flows.Connector{"chatwoot": nopConnector{}}, built: map[string]ConnectorFunc{"chatwoot": nopBuild},
			wantErr: `the connector "chatwoot" is given in both ServerOptions.Connectors and NewConnectors; give it in one`},
		{name: "built, failing", custom: []string{"chatwoot"}, built: map[string]ConnectorFunc{"chatwoot": func(...handoff.ConnectorOption) (flows.Connector, error) {
			return nil, errors.New("chatwoot: set BATON_CHATWOOT_TOKEN")
		}}, wantErr: `baton.yaml: the connector "chatwoot": chatwoot: set BATON_CHATWOOT_TOKEN`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "bot.yaml"), []byte("flow: bot\nlanguages: [en]\nstart: a\nstates:\n  a: {say: hi}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "baton.yaml")
			if err := os.WriteFile(path, []byte("channels: {web: [{flow: bot.yaml}]}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, diags := config.Load(path, config.WithConnectors(tt.custom...))
			if diags.HasErrors() {
				t.Fatal(diags.Err())
			}
			srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true, Connectors: tt.given, NewConnectors: tt.built})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr == "":
				if got := srv.Host.conns["chatwoot"]; got != tt.given["chatwoot"] {
					t.Errorf("the host delivers to %v, want the given connector", got)
				}
				srv.store.Close()
			case err == nil || !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// clientConnector opens a ticket with one request through its
// handoff.Client, as a program's own connector does.
type clientConnector struct {
	nopConnector
	c *handoff.Client
}

func (c clientConnector) Open(ctx context.Context, h *flows.Handoff) (flows.TicketRef, error) {
	_, err := c.c.Do(ctx, "open", http.MethodPost, "https://helpdesk.example/api/tickets", nil, []byte(`{"id":"`+h.ID+`"}`), `{}`)
	return flows.TicketRef{ID: "t1"}, err
}

// TestServerCustomConnectorGetsTheClient: a program's own connector built
// by NewServer (ServerOptions.NewConnectors) gets the options the built-in
// ones get, ServerOptions.HTTPClient among them: its requests go through
// that client (a proxy, mTLS). A connector the program built itself got
// none of them, and sent with a plain http.Client whatever HTTPClient was.
func TestServerCustomConnectorGetsTheClient(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bot.yaml"), []byte("flow: bot\nlanguages: [en]\nstart: a\nstates:\n  a: {say: hi}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(path, []byte("channels: {web: [{flow: bot.yaml}]}\nconnectors: {default: chatwoot}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(path, config.WithConnectors("chatwoot"))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	var mu sync.Mutex
	var sent []string
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		sent = append(sent, r.Method+" "+r.URL.String())
		mu.Unlock()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
	})}
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true, HTTPClient: client,
		NewConnectors: map[string]ConnectorFunc{"chatwoot": func(opts ...handoff.ConnectorOption) (flows.Connector, error) {
			return clientConnector{c: handoff.NewClient("chatwoot", handoff.ClientHints{}, opts...)}, nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	conn := srv.Host.conns["chatwoot"]
	if conn == nil {
		t.Fatal("the host has no chatwoot connector")
	}
	if _, err := conn.Open(context.Background(), &flows.Handoff{ID: "h1"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"POST https://helpdesk.example/api/tickets"}; strings.Join(sent, "\n") != strings.Join(want, "\n") {
		t.Errorf("the client given in ServerOptions.HTTPClient sent %q, want %q", sent, want)
	}
}

// TestAddAccountRefuses: an account a program adds for a channel of its
// own is refused at once when its messages could never find it, with
// what to do, instead of accepted and then every message refused with
// "no account is served here".
func TestAddAccountRefuses(t *testing.T) {
	f := loadFlow(t, "../examples/flows/support.yaml")
	tests := []struct {
		name    string
		account *Account
		flow    *flows.Flow
		wantErr string
	}{
		{name: "fine", account: &Account{Channel: "sms", Name: "acme"}, flow: f},
		{name: "no name", account: &Account{Channel: "sms"}, flow: f, wantErr: "an account needs its channel and name"},
		{name: "no flow", account: &Account{Channel: "sms", Name: "acme"}, wantErr: "account sms:acme has no flow"},
		{name: "colon in name", account: &Account{Channel: "sms", Name: "acme:main"}, flow: f,
			wantErr: `account name "acme:main" has a ":", which separates channel, account and contact in a conversation id (flows.ConversationID); name it without one`},
		{name: "colon in channel", account: &Account{Channel: "sms:eu", Name: "acme"}, flow: f,
			wantErr: `channel "sms:eu" has a ":", which separates channel, account and contact in a conversation id (flows.ConversationID); name it without one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(memory.New())
			if err != nil {
				t.Fatal(err)
			}
			err = h.AddAccount(tt.account, tt.flow)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestServingCountsProgramAccounts: the "serving" line counts the
// accounts served, a program's own channel's (README, "Extending
// Baton") with the config's, so that its log shows the account is on.
func TestServingCountsProgramAccounts(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(dir, "bot.yaml")
	if err := os.WriteFile(flow, []byte("flow: bot\nlanguages: [en]\nstart: a\nstates:\n  a: {say: hi}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, dir, "channels: {web: [{flow: bot.yaml}]}\n")
	var logs lockedLog
	srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(&logs, 0, false), Store: memory.New(), NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Host.AddAccount(&Account{Channel: "sms", Name: "acme", Sender: &fakeChannel{}, Path: flow}, loadFlow(t, flow)); err != nil {
		t.Fatal(err)
	}
	serve(t, srv)
	waitFor(t, "serving", func() bool { return strings.Contains(logs.String(), `"msg":"serving"`) })
	if want := `"channels":2`; !strings.Contains(logs.String(), want) {
		t.Errorf("the serving line lacks %s:\n%s", want, logs.String())
	}
}

// TestReceiveRefusesWhatNoChannelSends: a channel of a program's own
// (README, "Extending Baton") that hands the host an inbound message
// without its kind or contact gets an error saying what to set, instead
// of a turn that answers nothing or replies to nobody.
func TestReceiveRefusesWhatNoChannelSends(t *testing.T) {
	f := loadFlow(t, "../examples/flows/support.yaml")
	h, err := New(memory.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddAccount(&Account{Channel: "sms", Name: "acme", Sender: &fakeChannel{}}, f); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		change  func(*flows.Inbound)
		wantErr string
	}{
		{name: "a message", change: func(*flows.Inbound) {}},
		{name: "the customer closing", change: func(in *flows.Inbound) { in.Input = flows.Input{Kind: flows.InputClose} }},
		{name: "no kind", change: func(in *flows.Inbound) { in.Input.Kind = "" },
			wantErr: `host: inbound message sms-1 has no Input.Kind; a channel hands the host customers' messages: set it to flows.InputMessage (flows.InputClose when the customer closed the conversation)`},
		{name: "an agent's", change: func(in *flows.Inbound) { in.Input.Kind = flows.InputAgent },
			wantErr: `host: inbound message sms-1 has Input.Kind "agent"; a channel hands the host customers' messages: set it to flows.InputMessage (flows.InputClose when the customer closed the conversation)`},
		{name: "no contact", change: func(in *flows.Inbound) { in.Contact.ID = "" },
			wantErr: `host: inbound message sms-1 has no Contact.ID; set it to the customer's id on the channel, whom the replies go to (flows.Outbound.To)`},
		{name: "its conversation id derived", change: func(in *flows.Inbound) { in.ConversationID = "" }},
		{name: "no channel", change: func(in *flows.Inbound) { in.Channel = "" },
			wantErr: `host: inbound message sms-1 names channel "" and account "acme" but its conversation id sms:acme:…234 is of sms account acme; set Channel and Account to those the conversation id joins (flows.ConversationID)`},
		{name: "another account", change: func(in *flows.Inbound) { in.Account = "acme2" },
			wantErr: `host: inbound message sms-1 names channel "sms" and account "acme2" but its conversation id sms:acme:…234 is of sms account acme; set Channel and Account to those the conversation id joins (flows.ConversationID)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := flows.Inbound{ID: "sms-1", Channel: "sms", Account: "acme", ConversationID: flows.ConversationID("sms", "acme", "15551234"),
				Contact: flows.Contact{ID: "15551234"}, Input: flows.Input{Kind: flows.InputMessage, Text: "hello"}}
			in.ID = tt.name // each its own message
			tt.change(&in)
			err := h.Receive(context.Background(), in)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || err.Error() != strings.ReplaceAll(tt.wantErr, "sms-1", tt.name)):
				t.Fatalf("got %v, want %q", err, strings.ReplaceAll(tt.wantErr, "sms-1", tt.name))
			}
		})
	}
}

// TestServerProgramAccounts: a program whose channels are its own
// (README, "Extending Baton") gives their accounts to NewServer in
// ServerOptions.Accounts: their flows are checked before the store is
// opened, and its config needs no channels: of its own.
func TestServerProgramAccounts(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "sms.yaml")
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(good, []byte("flow: sms\nlanguages: [en]\nstart: a\nstates:\n  a: {say: hi}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, []byte("flow: sms\nlanguages: [en]\nstart: nowhere\nstates:\n  a: {say: hi}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, dir, "server: {listen: \"127.0.0.1:0\"}\n")
	tests := []struct {
		name     string
		accounts []*Account
		wantErr  string
	}{
		{name: "none", wantErr: "configures no channel; add one under channels: (web, whatsapp or telegram), or give a program's own in ServerOptions.Accounts"},
		{name: "an SMS account", accounts: []*Account{{Channel: "sms", Name: "acme", Sender: &fakeChannel{}, Path: good}}},
		{name: "its flow broken", accounts: []*Account{{Channel: "sms", Name: "acme", Sender: &fakeChannel{}, Path: broken}},
			wantErr: "the flow " + broken + " does not load"},
		{name: "no flow file", accounts: []*Account{{Channel: "sms", Name: "acme", Sender: &fakeChannel{}}},
			wantErr: "ServerOptions.Accounts: account sms:acme has no Path; set it to its flow file"},
		{name: "no sender", accounts: []*Account{{Channel: "sms", Name: "acme", Path: good}},
			wantErr: "ServerOptions.Accounts: account sms:acme has no Sender; set it to the channel's flows.Channel"},
		{name: "a colon", accounts: []*Account{{Channel: "sms", Name: "acme:1", Sender: &fakeChannel{}, Path: good}},
			wantErr: `account name "acme:1" has a ":"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storeOpened := false
			srv, err := NewServer(cfg, ServerOptions{Logger: NewLogger(io.Discard, 0, false), NoWatch: true, Accounts: tt.accounts,
				BeforeStore: func() error { storeOpened = true; return nil }})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				if storeOpened {
					t.Error("the store was opened before the accounts were checked")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			serve(t, srv)
			if err := srv.Host.Receive(context.Background(), flows.Inbound{ID: "sms-1", Channel: "sms", Account: "acme",
				Contact: flows.Contact{ID: "15551234"}, Input: flows.Input{Kind: flows.InputMessage, Text: "hello"}}); err != nil {
				t.Fatal(err)
			}
			sms := tt.accounts[0].Sender.(*fakeChannel)
			waitFor(t, "the reply", func() bool { return len(sms.texts()) == 1 })
			if got := sms.texts()[0]; got != "hi" {
				t.Errorf("sent %q, want hi", got)
			}
		})
	}
}
