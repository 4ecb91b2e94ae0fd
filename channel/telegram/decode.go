package telegram

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// The Bot API's Update, as far as Baton reads it.
type update struct {
	UpdateID      *int64    `json:"update_id"`
	Message       *tgMsg    `json:"message"`
	EditedMessage *tgMsg    `json:"edited_message"`
	CallbackQuery *callback `json:"callback_query"`
}

type user struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

type chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type tgFile struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	MIMEType string `json:"mime_type"`
}

type tgMsg struct {
	MessageID int64    `json:"message_id"`
	From      *user    `json:"from"`
	Chat      chat     `json:"chat"`
	Date      int64    `json:"date"`
	Text      string   `json:"text"`
	Caption   string   `json:"caption"`
	Photo     []tgFile `json:"photo"` // sizes, the largest last
	Document  *tgFile  `json:"document"`
	Animation *tgFile  `json:"animation"`
	Audio     *tgFile  `json:"audio"`
	Voice     *tgFile  `json:"voice"`
	Video     *tgFile  `json:"video"`
	VideoNote *tgFile  `json:"video_note"`
	Sticker   *struct {
		FileID     string `json:"file_id"`
		IsAnimated bool   `json:"is_animated"`
		IsVideo    bool   `json:"is_video"`
	} `json:"sticker"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
	} `json:"location"`
	Venue *struct {
		Title   string `json:"title"`
		Address string `json:"address"`
	} `json:"venue"`
	Contact *struct {
		PhoneNumber string `json:"phone_number"`
		FirstName   string `json:"first_name"`
		LastName    string `json:"last_name"`
		UserID      int64  `json:"user_id"`
	} `json:"contact"`
}

type callback struct {
	ID      string `json:"id"`
	From    user   `json:"from"`
	Message *tgMsg `json:"message"`
	Data    string `json:"data"`
}

// Reasons an update is not processed (see WithRejectHook and the table in
// the package doc).
const (
	RejectMethod      = "method"          // not POST: 405
	RejectUnknownBot  = "unknown_bot"     // a bot name this handler does not serve: 404
	RejectSecret      = "secret_token"    // missing or wrong X-Telegram-Bot-Api-Secret-Token: 401
	RejectTooLarge    = "too_large"       // body over the limit: 413
	RejectMalformed   = "malformed"       // not an Update: 400
	RejectUnsupported = "unsupported"     // an update or message kind Baton does not read: 200, skipped
	RejectGroup       = "group"           // a group, supergroup or channel chat: 200, skipped
	RejectFromBot     = "from_bot"        // sent by a bot: 200, skipped
	RejectReceiver    = "receiver_failed" // the Receiver failed: 500, Telegram delivers again
)

var errMalformed = errors.New("not a Telegram Update")

// decoded is what an update carries: an inbound message (with the
// callback query to answer, if it was a tap), or a reason to skip it (and
// the tap to answer all the same).
type decoded struct {
	in       *flows.Inbound
	callback string // callback_query id to answer
	skip     string
}

// decode reads an Update for the bot named bot. now stands in for a
// missing date.
func decode(body []byte, bot string, now time.Time) (decoded, error) {
	var u update
	if err := json.Unmarshal(body, &u); err != nil {
		return decoded{}, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if u.UpdateID == nil {
		return decoded{}, fmt.Errorf("%w: no update_id", errMalformed)
	}
	id := "tg:" + bot + ":" + strconv.FormatInt(*u.UpdateID, 10)
	in := flows.Input{Kind: flows.InputMessage}
	var (
		m    *tgMsg
		from *user
		d    decoded
	)
	switch {
	case u.Message != nil:
		m, from = u.Message, u.Message.From
		if !readContent(m, &in) {
			return decoded{skip: RejectUnsupported}, nil
		}
	case u.CallbackQuery != nil:
		cq := u.CallbackQuery
		from, m = &cq.From, cq.Message
		if m == nil { // too old to be sent: in a private chat the chat id is the user's id
			m = &tgMsg{Chat: chat{ID: cq.From.ID, Type: "private"}}
		}
		d.callback = cq.ID // answered even when skipped: the client's spinner runs until it is
		if cq.Data == "" || cq.ID == "" {
			return decoded{skip: RejectUnsupported, callback: d.callback}, nil
		}
		in.Payload = cq.Data
		m = &tgMsg{Chat: m.Chat, Date: now.Unix()} // the tap happens now, not when the menu was sent
	default: // edited messages, channel posts, inline queries, polls, membership...
		return decoded{skip: RejectUnsupported}, nil
	}
	switch {
	case m.Chat.Type != "private":
		return decoded{skip: RejectGroup, callback: d.callback}, nil
	case from != nil && from.IsBot:
		return decoded{skip: RejectFromBot, callback: d.callback}, nil
	}
	at := now
	if m.Date > 0 {
		at = time.Unix(m.Date, 0).UTC()
	}
	// The turn runs at the receive time, on the clock of its timers and
	// SLA; the message's date is kept in Inbound.At.
	in.At = now
	c := flows.Contact{ID: strconv.FormatInt(m.Chat.ID, 10)}
	if from != nil {
		c.Name = strings.TrimSpace(from.FirstName + " " + from.LastName)
		if from.Username != "" || from.LanguageCode != "" {
			c.Meta = map[string]string{}
			if from.Username != "" {
				c.Meta["username"] = from.Username
			}
			if from.LanguageCode != "" {
				c.Meta["language"] = from.LanguageCode
			}
		}
	}
	d.in = &flows.Inbound{
		ID: id, Channel: flows.ChannelTelegram, Account: bot,
		ConversationID: flows.ConversationID(flows.ChannelTelegram, bot, c.ID),
		Contact:        c, Input: in, At: at,
	}
	return d, nil
}

// readContent fills in from a message, and reports whether Baton reads
// its kind.
func readContent(m *tgMsg, in *flows.Input) bool {
	file := func(kind string, f *tgFile) bool {
		if f == nil || f.FileID == "" {
			return false
		}
		in.Text = m.Caption
		in.Media = &flows.Media{Kind: kind, ID: f.FileID, MIME: f.MIMEType, Caption: m.Caption, Filename: f.FileName}
		return true
	}
	switch {
	case m.Text != "":
		in.Text = m.Text
		return true
	case len(m.Photo) > 0:
		f := m.Photo[len(m.Photo)-1]
		f.MIMEType = "image/jpeg" // Telegram re-encodes photos as JPEG
		return file(flows.MediaImage, &f)
	case m.Animation != nil:
		return file(flows.MediaVideo, m.Animation)
	case m.Document != nil:
		return file(flows.MediaDocument, m.Document)
	case m.Audio != nil:
		return file(flows.MediaAudio, m.Audio)
	case m.Voice != nil:
		return file(flows.MediaAudio, m.Voice)
	case m.Video != nil:
		return file(flows.MediaVideo, m.Video)
	case m.VideoNote != nil:
		return file(flows.MediaVideo, m.VideoNote)
	case m.Sticker != nil:
		mime := "image/webp"
		switch {
		case m.Sticker.IsAnimated:
			mime = "application/x-tgsticker"
		case m.Sticker.IsVideo:
			mime = "video/webm"
		}
		return file(flows.MediaSticker, &tgFile{FileID: m.Sticker.FileID, MIMEType: mime})
	case m.Location != nil:
		md := &flows.Media{Kind: flows.MediaLocation, Latitude: m.Location.Latitude, Longitude: m.Location.Longitude}
		if m.Venue != nil {
			md.Name, md.Address = m.Venue.Title, m.Venue.Address
		}
		in.Media = md
		return true
	case m.Contact != nil:
		k := m.Contact
		c := flows.Contact{Name: strings.TrimSpace(k.FirstName + " " + k.LastName), Phone: k.PhoneNumber}
		if k.UserID != 0 {
			c.ID = strconv.FormatInt(k.UserID, 10)
		}
		in.Media = &flows.Media{Kind: flows.MediaContacts, Contacts: []flows.Contact{c}}
		return true
	}
	return false // polls, dice, games, service messages...
}
