package handoff

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/handoff/handofftest"
)

// fakeMedia is a channel's media store: files by id, or the error to give.
type fakeMedia struct {
	files map[string]flows.MediaFile
	err   error
	calls int
}

func (f *fakeMedia) FetchMedia(_ context.Context, m flows.Media, max int64) (flows.MediaFile, error) {
	f.calls++
	if f.err != nil {
		return flows.MediaFile{}, f.err
	}
	file, ok := f.files[m.ID]
	if !ok {
		return flows.MediaFile{}, &flows.ChannelError{Channel: "whatsapp", Status: 404, Message: "media not found"}
	}
	if int64(len(file.Data)) > max {
		return flows.MediaFile{}, flows.ErrMediaTooLarge
	}
	return file, nil
}

func (f *fakeMedia) fetchers(conv string) flows.MediaFetcher {
	if strings.HasPrefix(conv, "whatsapp:") {
		return f
	}
	return nil
}

var photo = flows.MediaFile{Name: "box.jpg", MIME: "image/jpeg", Data: []byte("\xff\xd8\xff jpeg bytes")}

func mediaMessages() []flows.TicketMessage {
	at := connTestTime
	return []flows.TicketMessage{
		{ID: "a1", Message: flows.Message{At: at, From: flows.RoleUser, Text: "[image] broken box", Media: &flows.Media{Kind: "image", ID: "m-photo", MIME: "image/jpeg", Caption: "broken box"}}},
		{ID: "a2", Message: flows.Message{At: at, From: flows.RoleUser, Text: "[video] unboxing.mp4", Media: &flows.Media{Kind: "video", ID: "m-big", Filename: "unboxing.mp4"}}},
		{ID: "a3", Message: flows.Message{At: at, From: flows.RoleUser, Text: "[location] (45.1, 9.2)", Media: &flows.Media{Kind: "location", Latitude: 45.1, Longitude: 9.2}}},
	}
}

func mediaContext() context.Context {
	return WithAttempt(context.Background(), Attempt{Number: 1, Item: "a1", Conversation: "whatsapp:1065:393331234567"})
}

// TestZendeskAttachesMedia: a photo is uploaded and named by the comment;
// a file over the cap is not, and the comment says so; a location is not
// a file.
func TestZendeskAttachesMedia(t *testing.T) {
	media := &fakeMedia{files: map[string]flows.MediaFile{"m-photo": photo, "m-big": {Name: "unboxing.mp4", Data: make([]byte, 2048)}}}
	clock := handofftest.NewClock(connTestTime)
	fake := handofftest.NewZendesk(t, clock, "bot@acme.test", "tok123", "")
	z := newTestZendesk(t, fake.URL, WithTimeSource(clock), WithMedia(media.fetchers), WithMaxAttachment(1024))
	ref, err := z.Open(context.Background(), connTestHandoff())
	if err != nil {
		t.Fatal(err)
	}
	if err := z.AppendBatch(mediaContext(), ref, flows.Contact{Name: "Mario"}, mediaMessages()); err != nil {
		t.Fatal(err)
	}
	tk := fake.Tickets()[0]
	c := tk.Comments[len(tk.Comments)-1]
	if len(c.Uploads) != 1 {
		t.Fatalf("comment uploads = %v, want the photo's token", c.Uploads)
	}
	up, ok := fake.Upload(c.Uploads[0])
	if !ok || up.Name != "box.jpg" || up.ContentType != "image/jpeg" || string(up.Data) != string(photo.Data) {
		t.Errorf("upload = %+v", up)
	}
	if !strings.Contains(c.Body, "unboxing.mp4 not attached: it is over the 1 KB limit") {
		t.Errorf("the comment does not say the video was skipped:\n%s", c.Body)
	}

	// The channel's API is down: the update is retried, nothing is sent.
	media.err = &flows.ChannelError{Channel: "whatsapp", Status: 503, Temporary: true}
	before := len(fake.Calls("", ""))
	err = z.AppendBatch(mediaContext(), ref, flows.Contact{}, mediaMessages()[:1])
	if ok, _ := Retryable(err); err == nil || !ok {
		t.Errorf("a channel outage: err = %v, want a retryable error", err)
	}
	if n := len(fake.Calls("", "")) - before; n != 0 {
		t.Errorf("%d requests to Zendesk while the media could not be fetched", n)
	}
}

