package valkey

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
)

// The blobs the store keeps. A session is kept without its transcript
// (its list holds it), its id and revision (the keys hold them).

func encodeSession(s *flows.Session) ([]byte, error) {
	c := *s
	c.Transcript, c.ID, c.Rev = nil, "", 0
	return store.EncodeForSave(nil, s.ID, &c)
}

func decodeSession(b []byte) (*flows.Session, error) { return store.DecodeSession(b) }

func encodeMessage(m *flows.Message) []byte { return store.EncodeMessage(nil, m) }

func decodeMessage(b []byte, m *flows.Message) error { return store.DecodeMessage(b, m) }

func encodeItem(it *flows.OutboxItem) ([]byte, error) { return json.Marshal(it) }

func decodeItem(b []byte, it *flows.OutboxItem) error { return json.Unmarshal(b, it) }

// itemMeta is what the save script reads of a new item (luaPrelude's
// parseItem): the meta, and its creation stamp as an eighth field, which
// the script files apart (see luaPrelude).
func itemMeta(it flows.OutboxItem) string {
	return string(it.Status) + "\x1f" + ms(it.NextAt) + "\x1f0\x1f" + string(it.Kind) + "\x1f" + it.HandoffID + "\x1f\x1f0\x1f" + createdStamp(it.CreatedAt)
}

// year1 is the Unix time of 0001-01-01 UTC, the zero time.Time.
const year1 = -62135596800

// createdStamp is an item's creation time as the scripts keep it, for its
// kind's pending counts: seconds since the year 1 in twelve digits, then
// nanoseconds in nine, so the strings sort as the times do (luaPrelude's
// stampOf makes the same of the time in an item's blob).
func createdStamp(t time.Time) string {
	secs := t.Unix() - year1
	if secs < 0 {
		return strings.Repeat("0", 21)
	}
	b := make([]byte, 21)
	for i, n := 20, int64(t.Nanosecond()); i >= 12; i, n = i-1, n/10 {
		b[i] = byte('0' + n%10)
	}
	for i, n := 11, secs; i >= 0; i, n = i-1, n/10 {
		b[i] = byte('0' + n%10)
	}
	return string(b)
}

// stampTime is the time createdStamp wrote stamp for (in UTC).
func stampTime(stamp string) (time.Time, error) {
	if len(stamp) != 21 {
		return time.Time{}, fmt.Errorf("creation stamp %q is not 21 digits", stamp)
	}
	secs, err1 := strconv.ParseInt(stamp[:12], 10, 64)
	nanos, err2 := strconv.ParseInt(stamp[12:], 10, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}, fmt.Errorf("creation stamp %q is not 21 digits", stamp)
	}
	return time.Unix(secs+year1, nanos).UTC(), nil
}

// applyMeta sets on it what the scripts own: the status, the next time
// when a script changed it, what a cascade did and its claims (see
// luaPrelude).
func applyMeta(it *flows.OutboxItem, meta string) {
	f := strings.SplitN(meta, "\x1f", 8)
	if len(f) < 6 {
		return
	}
	it.LeaseID = 0
	if len(f) >= 7 {
		it.LeaseID, _ = strconv.ParseInt(f[6], 10, 64)
	}
	it.Status = flows.OutboxStatus(f[0])
	if next, _ := strconv.ParseInt(f[1], 10, 64); next != 0 && next != it.NextAt.UnixMilli() {
		it.NextAt = time.UnixMilli(next)
	}
	switch x := f[5]; {
	case x == "r":
		it.Attempts, it.LastError = 0, ""
	case strings.HasPrefix(x, "d"):
		it.LastError = x[1:]
	}
}

func encodeTicket(t flows.TicketRef) string {
	b, _ := json.Marshal(t) // three strings: cannot fail
	return string(b)
}

func decodeTicket(s string, t *flows.TicketRef) error { return json.Unmarshal([]byte(s), t) }

func encodeEntry(e *flows.InboxEntry) ([]byte, error) { return json.Marshal(e) }

func decodeEntry(b []byte, e *flows.InboxEntry) error { return json.Unmarshal(b, e) }
