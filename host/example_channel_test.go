package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/host"
)

// smsGateway is the sender of a channel of the program's own: it would
// POST to an SMS gateway; here it hands each reply to the example.
type smsGateway struct{ sent chan flows.Outbound }

var _ flows.Channel = (*smsGateway)(nil)

func (g *smsGateway) Send(_ context.Context, m flows.Outbound) error {
	g.sent <- m
	return nil
}

// smsWebhook is its webhook handler: it decodes the gateway's
// {"id","from","text"} and hands the message to the host.
func smsWebhook(recv flows.Receiver, account string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sms struct{ ID, From, Text string }
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&sms); err != nil || sms.ID == "" || sms.From == "" {
			http.Error(w, "not an SMS", http.StatusBadRequest)
			return
		}
		err := recv.Receive(r.Context(), flows.Inbound{
			ID:             "sms:" + sms.ID, // the inbox's dedupe key: prefixed, unique across channels
			Channel:        "sms",
			Account:        account,
			ConversationID: flows.ConversationID("sms", account, sms.From),
			Contact:        flows.Contact{ID: sms.From, Phone: sms.From},
			Input:          flows.Input{Kind: flows.InputMessage, Text: sms.Text},
			At:             time.Now(),
		})
		if err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable) // the gateway delivers it again
			return
		}
	})
}

// A channel of the program's own, as README's "Extending Baton" says:
// its account, whose sender is the program's flows.Channel, given to
// host.NewServer in ServerOptions.Accounts (the config needs no
// channels: then), and its webhook handler mounted under /webhooks/
// (which answers any host name, as the built-in webhooks do), handing
// each message to srv.Host.
func Example_ownChannel() {
	dir, err := os.MkdirTemp("", "baton-sms")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	flowFile := filepath.Join(dir, "sms.yaml")
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	write("sms.yaml", "flow: sms\nlanguages: [en]\nstart: hello\nstates:\n  hello:\n    say: \"Hi {{ user.phone }}, this is Acme.\"\n")
	write("baton.yaml", "server: {listen: \"127.0.0.1:0\"}\n")

	cfg, diags := config.Load(filepath.Join(dir, "baton.yaml"))
	if diags.HasErrors() {
		log.Fatal(diags.Err())
	}
	gateway := &smsGateway{sent: make(chan flows.Outbound, 1)}
	srv, err := host.NewServer(cfg, host.ServerOptions{
		Logger:   host.NewLogger(io.Discard, 0, false),
		Accounts: []*host.Account{{Channel: "sms", Name: "acme", Sender: gateway, Path: flowFile}},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.Mount("/webhooks/sms/", smsWebhook(srv.Host, "acme"))

	l, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		srv.Close() // what NewServer opened: the store
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, l) }()

	resp, err := http.Post("http://"+l.Addr().String()+"/webhooks/sms/", "application/json",
		strings.NewReader(`{"id":"SM1","from":"+15551234567","text":"hello"}`))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("webhook:", resp.StatusCode)
	select {
	case m := <-gateway.sent:
		fmt.Printf("to %s (%s): %s\n", m.To.ID, m.ConversationID, m.Reply.Text)
	case <-time.After(10 * time.Second):
		fmt.Println("no reply")
	}
	stop()
	if err := <-served; err != nil {
		log.Fatal(err)
	}
	// Output:
	// webhook: 200
	// to +15551234567 (sms:acme:+15551234567): Hi +15551234567, this is Acme.
}
