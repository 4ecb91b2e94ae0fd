package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/storetest"
	"github.com/batonbot/baton/store/valkey"
	"github.com/batonbot/baton/store/valkey/valkeytest"
)

// menuYAML is a welcome menu whose options come back to it: every turn is
// a menu turn.
const menuYAML = `
flow: menu
languages: [it]
start: welcome
states:
  welcome:
    say: "Come posso aiutarti?"
    menu:
      options:
        - {id: orders, label: "Stato ordine", goto: welcome, synonyms: [ordine]}
        - {id: faq, label: "Domande frequenti", goto: welcome}
        - {id: agent, label: "Operatore", goto: welcome}
`

func loadFlow(tb testing.TB, name string, src []byte) *flows.Flow {
	tb.Helper()
	f, ds := dsl.Load(name, src)
	if ds.HasErrors() {
		tb.Fatalf("%s: %v", name, ds)
	}
	return f
}

// stores opens each store for a benchmark: memory, bolt (a file in a
// temporary directory, fsynced), valkey (a redis-server the test starts).
func stores(b *testing.B) map[string]func(b *testing.B) flows.SessionStore {
	return map[string]func(b *testing.B) flows.SessionStore{
		"memory": func(b *testing.B) flows.SessionStore { return memory.New() },
		"bolt": func(b *testing.B) flows.SessionStore {
			s, err := bolt.Open(filepath.Join(b.TempDir(), "baton.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
		"valkey": func(b *testing.B) flows.SessionStore {
			s, err := valkey.NewStore(context.Background(), valkeytest.Start(b).URL)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
	}
}

// BenchmarkHandleMenu is a 10-turn menu conversation through
// engine.Handle with each store; ns/op is the whole conversation (ten
// loads and saves), then it is deleted.
func BenchmarkHandleMenu(b *testing.B) {
	f := loadFlow(b, "menu.yaml", []byte(menuYAML))
	for _, name := range []string{"memory", "bolt", "valkey"} {
		b.Run(name, func(b *testing.B) {
			st := stores(b)[name](b)
			e := engine.New(f)
			ctx := context.Background()
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				n++
				id := fmt.Sprint("c", n)
				create := func() *flows.Session { return e.NewSession(id, flows.Contact{ID: id}, "whatsapp", "it") }
				for i := range 10 {
					in := flows.Input{Kind: flows.InputMessage, Text: []string{"ciao", "1", "2", "3", "ordine"}[i%5]}
					if _, err := e.Handle(ctx, st, id, in, create); err != nil {
						b.Fatal(err)
					}
				}
				if err := st.Delete(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10, "ns/turn")
		})
	}
}

// BenchmarkPersistedSurvey is the two-question conversation (the survey
// example: a greeting, a name, an age), the session decoded before and
// encoded after every turn with the store's codec, in process: what a
// persistent store costs beyond its I/O. ns/op is the conversation,
// ns/turn one persisted turn (the figure issue 8 sets at 6 µs).
func BenchmarkPersistedSurvey(b *testing.B) {
	f, ds := dsl.LoadFile("../examples/flows/survey.yaml")
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	e := engine.New(f)
	ctx := context.Background()
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	inputs := []string{"hi", "Anna", "I'm 34"}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = store.EncodeSession(buf[:0], e.NewSession("c1", flows.Contact{ID: "u1"}, "web", "en"))
		for i, text := range inputs {
			s, err := store.DecodeSession(buf)
			if err != nil {
				b.Fatal(err)
			}
			ns, _, err := e.Turn(ctx, s, flows.Input{Kind: flows.InputMessage, Text: text, At: at.Add(time.Duration(i) * time.Second)})
			if err != nil {
				b.Fatal(err)
			}
			buf = store.EncodeSession(buf[:0], ns)
		}
	}
	s, _ := store.DecodeSession(buf)
	if s.State != "goodbye" {
		b.Fatalf("the survey ended in %q", s.State)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(inputs)), "ns/turn")
}

// BenchmarkBoltTurn is one menu turn through engine.Handle on a bbolt
// store holding 0, 1,000 and 100,000 other idle conversations (each with a
// 10-message transcript): a turn costs the same however many there are.
func BenchmarkBoltTurn(b *testing.B) {
	f := loadFlow(b, "menu.yaml", []byte(menuYAML))
	e := engine.New(f)
	ctx := context.Background()
	idle := tenMessages()
	for _, n := range []int{0, 1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "baton.db")
			fill, err := bolt.Open(path, bolt.WithNoSync())
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				s := *idle
				s.ID, s.Rev = fmt.Sprint("idle-", i), 0
				if err := fill.Save(ctx, &s, flows.Commit{}); err != nil {
					b.Fatal(err)
				}
			}
			fill.Close()
			st, err := bolt.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			create := func() *flows.Session { return e.NewSession("c", flows.Contact{ID: "u"}, "whatsapp", "it") }
			in := flows.Input{Kind: flows.InputMessage, Text: "1"}
			for range 5 {
				if _, err := e.Handle(ctx, st, "c", in, create); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Handle(ctx, st, "c", in, create); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBoltOpen opens (and closes) a bbolt store holding 100,000 idle
// conversations (each with a 10-message transcript): what a restart of
// serve waits for before its first turn, the check of every page included.
func BenchmarkBoltOpen(b *testing.B) {
	ctx := context.Background()
	idle := tenMessages()
	path := filepath.Join(b.TempDir(), "baton.db")
	fill, err := bolt.Open(path, bolt.WithNoSync())
	if err != nil {
		b.Fatal(err)
	}
	for i := range 100000 {
		s := *idle
		s.ID, s.Rev = fmt.Sprint("idle-", i), 0
		if err := fill.Save(ctx, &s, flows.Commit{}); err != nil {
			b.Fatal(err)
		}
	}
	fill.Close()
	for b.Loop() {
		st, err := bolt.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
}

// BenchmarkIdleConversation measures the heap an idle conversation with a
// 10-message transcript keeps in the memory store (B/conv), made the way a
// host makes it (five user messages through engine.Handle) and left alone
// for the store's sweep to compact, and its encoded size with the codec
// (bytes/conv).
func BenchmarkIdleConversation(b *testing.B) {
	f, ds := dsl.LoadFile("../examples/flows/survey.yaml")
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	e := engine.New(f)
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	m := memory.New(memory.WithClock(clock.Now))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 0
	for b.Loop() {
		n++
		id := fmt.Sprint("whatsapp:106540352242922:39333", 1000000+n)
		create := func() *flows.Session {
			return e.NewSession(id, flows.Contact{ID: id[len(id)-12:], Name: "Anna Rossi"}, "whatsapp", "it")
		}
		for _, text := range []string{"ciao", "x", "Anna", "boh", "34"} {
			text = strings.Clone(text) // a message's text is the channel's, on the heap
			if _, err := e.Handle(ctx, m, id, flows.Input{Kind: flows.InputMessage, Text: text}, create); err != nil {
				b.Fatal(err)
			}
		}
	}
	clock.Add(2 * time.Minute) // idle
	if _, err := m.Sweep(ctx); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	s, err := m.Load(ctx, fmt.Sprint("whatsapp:106540352242922:39333", 1000000+n))
	if err != nil {
		b.Fatal(err)
	}
	if len(s.Transcript) != 10 {
		b.Fatalf("the conversation has %d messages, want 10", len(s.Transcript))
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "B/conv")
	b.ReportMetric(float64(len(store.EncodeSession(nil, s))), "bytes/conv")
	runtime.KeepAlive(m)
}

// orderAnswer is what an HTTP action saves from a JSON answer listing 50
// orders of 8 fields each (about 600 values).
func orderAnswer() any {
	var orders []any
	for i := range 50 {
		orders = append(orders, map[string]any{"id": fmt.Sprint("A", 10000+i), "status": "shipped", "total": 19.9 + float64(i),
			"items": []any{map[string]any{"sku": "X1", "qty": 2.0}, map[string]any{"sku": "Y7", "qty": 1.0}},
			"paid":  true, "carrier": "BRT", "eta": "2026-03-05", "notes": nil})
	}
	return map[string]any{"ok": true, "status": 200, "body": map[string]any{"orders": orders, "count": 50.0}}
}

// saveVars is a conversation of ten messages whose variables hold an
// HTTP action's answer: orders (orderAnswer) or deep (10000 levels, 100 kB).
func saveVars(vars string) *flows.Session {
	s := tenMessages()
	s.ID, s.Rev = "c", 0
	if vars == "orders" {
		s.Vars["order"] = orderAnswer()
	} else {
		s.Vars["order"] = deepSession(10000, 100000).Vars["r"]
	}
	return s
}

// BenchmarkSaveVars is one Save of a conversation whose variables hold
// an HTTP action's answer (orders: 50 orders; deep: the 10000 levels
// encoding/json reads, 100 kB), on bbolt without fsync and on Valkey:
// the save path's own cost, the variables' walk and encoding included.
func BenchmarkSaveVars(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"bolt", "valkey"} {
		for _, vars := range []string{"orders", "deep"} {
			b.Run(name+"/"+vars, func(b *testing.B) {
				var st flows.SessionStore
				if name == "bolt" {
					s, err := bolt.Open(filepath.Join(b.TempDir(), "baton.db"), bolt.WithNoSync())
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { s.Close() })
					st = s
				} else {
					st = stores(b)[name](b)
				}
				s := saveVars(vars)
				b.ReportAllocs()
				for b.Loop() {
					if err := st.Save(ctx, s, flows.Commit{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
