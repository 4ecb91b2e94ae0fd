package valkey

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
)

// The blobs the store keeps. A session is kept without its transcript
// (its list holds it), its id and revision (the keys hold them).

func encodeSession(s *flows.Session) ([]byte, error) {
	c := *s
	c.Transcript, c.ID, c.Rev = nil, "", 0
	c.Vars, c.InitVars = markFloats(c.Vars), markFloats(c.InitVars)
	return json.Marshal(&c)
}

func decodeSession(b []byte) (*flows.Session, error) {
	s := new(flows.Session)
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(s); err != nil {
		return nil, err
	}
	unmarkNumbers(s.Vars)
	unmarkNumbers(s.InitVars)
	return s, nil
}

// Variables keep their Go types through JSON: a whole float64 is written
// with a decimal point ("2.0"), so reading it back gives a float64, a
// number without one gives an int, and an int64 is written as
// {"\x00int64": "N"}.

const int64Key = "\x00int64"

// markFloats returns vars with every whole float64 as a json.Number "N.0"
// (a copy only when there is one).
func markFloats(vars map[string]any) map[string]any {
	if !needsMark(vars) {
		return vars
	}
	out := make(map[string]any, len(vars))
	for k, v := range vars {
		out[k] = markValue(v)
	}
	return out
}

func needsMark(v any) bool {
	switch x := v.(type) {
	case float64:
		return x == math.Trunc(x) && !math.IsInf(x, 0)
	case int64:
		return true
	case map[string]any:
		for _, e := range x {
			if needsMark(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if needsMark(e) {
				return true
			}
		}
	}
	return false
}

func markValue(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return json.Number(strconv.FormatFloat(x, 'f', 1, 64))
		}
	case int64:
		return map[string]any{int64Key: strconv.FormatInt(x, 10)}
	case map[string]any:
		return markFloats(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = markValue(e)
		}
		return out
	}
	return v
}

// unmarkNumbers turns the json.Numbers of vars into int or float64.
func unmarkNumbers(vars map[string]any) {
	for k, v := range vars {
		vars[k] = unmarkValue(v)
	}
}

func unmarkValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.Atoi(s); err == nil {
				return n
			}
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		if s, ok := x[int64Key].(string); ok && len(x) == 1 {
			n, _ := strconv.ParseInt(s, 10, 64)
			return n
		}
		unmarkNumbers(x)
	case []any:
		for i, e := range x {
			x[i] = unmarkValue(e)
		}
	}
	return v
}

func encodeMessage(m *flows.Message) ([]byte, error) { return json.Marshal(m) }

func decodeMessage(b []byte, m *flows.Message) error { return json.Unmarshal(b, m) }

func encodeItem(it *flows.OutboxItem) ([]byte, error) { return json.Marshal(it) }

func decodeItem(b []byte, it *flows.OutboxItem) error { return json.Unmarshal(b, it) }

// itemMeta is what the scripts read of an item (luaPrelude's parseItem).
func itemMeta(it flows.OutboxItem) string {
	return string(it.Status) + "\x1f" + ms(it.NextAt) + "\x1f0\x1f" + string(it.Kind) + "\x1f" + it.HandoffID + "\x1f"
}

// applyMeta sets on it what the scripts own: the status, the next time
// when a script changed it, and what a cascade did (see luaPrelude).
func applyMeta(it *flows.OutboxItem, meta string) {
	f := strings.SplitN(meta, "\x1f", 6)
	if len(f) < 6 {
		return
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
