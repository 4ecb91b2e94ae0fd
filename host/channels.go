package host

import (
	"net/http"

	"github.com/batonbot/baton/channel/telegram"
	"github.com/batonbot/baton/channel/web"
	"github.com/batonbot/baton/channel/whatsapp"
	"github.com/batonbot/baton/flows"
)

func (s *Server) whatsapp(flowAt func(string) (*flows.Flow, error), hc *http.Client) error {
	var accounts []whatsapp.Account
	for _, wa := range s.cfg.Channels.WhatsApp {
		f, err := flowAt(wa.Flow)
		if err != nil {
			return err
		}
		opts := []whatsapp.Option{whatsapp.WithGraphURL(wa.GraphURL), whatsapp.WithAPIVersion(wa.APIVersion),
			whatsapp.WithHTTPClient(hc), whatsapp.WithLogger(s.log)}
		if wa.Template != "" {
			opts = append(opts, whatsapp.WithTemplate(whatsapp.Template{Name: wa.Template, Language: wa.TemplateLanguage, TextParam: true}))
		}
		sender, err := whatsapp.NewSender(wa.PhoneNumberID, wa.AccessToken, opts...)
		if err != nil {
			return err
		}
		a := &Account{Channel: flows.ChannelWhatsApp, Name: wa.PhoneNumberID, Sender: sender, Path: wa.Flow}
		if err := s.Host.AddAccount(a, f); err != nil {
			return err
		}
		accounts = append(accounts, whatsapp.Account{PhoneNumberID: wa.PhoneNumberID, AppSecret: wa.AppSecret, VerifyToken: wa.VerifyToken})
	}
	if len(accounts) == 0 {
		return nil
	}
	h, err := whatsapp.NewHandler(accounts, s.Host, whatsapp.WithLogger(s.log),
		whatsapp.WithRejectHook(func(reason string) { s.Metrics.reject("whatsapp", reason) }))
	if err != nil {
		return err
	}
	s.mux.Handle("/webhooks/whatsapp", h)
	return nil
}

// telegram mounts POST /webhooks/telegram/{name} for the config's bots.
func (s *Server) telegram(flowAt func(string) (*flows.Flow, error), hc *http.Client) error {
	var bots []telegram.Bot
	for _, tg := range s.cfg.Channels.Telegram {
		f, err := flowAt(tg.Flow)
		if err != nil {
			return err
		}
		sender, err := telegram.NewSender(tg.Name, tg.Token, telegram.WithBaseURL(tg.APIURL), telegram.WithHTTPClient(hc), telegram.WithLogger(s.log))
		if err != nil {
			return err
		}
		a := &Account{Channel: flows.ChannelTelegram, Name: tg.Name, Sender: sender, Path: tg.Flow}
		if err := s.Host.AddAccount(a, f); err != nil {
			return err
		}
		bots = append(bots, telegram.Bot{Name: tg.Name, SecretToken: tg.SecretToken})
	}
	if len(bots) == 0 {
		return nil
	}
	h, err := telegram.NewHandler(bots, s.Host, telegram.WithLogger(s.log),
		telegram.WithRejectHook(func(reason string) { s.Metrics.reject("telegram", reason) }))
	if err != nil {
		return err
	}
	s.mux.Handle("POST /webhooks/telegram/{name}", h)
	return nil
}

// web mounts the web chat widgets: the first at / (its API under /api/),
// every widget also under /web/{name}/.
func (s *Server) web(flowAt func(string) (*flows.Flow, error)) error {
	for i, wc := range s.cfg.Channels.Web {
		f, err := flowAt(wc.Flow)
		if err != nil {
			return err
		}
		h, err := web.NewHandler(s.Host, web.WithName(wc.Name), web.WithTitle(f.Name), web.WithLogger(s.log),
			web.WithRejectHook(func(reason string) { s.Metrics.reject("web", reason) }))
		if err != nil {
			return err
		}
		a := &Account{Channel: flows.ChannelWeb, Name: wc.Name, Sender: h, Path: wc.Flow}
		if err := s.Host.AddAccount(a, f); err != nil {
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
