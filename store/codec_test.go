package store_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
	"github.com/batonbot/baton/store/storetest"
)

var at = time.Date(2026, 3, 3, 10, 30, 0, 123456000, time.UTC)

func TestCodecRoundTrip(t *testing.T) {
	tests := map[string]*flows.Session{
		"rich":  storetest.RichSession("c1", at),
		"bare":  {ID: "bare"},
		"empty": {},
		"edge": {ID: "e", Vars: map[string]any{"neg0": math.Copysign(0, -1), "min": int64(-1) << 63, "maxint": int(^uint(0) >> 1), "emptymap": map[string]any{},
			"emptylist": []any{}, "strs": []string{"a", ""}, "sm": map[string]string{"k": ""}, "bytes": []byte("x"), "when": at, "zero": 0, "f0": 0.0, "s0": "", "no": false},
			Transcript: []flows.Message{{From: "robot", Text: strings.Repeat("lungo ", 100)}}, Lifecycle: "future", Contact: flows.Contact{Meta: map[string]string{}}},
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			b := store.EncodeSession(nil, s)
			got, err := store.DecodeSession(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, s) {
				t.Fatalf("round trip changed the session:\n got %#v\nwant %#v", got, s)
			}
			if again := store.EncodeSession([]byte("prefix"), got); !bytes.HasPrefix(again, []byte("prefix")) || len(again) != len(b)+6 {
				t.Errorf("EncodeSession does not append to dst: %d bytes after a 6-byte prefix, want %d", len(again), len(b)+6)
			}
		})
	}
}

// Sessions written as JSON (by the file store before the codec, or by
// hand for debugging) still load.
func TestCodecReadsJSON(t *testing.T) {
	s := storetest.RichSession("c1", at)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.DecodeSession(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "c1" || got.Transcript[3].Media.Caption != "scatola rotta" || got.Handoff.Ticket.ID != "4001" || !got.CreatedAt.Equal(s.CreatedAt) {
		t.Fatalf("JSON session decoded as %+v", got)
	}
	if _, err := store.DecodeSession([]byte(" {\"id\": 1}")); err == nil {
		t.Error("a JSON session with a number for its id decoded")
	}
}

func TestCodecRefusesWhatItCannotRead(t *testing.T) {
	good := store.EncodeSession(nil, storetest.RichSession("c1", at))
	tests := map[string]struct {
		b    []byte
		want string
	}{
		"empty":    {nil, "corrupt"},
		"newer":    {append([]byte{0xB2}, good[1:]...), "newer than this Baton"},
		"unknown":  {[]byte{0x07, 1, 2}, "corrupt"},
		"cut":      {good[:len(good)/2], "corrupt"},
		"bad wire": {[]byte{store.CodecV1, 1<<3 | 7}, "corrupt"},
	}
	for name, tt := range tests {
		if _, err := store.DecodeSession(tt.b); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, tt.want)
		}
	}
}

// A field a later Baton adds is skipped by this one.
func TestCodecSkipsUnknownFields(t *testing.T) {
	b := store.EncodeSession(nil, &flows.Session{ID: "c", State: "s"})
	b = binary.AppendUvarint(b, 99<<3|2)
	b = append(b, 3, 'n', 'e', 'w')
	b = binary.AppendUvarint(b, 98<<3) // a varint
	b = append(b, 5)
	b = binary.AppendUvarint(b, 97<<3|1)
	b = append(b, 1, 2, 3, 4, 5, 6, 7, 8)
	got, err := store.DecodeSession(b)
	if err != nil || got.ID != "c" || got.State != "s" {
		t.Fatalf("with unknown fields: %+v, %v", got, err)
	}
}

