package engine

import (
	"strings"

	"github.com/batonbot/baton/flows"
)

// A message may carry media (an image, a voice note, a location...). The
// flow sees it as the `media` builtin, and takes it with a trigger or a
// route whose `when:` reads it (`when: media.kind == "image"`); a caption
// is the message's text and goes through menus, routes and asks as text.
// Media that nothing took gets a polite reply in the conversation's
// language, and the state's menu again, instead of the no-match ladder:
// the customer did nothing wrong, the bot just cannot look.

// mediaReplies are the built-in polite replies, by language.
var mediaReplies = map[string]string{
	"en": "Thanks for sending that! I can only read text here: could you write it in a message?",
	"it": "Grazie per l'invio! Qui posso leggere solo messaggi di testo: puoi scrivermelo in un messaggio?",
	"es": "¡Gracias por enviarlo! Aquí solo puedo leer mensajes de texto: ¿puedes escribírmelo en un mensaje?",
	"fr": "Merci pour l'envoi ! Ici je ne peux lire que du texte : pouvez-vous me l'écrire dans un message ?",
	"de": "Danke für die Nachricht! Ich kann hier nur Text lesen: Können Sie es mir in einer Nachricht schreiben?",
	"pt": "Obrigado pelo envio! Aqui só consigo ler mensagens de texto: pode escrever-me numa mensagem?",
}

// WithMediaReplies replaces the built-in polite replies to media a flow
// does not take, by language ("en", "it"...); a language missing from
// replies keeps its built-in text.
func WithMediaReplies(replies map[string]string) Option {
	return func(e *Engine) { e.mediaReplies = replies }
}

// noMedia is the `media` builtin of a turn without media, boxed once.
var noMedia any = flows.MediaEnv{}

// mediaEnv is the `media` builtin of this turn.
func (t *turn) mediaEnv() any {
	if t.in.Kind == flows.InputMessage && t.in.Media != nil {
		return t.in.Media.Env()
	}
	if t.resumedMedia != nil { // resumed after an HTTP call: the message's
		return t.resumedMedia.Env()
	}
	return noMedia
}

// pendingMedia is the media of the message a turn suspended by an HTTP
// call keeps for the actions after it, held to the message cap.
func (t *turn) pendingMedia() *flows.Media {
	if t.in.Kind == flows.InputMessage && t.in.Media != nil && t.userMsg {
		return boundMedia(t.in.Media, t.e.maxMsg).Clone()
	}
	return t.resumedMedia
}

// recordUser adds the user's message to the transcript: its text, or for
// media its description ("[image 1479537139650973] broken box"), with the media.
func (t *turn) recordUser() int {
	i := t.record(flows.RoleUser, t.text)
	if t.cut > 0 {
		t.msgs[i].Text += cutMark(t.cut)
	}
	if m := t.in.Media; m != nil {
		// The description and the caption kept are held to the cap too.
		d, cut := cutMessage(m.Describe(), t.e.maxMsg)
		if cut > 0 {
			d += cutMark(cut)
		}
		t.msgs[i].Text = d
		t.msgs[i].Media = boundMedia(m, t.e.maxMsg)
	}
	return i
}

// boundMedia returns m, or when the texts it carries (media id, type,
// file name, caption, place, contact cards) are over max bytes together, a
// copy that keeps them in that order up to max: a webhook cannot grow a
// session by megabytes per message through a file name or a list of
// contact cards.
func boundMedia(m *flows.Media, max int) *flows.Media {
	size := len(m.ID) + len(m.MIME) + len(m.Filename) + len(m.Caption) + len(m.Name) + len(m.Address)
	for _, c := range m.Contacts {
		size += contactSize(c)
	}
	if size <= max {
		return m
	}
	left := max
	take := func(s string) string {
		s, _ = cutMessage(s, left)
		left -= len(s)
		return s
	}
	mc := *m
	mc.ID, mc.MIME, mc.Filename, mc.Caption, mc.Name, mc.Address = take(m.ID), take(m.MIME), take(m.Filename), take(m.Caption), take(m.Name), take(m.Address)
	mc.Contacts = nil
	for _, c := range m.Contacts {
		if left <= 0 {
			break
		}
		if n := contactSize(c); n <= left {
			mc.Contacts = append(mc.Contacts, c)
			left -= n
			continue
		}
		mc.Contacts = append(mc.Contacts, flows.Contact{ID: take(c.ID), Name: take(c.Name), Phone: take(c.Phone), Email: take(c.Email)})
	}
	return &mc
}

// contactSize is the bytes of the texts of a contact card.
func contactSize(c flows.Contact) int {
	n := len(c.ID) + len(c.Name) + len(c.Phone) + len(c.Email)
	for k, v := range c.Meta {
		n += len(k) + len(v)
	}
	return n
}

// unhandledMedia answers media nothing took with the polite reply and the
// state's menu; it does not count as a no-match.
func (t *turn) unhandledMedia(st *flows.State) {
	mark := len(t.out)
	t.trigger = "media"
	t.reply(t.mediaReply())
	t.stay(st, mark)
}

// mediaReply is the polite reply in the conversation's language, else the
// flow's, else English.
func (t *turn) mediaReply() string {
	for _, lang := range []string{t.s.Lang, t.e.lang, "en"} {
		base, _, _ := strings.Cut(strings.ToLower(lang), "-")
		for _, m := range []map[string]string{t.e.mediaReplies, mediaReplies} {
			if r := m[lang]; r != "" {
				return r
			}
			if r := m[base]; r != "" {
				return r
			}
		}
	}
	return mediaReplies["en"]
}
