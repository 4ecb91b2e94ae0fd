package host

import (
	"fmt"
	"net/http"
	"time"

	"github.com/batonbot/baton/channel/telegram"
	"github.com/batonbot/baton/channel/web"
	"github.com/batonbot/baton/channel/whatsapp"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
)

// flow loads the flow file at path, once per path.
func (s *Server) flow(path string) (*flows.Flow, error) {
	if f, ok := s.flows[path]; ok {
		return f, nil
	}
	f, diags := dsl.LoadFile(path)
	if diags.HasErrors() || f == nil {
		return nil, fmt.Errorf("the flow %s does not load:\n%w", path, diags.Err())
	}
	if s.flows == nil {
		s.flows = map[string]*flows.Flow{}
	}
	s.flows[path] = f
	return f, nil
}

// account serves one channel account with the flow at path, its replies
// going out through sender; a turn slower than typing (0: none) shows the
// customer a typing indicator.
func (s *Server) account(channel, name, path string, sender flows.Channel, typing time.Duration) error {
	f, err := s.flow(path)
	if err != nil {
		return err
	}
	return s.Host.AddAccount(&Account{Channel: channel, Name: name, Sender: sender, Path: path, TypingAfter: typing}, f)
}

// rejects counts the requests an endpoint refuses, by reason.
func (s *Server) rejects(endpoint string) func(reason string) {
	return func(reason string) { s.Metrics.reject(endpoint, reason) }
}

// whatsapp mounts GET/POST /webhooks/whatsapp for the config's numbers.
func (s *Server) whatsapp(hc *http.Client) error {
	var accounts []whatsapp.Account
	for _, wa := range s.cfg.Channels.WhatsApp {
		opts := []whatsapp.Option{whatsapp.WithGraphURL(wa.GraphURL), whatsapp.WithAPIVersion(wa.APIVersion),
			whatsapp.WithHTTPClient(hc), whatsapp.WithLogger(s.log), whatsapp.WithSent(s.Host.SentRecorder(flows.ChannelWhatsApp))}
		if wa.Template != "" {
			opts = append(opts, whatsapp.WithTemplate(whatsapp.Template{Name: wa.Template, Language: wa.TemplateLanguage, TextParam: true}))
		}
		sender, err := whatsapp.NewSender(wa.PhoneNumberID, wa.AccessToken, opts...)
		if err != nil {
			return err
		}
		if err := s.account(flows.ChannelWhatsApp, wa.PhoneNumberID, wa.Flow, sender, wa.TypingAfter); err != nil {
			return err
		}
		accounts = append(accounts, whatsapp.Account{PhoneNumberID: wa.PhoneNumberID, AppSecret: wa.AppSecret, VerifyToken: wa.VerifyToken})
	}
	if len(accounts) == 0 {
		return nil
	}
	h, err := whatsapp.NewHandler(accounts, s.Host, whatsapp.WithClock(s.now), whatsapp.WithLogger(s.log), whatsapp.WithRejectHook(s.rejects("whatsapp")))
	if err != nil {
		return err
	}
	s.mux.Handle("/webhooks/whatsapp", h)
	return nil
}

// telegram mounts POST /webhooks/telegram/{name} for the config's bots.
func (s *Server) telegram(hc *http.Client) error {
	var bots []telegram.Bot
	for _, tg := range s.cfg.Channels.Telegram {
		sender, err := telegram.NewSender(tg.Name, tg.Token, telegram.WithBaseURL(tg.APIURL), telegram.WithHTTPClient(hc), telegram.WithLogger(s.log))
		if err != nil {
			return err
		}
		if err := s.account(flows.ChannelTelegram, tg.Name, tg.Flow, sender, tg.TypingAfter); err != nil {
			return err
		}
		bots = append(bots, telegram.Bot{Name: tg.Name, SecretToken: tg.SecretToken})
	}
	if len(bots) == 0 {
		return nil
	}
	h, err := telegram.NewHandler(bots, s.Host, telegram.WithClock(s.now), telegram.WithLogger(s.log), telegram.WithRejectHook(s.rejects("telegram")))
	if err != nil {
		return err
	}
	s.mux.Handle("/webhooks/telegram/{name}", h) // the handler answers 405 to all but POST
	return nil
}

// web mounts the web chat widgets: the first at / (its API under /api/),
// every widget also under /web/{name}/.
func (s *Server) web() error {
	for i, wc := range s.cfg.Channels.Web {
		f, err := s.flow(wc.Flow)
		if err != nil {
			return err
		}
		h, err := web.NewHandler(s.Host, web.WithClock(s.now), web.WithName(wc.Name), web.WithTitle(f.Name), web.WithLogger(s.log), web.WithRejectHook(s.rejects("web")))
		if err != nil {
			return err
		}
		if err := s.account(flows.ChannelWeb, wc.Name, wc.Flow, h, 0); err != nil {
			return err
		}
		s.closers = append(s.closers, h.Close)
		prefix := "/web/" + wc.Name + "/"
		s.mux.Handle(prefix, http.StripPrefix(prefix[:len(prefix)-1], h))
		if i == 0 {
			s.mux.Handle("/", h)
		}
	}
	return nil
}