func FuzzDecodeSession(f *testing.F) {
	f.Add(store.EncodeSession(nil, storetest.RichSession("c1", at)))
	f.Add(store.EncodeSession(nil, &flows.Session{ID: "x", Vars: map[string]any{"a": []any{1, "b"}}}))
	f.Add([]byte(`{"id":"c","vars":{"a":1}}`))
	f.Add(nestedLists(maxValueDepth)) // too deep: 120 kB, generated rather than kept in testdata
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := store.DecodeSession(b)
		if err != nil {
			if s != nil {
				t.Fatal("a session and an error")
			}
			return
		}
		// What decodes encodes and decodes to the same session.
		again, err := store.DecodeSession(store.EncodeSession(nil, s))
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if len(b) > 0 && b[0] == store.CodecV1 && !reflect.DeepEqual(again, s) {
			t.Fatalf("re-encoding changed the session:\n%#v\n%#v", again, s)
		}
	})
}

func BenchmarkEncodeSession(b *testing.B) {
	s := tenMessages()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = store.EncodeSession(buf[:0], s)
	}
	b.ReportMetric(float64(len(buf)), "bytes")
}

func BenchmarkDecodeSession(b *testing.B) {
	buf := store.EncodeSession(nil, tenMessages())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := store.DecodeSession(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// tenMessages is an idle conversation of the size the benchmarks use: a
// welcome menu, an order question and its answer, 10 messages.
func tenMessages() *flows.Session {
	s := &flows.Session{ID: "whatsapp:106540352242922:393331234567", Flow: "shop", Channel: "whatsapp", State: "order_status", Lang: "it",
		Contact:   flows.Contact{ID: "393331234567", Name: "Anna Rossi", Phone: "+393331234567"},
		Vars:      map[string]any{"order_id": "A12345", "vip": false, "order": map[string]any{"ok": true, "status": 200, "body": map[string]any{"status": "shipped"}}},
		Lifecycle: flows.LifecycleBot, Turns: 5, CreatedAt: at, UpdatedAt: at.Add(time.Minute), Rev: 5, LastUserAt: at.Add(time.Minute), TimerKey: "timeout:c-5-1"}
	texts := []string{"ciao", "Ciao Anna! Come posso aiutarti?\n1. Stato ordine\n2. Domande frequenti\n3. Operatore", "1", "Qual è il numero d'ordine? (es. A12345)",
		"A12345", "Il tuo ordine A12345 è stato spedito, arriva il 2026-03-05.", "grazie", "Prego! Posso fare altro?", "no", "Buona giornata!"}
	for i, tx := range texts {
		from := flows.RoleUser
		if i%2 == 1 {
			from = flows.RoleBot
		}
		s.Transcript = append(s.Transcript, flows.Message{At: at.Add(time.Duration(i) * time.Second), From: from, Text: tx})
	}
	return s
}

func TestMessageCodec(t *testing.T) {
	for _, m := range storetest.RichSession("c", time.Unix(1700000000, 0)).Transcript {
		var got flows.Message
		if err := store.DecodeMessage(store.EncodeMessage(nil, &m), &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("got %#v, want %#v", got, m)
		}
	}
	if err := store.DecodeMessage([]byte("{}"), new(flows.Message)); err == nil {
		t.Error("a message that is not one decodes")
	}
}

// deepSession holds a variable nested depth levels deep, maps and lists
// in turn, with leaf bytes in its innermost value: what an HTTP action
// saves from a JSON answer as deep as encoding/json reads (10000 levels)
// within the 1 MiB an answer may have. Every fifth level has a sibling
// over 127 bytes, so lengths of one and more bytes mix at every depth.
func deepSession(depth, leaf int) *flows.Session {
	var v any = strings.Repeat("x", leaf)
	for i := range depth {
		switch {
		case i%5 == 0:
			v = []any{strings.Repeat("s", 130), v, "t"}
		case i%2 == 0:
			v = map[string]any{"a": v}
		default:
			v = []any{v}
		}
	}
	return &flows.Session{ID: "deep", Vars: map[string]any{"r": v}}
}

// Deeply nested variables come back as they went, and their encoding is
// the same however it was built (each length as short as it can be).
func TestCodecDeepValues(t *testing.T) {
	for _, tt := range []struct{ depth, leaf int }{{1, 0}, {7, 200}, {40, 0}, {40, 5000}, {3000, 100000}} {
		s := deepSession(tt.depth, tt.leaf)
		s.InitVars = s.Vars
		s.Stack = []flows.Frame{{Flow: "sub", State: "s", Vars: s.Vars}}
		s.Transcript = []flows.Message{{From: flows.RoleBot, Text: strings.Repeat("lungo ", 100)}}
		b := store.EncodeSession(nil, s)
		got, err := store.DecodeSession(b)
		if err != nil {
			t.Fatalf("depth %d: %v", tt.depth, err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("depth %d: the round trip changed the session", tt.depth)
		}
		if again := store.EncodeSession([]byte("pre"), got); !bytes.Equal(again[3:], b) {
			t.Errorf("depth %d: encoding the decoded session gave other bytes", tt.depth)
		}
	}
}

// A session as deep and as large as an HTTP action's answer makes it,
// against BenchmarkEncodeSession's per byte: encoding moved each nested
// message's body once per level it was in, so the time grew with size ×
// depth (0.8 s for this one, at every save; 8 ms once moved only once).
func BenchmarkEncodeDeepSession(b *testing.B) {
	s := deepSession(10000, 1<<20-100000)
	buf := store.EncodeSession(nil, s)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = store.EncodeSession(buf[:0], s)
	}
}

func BenchmarkDecodeDeepSession(b *testing.B) {
	buf := store.EncodeSession(nil, deepSession(10000, 1<<20-100000))
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := store.DecodeSession(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// maxValueDepth is how deep a session's variable values may nest (a
// string is one level, a list of it two, a map of that three).
const maxValueDepth = 20000

// nestedLists is a session's encoding whose variable "r" is a list of a
// list ... depth lists deep, built byte by byte as a damaged or hostile
// store entry could hold it.
func nestedLists(depth int) []byte {
	inner := []byte{0x08, 0x06, 0x12, 0x01, 'x'} // the innermost value: "x"
	sizes := make([]int, depth+1)                // sizes[k]: the body k lists out
	sizes[0] = len(inner)
	for k := 1; k <= depth; k++ {
		sizes[k] = 3 + len(binary.AppendUvarint(nil, uint64(sizes[k-1]))) + sizes[k-1]
	}
	body := make([]byte, 0, sizes[depth])
	for k := depth; k >= 1; k-- { // kind list, then its item (field 2)
		body = binary.AppendUvarint(append(body, 0x08, 0x07, 0x12), uint64(sizes[k-1]))
	}
	body = append(body, inner...)
	entry := append([]byte{0x0a, 0x01, 'r', 0x12}, binary.AppendUvarint(nil, uint64(len(body)))...)
	entry = append(entry, body...)
	vars := append([]byte{0x0a}, binary.AppendUvarint(nil, uint64(len(entry)))...)
	vars = append(vars, entry...)
	out := append([]byte{store.CodecV1, 0x32}, binary.AppendUvarint(nil, uint64(len(vars)))...)
	return append(out, vars...)
}

// A stored session nested deeper than any Baton writes is refused with an
// error, not decoded on an ever deeper stack: a million levels (6 MB in a
// shared Valkey) overflowed the stack and killed every process reading it.
func TestDecodeDeepSessionBounded(t *testing.T) {
	if s, err := store.DecodeSession(nestedLists(maxValueDepth - 1)); err != nil || s.Vars["r"] == nil {
		t.Fatalf("a value %d levels deep: %v", maxValueDepth, err)
	}
	for _, depth := range []int{maxValueDepth, 1_000_000} {
		s, err := store.DecodeSession(nestedLists(depth))
		if err == nil || s != nil {
			t.Fatalf("a value %d levels deep decodes", depth+1)
		}
		if want := "nested deeper than 20000 levels"; !strings.Contains(err.Error(), want) {
			t.Errorf("depth %d: error %q, want it to say %q", depth+1, err, want)
		}
	}
	// The depth of JSON an HTTP action saves (encoding/json's limit),
	// in a map inside a list, decodes.
	var v any = "x"
	for i := range 10000 {
		if i%2 == 0 {
			v = map[string]any{"a": v}
		} else {
			v = []any{v}
		}
	}
	if _, err := store.DecodeSession(store.EncodeSession(nil, &flows.Session{ID: "j", Vars: map[string]any{"r": []any{map[string]any{"b": v}}}})); err != nil {
		t.Fatal(err)
	}
}

// wrapped is v in n lists and maps in turn, or in leaf's type of value
// last (a []string or map[string]string counts as one level, as a string).
func wrapped(n int, leaf any) any {
	v := leaf
	for i := 1; i < n; i++ {
		if i%2 == 0 {
			v = map[string]any{"k": v}
		} else {
			v = []any{v, "sibling"}
		}
	}
	return v
}

// sameDecoded says whether a and b decode to the same session (maps are
// written in no fixed order).
func sameDecoded(t *testing.T, a, b []byte) bool {
	sa, err := store.DecodeSession(a)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := store.DecodeSession(b)
	if err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(sa, sb)
}

// EncodeForSave refuses exactly what CheckSession refuses, with its
// words, and otherwise writes what EncodeSession writes.
func TestEncodeForSaveRefusesAsCheckSession(t *testing.T) {
	leaves := []any{"x", []string{"a"}, map[string]string{"a": "b"}, []any{}, map[string]any{}, nil, 3, struct{ A []any }{}}
	for _, leaf := range leaves {
		for _, depth := range []int{1, 2, maxValueDepth, maxValueDepth + 1} {
			v := wrapped(depth, leaf)
			for _, where := range []string{"vars", "init_vars", "stack"} {
				s := tenMessages()
				switch where {
				case "vars":
					s.Vars["deep"] = v
				case "init_vars":
					s.InitVars = map[string]any{"a": 1, "deep": v}
				case "stack":
					s.Stack = []flows.Frame{{Flow: "ok", Vars: map[string]any{"a": []any{1}}}, {Flow: "sub", State: "s", Vars: map[string]any{"deep": v}}}
				}
				name := fmt.Sprintf("%T/%d/%s", leaf, depth, where)
				want := store.CheckSession(s)
				got, err := store.EncodeForSave([]byte("pre"), s.ID, s)
				switch {
				case (err == nil) != (want == nil):
					t.Fatalf("%s: EncodeForSave said %v, CheckSession %v", name, err, want)
				case err != nil && err.Error() != want.Error():
					t.Errorf("%s: EncodeForSave said\n%v\nCheckSession\n%v", name, err, want)
				case err != nil && string(got) != "pre":
					t.Errorf("%s: a refused encoding changed dst: %d bytes", name, len(got))
				case err == nil && depth < 10 && !sameDecoded(t, got[3:], store.EncodeSession(nil, s)):
					t.Errorf("%s: EncodeForSave wrote another session than EncodeSession", name)
				}
				if (depth > maxValueDepth) != (err != nil) {
					t.Errorf("%s: refused %v", name, err != nil)
				}
			}
		}
	}
}

// BenchmarkEncodeForSave is what a bolt or Valkey save spends on the
// session itself: its encoding, the depth of its variables checked in the
// same walk; orders holds an HTTP action's answer of 50 orders, deep one
// 10000 levels deep (100 kB).
func BenchmarkEncodeForSave(b *testing.B) {
	for _, vars := range []string{"orders", "deep"} {
		b.Run(vars, func(b *testing.B) {
			s := saveVars(vars)
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = store.EncodeForSave(buf[:0], s.ID, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