// TestFreshdeskAttachesMedia: the note is multipart with the photo as
// attachments[], and still the requester's incoming note.
func TestFreshdeskAttachesMedia(t *testing.T) {
	media := &fakeMedia{files: map[string]flows.MediaFile{"m-photo": photo}}
	fake, f, _ := newFreshdeskPair(t, WithMedia(media.fetchers))
	ref, err := f.Open(context.Background(), connTestHandoff())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.AppendBatch(mediaContext(), ref, flows.Contact{Name: "Mario"}, mediaMessages()[:2]); err != nil {
		t.Fatal(err)
	}
	tk := fake.Tickets()[0]
	n := tk.Notes[0]
	if len(n.Attachments) != 1 || n.Attachments[0].Name != "box.jpg" || string(n.Attachments[0].Data) != string(photo.Data) {
		t.Errorf("attachments = %+v", n.Attachments)
	}
	if n.Private || !n.Incoming || n.UserID != tk.RequesterID || !strings.Contains(n.Body, "unboxing.mp4 not attached: the channel did not give it") {
		t.Errorf("note = %+v", n)
	}
}

// TestWebhookMediaLinks: handoff.append links the file; the link serves it
// until it expires, and a changed link is refused.
func TestWebhookMediaLinks(t *testing.T) {
	media := &fakeMedia{files: map[string]flows.MediaFile{"m-photo": photo}}
	now := connTestTime
	clock := func() time.Time { return now }
	links, err := NewMediaLinks("https://baton.example.com/media", testWebhookSecret, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var got WebhookEvent
	var body []byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(200)
	}))
	defer recv.Close()
	w, err := NewWebhook(recv.URL, testWebhookSecret, WithClock(clock), WithMediaLinks(links))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(mediaContext(), flows.TicketRef{ID: "h-42"}, mediaMessages()[0].Message); err != nil {
		t.Fatal(err)
	}
	if err := jsonUnmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	var up WebhookUpdate
	if err := jsonUnmarshal(got.Data, &up); err != nil || len(up.Attachments) != 1 {
		t.Fatalf("update = %s (%v)", got.Data, err)
	}
	a := up.Attachments[0]
	if a.Kind != "image" || !a.Expires.Equal(now.Add(time.Hour)) || !strings.HasPrefix(a.URL, "https://baton.example.com/media/whatsapp:1065:393331234567/m-photo?") {
		t.Errorf("attachment = %+v", a)
	}
	h, err := NewMediaHandler(links, media.fetchers, 0, HandlerClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
		return rec
	}
	if rec := get(a.URL); rec.Code != 200 || rec.Body.String() != string(photo.Data) || rec.Header().Get("Content-Type") != "image/jpeg" {
		t.Errorf("GET the link: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	if rec := get(strings.Replace(a.URL, "m-photo", "m-other", 1)); rec.Code != 403 {
		t.Errorf("another media id under the same signature: %d, want 403", rec.Code)
	}
	now = now.Add(2 * time.Hour)
	if rec := get(a.URL); rec.Code != 403 || !strings.Contains(rec.Body.String(), "expired") {
		t.Errorf("an expired link: %d %s", rec.Code, rec.Body.String())
	}
	if _, err := NewMediaLinks("ftp://x", testWebhookSecret, 0); err == nil {
		t.Error("a non-http base must be refused")
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// TestFreshdeskNoteAttachmentsWithinLimit: Freshdesk takes at most 20 MB
// of attachments in one note ("Create a Note"); a batch whose files add
// up to more attaches what fits and says which file was left out, rather
// than sending a note Freshdesk refuses (and the customer's messages with
// it).
func TestFreshdeskNoteAttachmentsWithinLimit(t *testing.T) {
	doc := func(name string) flows.MediaFile {
		return flows.MediaFile{Name: name, MIME: "application/pdf", Data: make([]byte, 8<<20)}
	}
	media := &fakeMedia{files: map[string]flows.MediaFile{"m1": doc("one.pdf"), "m2": doc("two.pdf"), "m3": doc("three.pdf")}}
	fake, f, _ := newFreshdeskPair(t, WithMedia(media.fetchers))
	ref, err := f.Open(context.Background(), connTestHandoff())
	if err != nil {
		t.Fatal(err)
	}
	var msgs []flows.TicketMessage
	for i, name := range []string{"one.pdf", "two.pdf", "three.pdf"} {
		id := "m" + string(rune('1'+i))
		msgs = append(msgs, flows.TicketMessage{ID: "a" + id, Message: flows.Message{At: connTestTime, From: flows.RoleUser,
			Text: "[document] " + name, Media: &flows.Media{Kind: "document", ID: id, Filename: name, MIME: "application/pdf"}}})
	}
	if err := f.AppendBatch(mediaContext(), ref, flows.Contact{Name: "Mario"}, msgs); err != nil {
		t.Fatal(err)
	}
	n := fake.Tickets()[0].Notes[0]
	total := 0
	for _, a := range n.Attachments {
		total += len(a.Data)
	}
	if total > 20<<20 || len(n.Attachments) != 2 {
		t.Errorf("the note carries %d attachments, %d bytes in all; want the two that fit in Freshdesk's 20 MB", len(n.Attachments), total)
	}
	if !strings.Contains(n.Body, "three.pdf not attached") {
		t.Errorf("the note does not say three.pdf was left out:\n%s", n.Body)
	}
}
