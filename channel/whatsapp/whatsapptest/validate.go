package whatsapptest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// request is a Messages API body, read loosely so that check can say what
// is wrong the way Graph does.
type request struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	To               string `json:"to"`
	Recipient        string `json:"recipient"`
	Type             string `json:"type"`
	Status           string `json:"status"`
	MessageID        string `json:"message_id"`
	CallbackData     string `json:"biz_opaque_callback_data"`
	Typing           *struct {
		Type string `json:"type"`
	} `json:"typing_indicator"`
	Text *struct {
		Body       string `json:"body"`
		PreviewURL bool   `json:"preview_url"`
	} `json:"text"`
	Interactive *struct {
		Type string `json:"type"`
		Body *struct {
			Text string `json:"text"`
		} `json:"body"`
		Action *struct {
			Button  string `json:"button"`
			Buttons []struct {
				Type  string `json:"type"`
				Reply struct {
					ID    string `json:"id"`
					Title string `json:"title"`
				} `json:"reply"`
			} `json:"buttons"`
			Sections []struct {
				Title string `json:"title"`
				Rows  []struct {
					ID          string `json:"id"`
					Title       string `json:"title"`
					Description string `json:"description"`
				} `json:"rows"`
			} `json:"sections"`
		} `json:"action"`
	} `json:"interactive"`
	Template *struct {
		Name     string `json:"name"`
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
		Components []struct {
			Type       string `json:"type"`
			Parameters []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"parameters"`
		} `json:"components"`
	} `json:"template"`
}

var (
	phoneRE = regexp.MustCompile(`^\+?[0-9]{6,15}$`)
	bsuidRE = regexp.MustCompile(`^[A-Z]{2}\.[A-Za-z0-9]{1,128}$`)
)

func runes(s string) int { return utf8.RuneCountInString(s) }

// check validates a send like Graph and returns what it would record.
func (s *Server) check(r *request) (*Message, *graphError) {
	if r.MessagingProduct != "whatsapp" {
		return nil, invalid(100, "The parameter messaging_product is required and must be whatsapp.")
	}
	if r.RecipientType != "" && r.RecipientType != "individual" {
		return nil, invalid(100, "Invalid parameter: recipient_type must be individual")
	}
	if runes(r.CallbackData) > 512 {
		return nil, invalid(100, "Param biz_opaque_callback_data must be at most 512 characters long.")
	}
	m := &Message{Type: r.Type, CallbackData: r.CallbackData}
	switch {
	case r.To != "":
		if !phoneRE.MatchString(r.To) {
			return nil, invalid(131009, "Parameter value is not valid: to %q is not a phone number", r.To)
		}
		m.To = strings.TrimPrefix(r.To, "+")
	case r.Recipient != "":
		if !bsuidRE.MatchString(r.Recipient) {
			return nil, invalid(131009, "Parameter value is not valid: recipient %q is not a business-scoped user id", r.Recipient)
		}
		m.Recipient = r.Recipient
	default:
		return nil, invalid(131008, "Required parameter is missing: to or recipient")
	}
	switch r.Type {
	case "text":
		if r.Text == nil || r.Text.Body == "" {
			return nil, invalid(131008, "Required parameter is missing: text['body']")
		}
		if runes(r.Text.Body) > 4096 {
			return nil, invalid(100, "Param text['body'] must be at most 4096 characters long.")
		}
		m.Text, m.PreviewURL = r.Text.Body, r.Text.PreviewURL
	case "interactive":
		in, err := checkInteractive(r)
		if err != nil {
			return nil, err
		}
		m.Interactive = in
	case "template":
		t, err := s.checkTemplate(r)
		if err != nil {
			return nil, err
		}
		m.Template = t
	case "":
		return nil, invalid(131008, "Required parameter is missing: type")
	default:
		return nil, invalid(131009, "Parameter value is not valid: the fake does not take messages of type %q", r.Type)
	}
	return m, nil
}

func checkInteractive(r *request) (*Interactive, *graphError) {
	in := r.Interactive
	if in == nil || in.Body == nil || in.Body.Text == "" || in.Action == nil {
		return nil, invalid(131008, "Required parameter is missing: interactive needs body.text and action")
	}
	if runes(in.Body.Text) > 1024 {
		return nil, invalid(100, "Param interactive['body']['text'] must be at most 1024 characters long.")
	}
	out := &Interactive{Type: in.Type, Body: in.Body.Text}
	ids, titles := map[string]bool{}, map[string]bool{}
	choice := func(id, title, desc string, idMax, titleMax int) *graphError {
		switch {
		case id == "" || title == "":
			return invalid(131008, "Required parameter is missing: every button and row needs an id and a title")
		case runes(id) > idMax:
			return invalid(100, "Param id must be at most %d characters long.", idMax)
		case runes(title) > titleMax:
			return invalid(100, "Param title must be at most %d characters long: %q", titleMax, title)
		case runes(desc) > 72:
			return invalid(100, "Param description must be at most 72 characters long.")
		case ids[id]:
			return invalid(131009, "Parameter value is not valid: duplicate id %q", id)
		case titles[title]:
			return invalid(131009, "Parameter value is not valid: duplicate title %q", title)
		}
		ids[id], titles[title] = true, true
		out.Choices = append(out.Choices, Choice{ID: id, Title: title, Description: desc})
		return nil
	}
	switch in.Type {
	case "button":
		b := in.Action.Buttons
		if len(b) == 0 || len(b) > 3 {
			return nil, invalid(131009, "Parameter value is not valid: buttons must have between 1 and 3 items, got %d", len(b))
		}
		for _, x := range b {
			if x.Type != "reply" {
				return nil, invalid(131009, "Parameter value is not valid: button type must be reply")
			}
			if strings.TrimSpace(x.Reply.ID) != x.Reply.ID {
				return nil, invalid(131009, "Parameter value is not valid: a button id may not have leading or trailing spaces: %q", x.Reply.ID)
			}
			if err := choice(x.Reply.ID, x.Reply.Title, "", 256, 20); err != nil {
				return nil, err
			}
		}
	case "list":
		a := in.Action
		if a.Button == "" || runes(a.Button) > 20 {
			return nil, invalid(100, "Param action['button'] is required and must be at most 20 characters long.")
		}
		if len(a.Sections) == 0 || len(a.Sections) > 10 {
			return nil, invalid(131009, "Parameter value is not valid: sections must have between 1 and 10 items")
		}
		rows := 0
		for _, sec := range a.Sections {
			if sec.Title == "" { // Meta's list reference: required, even for one section (which does not show it)
				return nil, invalid(131008, "Required parameter is missing: sections[].title")
			}
			if runes(sec.Title) > 24 {
				return nil, invalid(100, "Param section title must be at most 24 characters long.")
			}
			for _, row := range sec.Rows {
				rows++
				if err := choice(row.ID, row.Title, row.Description, 200, 24); err != nil {
					return nil, err
				}
			}
		}
		if rows == 0 || rows > 10 {
			return nil, invalid(131009, "Parameter value is not valid: a list must have between 1 and 10 rows in all, got %d", rows)
		}
		out.ListButton = a.Button
	default:
		return nil, invalid(131009, "Parameter value is not valid: interactive type %q (the fake takes button and list)", in.Type)
	}
	return out, nil
}

func (s *Server) checkTemplate(r *request) (*Template, *graphError) {
	t := r.Template
	if t == nil || t.Name == "" || t.Language.Code == "" {
		return nil, invalid(131008, "Required parameter is missing: template name and language.code")
	}
	s.mu.Lock()
	want, ok := s.templates[t.Name+"/"+t.Language.Code]
	s.mu.Unlock()
	if !ok {
		return nil, invalid(132001, "Template name does not exist in the translation: %s (%s)", t.Name, t.Language.Code)
	}
	out := &Template{Name: t.Name, Language: t.Language.Code}
	for _, c := range t.Components {
		if c.Type != "body" {
			continue
		}
		for _, p := range c.Parameters {
			if p.Type != "text" {
				return nil, invalid(131009, "Parameter value is not valid: the fake takes text parameters")
			}
			if strings.ContainsAny(p.Text, "\n\t") || strings.Contains(p.Text, "     ") {
				return nil, invalid(132018, "There was an issue with the parameters in your template: new lines, tabs or more than 4 consecutive spaces")
			}
			out.Params = append(out.Params, p.Text)
		}
	}
	if len(out.Params) != want {
		return nil, invalid(132000, "Number of parameters does not match the expected number of params: %d, want %d", len(out.Params), want)
	}
	return out, nil
}

type mediaFile struct {
	mime string
	data []byte
}

// AddMedia makes a media id downloadable (GET /{version}/{id}, then its url).
func (s *Server) AddMedia(id, mime string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = mediaFile{mime: mime, data: data}
}

func (s *Server) mediaInfo(w http.ResponseWriter, id string) *graphError {
	s.mu.Lock()
	f, ok := s.media[id]
	s.mu.Unlock()
	if !ok {
		return &graphError{status: http.StatusNotFound, code: 100, subcode: 33, message: "Unsupported get request. Object with ID '" + id + "' does not exist"}
	}
	sum := sha256.Sum256(f.data)
	writeJSON(w, map[string]string{
		"messaging_product": "whatsapp", "id": id, "mime_type": f.mime,
		"url": s.URL + "/media-download/" + id, "sha256": hex.EncodeToString(sum[:]),
		"file_size": strconv.Itoa(len(f.data)),
	})
	return nil
}

func (s *Server) download(w http.ResponseWriter, id string) *graphError {
	s.mu.Lock()
	f, ok := s.media[id]
	s.mu.Unlock()
	if !ok {
		return &graphError{status: http.StatusNotFound, code: 100, message: "media not found"}
	}
	w.Header().Set("Content-Type", f.mime)
	w.Write(f.data)
	return nil
}
