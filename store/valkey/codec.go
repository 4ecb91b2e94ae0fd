package valkey

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/batonbot/baton/flows"
)

// The blobs the store keeps. A session is kept without its transcript
// (its list holds it), its id and revision (the keys hold them).

func encodeSession(s *flows.Session) ([]byte, error) {
	c := *s
	c.Transcript, c.ID, c.Rev = nil, "", 0
	return json.Marshal(&c)
}

func decodeSession(b []byte) (*flows.Session, error) {
	s := new(flows.Session)
	if err := json.Unmarshal(b, s); err != nil {
		return nil, err
	}
	return s, nil
}

func encodeMessage(m *flows.Message) ([]byte, error) { return json.Marshal(m) }

func decodeMessage(b []byte, m *flows.Message) error { return json.Unmarshal(b, m) }

func encodeItem(it *flows.OutboxItem) ([]byte, error) { return json.Marshal(it) }

func decodeItem(b []byte, it *flows.OutboxItem) error { return json.Unmarshal(b, it) }



// itemMeta is what the scripts read of an item (luaPrelude's parseItem).
func itemMeta(it flows.OutboxItem) string {
	return string(it.Status) + "\x1f" + ms(it.NextAt) + "\x1f0\x1f" + string(it.Kind) + "\x1f" + it.HandoffID
}

// parseMeta reads an item meta's status and next time.
func parseMeta(m string) (status flows.OutboxStatus, next int64) {
	var f [5]string
	n := 0
	start := 0
	for i := 0; i < len(m) && n < 4; i++ {
		if m[i] == 0x1f {
			f[n] = m[start:i]
			n++
			start = i + 1
		}
	}
	next, _ = strconv.ParseInt(f[1], 10, 64)
	return flows.OutboxStatus(f[0]), next
}

// fillItem fills what a Commit may leave out of an outbox item.
func fillItem(it flows.OutboxItem, id string, now time.Time) flows.OutboxItem {
	if it.Status == "" {
		it.Status = flows.OutboxPending
	}
	if it.ConversationID == "" {
		it.ConversationID = id
	}
	if it.CreatedAt.IsZero() {
		it.CreatedAt = now
	}
	if it.NextAt.IsZero() {
		it.NextAt = now
	}
	return it
}

func encodeTicket(t flows.TicketRef) string {
	b, _ := json.Marshal(t) // three strings: cannot fail
	return string(b)
}

func decodeTicket(s string, t *flows.TicketRef) error { return json.Unmarshal([]byte(s), t) }

func encodeEntry(e *flows.InboxEntry) ([]byte, error) { return json.Marshal(e) }

func decodeEntry(b []byte, e *flows.InboxEntry) error { return json.Unmarshal(b, e) }
