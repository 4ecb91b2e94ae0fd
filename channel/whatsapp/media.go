package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/batonbot/baton/flows"
)

// FetchMedia downloads a file a customer sent: GET /{version}/{media-id}
// for its short-lived url, then the url, both with the Bearer token. It
// refuses files over max bytes with flows.ErrMediaTooLarge, before the
// download when Graph reports the size. Media ids from webhooks expire
// after 7 days.
func (s *Sender) FetchMedia(ctx context.Context, m flows.Media, max int64) (flows.MediaFile, error) {
	if m.ID == "" {
		return flows.MediaFile{}, &flows.ChannelError{Channel: flows.ChannelWhatsApp, Message: "media " + m.Kind + " has no id to download"}
	}
	meta, err := s.get(ctx, s.o.graphURL+"/"+s.o.version+"/"+url.PathEscape(m.ID), maxResponseBytes)
	if err != nil {
		return flows.MediaFile{}, err
	}
	var info struct {
		URL      string          `json:"url"`
		MIMEType string          `json:"mime_type"`
		FileSize json.RawMessage `json:"file_size"` // a number, or a string of one
	}
	if err := json.Unmarshal(meta, &info); err != nil || info.URL == "" {
		return flows.MediaFile{}, &flows.ChannelError{Channel: flows.ChannelWhatsApp, Message: "media " + m.ID + ": the Graph API's answer has no url"}
	}
	if size, err := strconv.ParseInt(string(trimQuotes(info.FileSize)), 10, 64); err == nil && size > max {
		return flows.MediaFile{}, fmt.Errorf("whatsapp: media %s is %d bytes, over %d: %w", m.ID, size, max, flows.ErrMediaTooLarge)
	}
	data, err := s.get(ctx, info.URL, max)
	if err != nil {
		return flows.MediaFile{}, err
	}
	f := flows.MediaFile{Name: m.Filename, MIME: info.MIMEType, Data: data}
	if f.MIME == "" {
		f.MIME = m.MIME
	}
	if f.Name == "" {
		f.Name = m.Kind + "-" + m.ID
		if exts, _ := mime.ExtensionsByType(f.MIME); len(exts) > 0 {
			f.Name += exts[0]
		}
	}
	return f, nil
}

// get downloads u with the Bearer token, refusing more than max bytes.
func (s *Sender) get(ctx context.Context, u string, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &flows.ChannelError{Channel: flows.ChannelWhatsApp, Message: "bad media url: " + shownURL(err).Error()}
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.o.client.Do(req)
	if err != nil {
		err = shownURL(err)
		return nil, &flows.ChannelError{Channel: flows.ChannelWhatsApp, Temporary: true, Message: "downloading media", Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		return nil, graphError(resp.StatusCode, resp.Header, body, s.o.now())
	}
	if resp.ContentLength > max {
		return nil, fmt.Errorf("whatsapp: media is %d bytes, over %d: %w", resp.ContentLength, max, flows.ErrMediaTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, &flows.ChannelError{Channel: flows.ChannelWhatsApp, Temporary: true, Message: "downloading media", Err: err}
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("whatsapp: media over %d bytes: %w", max, flows.ErrMediaTooLarge)
	}
	return data, nil
}

// shownURL is err with its URL cut at the path and without userinfo
// (flows.URLForError): a media URL's query is signed (Meta's lookaside
// URLs), and the error reaches the log.
func shownURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: flows.URLForError(ue.URL), Err: ue.Err}
	}
	return err
}

func trimQuotes(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// Typing marks the customer's message in read (blue ticks) and shows a
// typing indicator until the reply goes out or 25 seconds pass. Call it
// only when a reply is coming.
func (s *Sender) Typing(ctx context.Context, in flows.Inbound) error {
	return s.MarkRead(ctx, in.ID, true)
}

// MarkRead marks the message with the wamid messageID (and those before
// it) as read, with a typing indicator when typing is set.
func (s *Sender) MarkRead(ctx context.Context, messageID string, typing bool) error {
	body := map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": messageID}
	if typing {
		body["typing_indicator"] = map[string]string{"type": "text"}
	}
	b, err := s.post(ctx, s.messagesURL(), body, true)
	if err != nil {
		return err
	}
	var ok struct {
		Success bool `json:"success"`
	}
	if json.Unmarshal(b, &ok) != nil || !ok.Success {
		return &flows.ChannelError{Channel: flows.ChannelWhatsApp, Message: "marking " + messageID + " read: the Graph API did not answer success"}
	}
	return nil
}
