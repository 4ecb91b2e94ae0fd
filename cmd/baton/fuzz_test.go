package main

import (
	"context"
	"encoding/json"
	"github.com/batonbot/baton/sandbox"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/engine"
	"github.com/batonbot/baton/entity"
	"github.com/batonbot/baton/flows"
)

var (
	fuzzOnce   sync.Once
	fuzzEngine *engine.Engine
	fuzzErr    error
)

// fuzzSupportEngine is the example support flow with the built-in NLU, as
// the sandbox runs it.
func fuzzSupportEngine(t *testing.T) *engine.Engine {
	fuzzOnce.Do(func() {
		f, diags := dsl.LoadFile("../../examples/flows/support.yaml")
		if diags.HasErrors() {
			fuzzErr = diags.Err()
			return
		}
		a, err := sandbox.BuiltinAnalyzer(f)
		if err != nil {
			fuzzErr = err
			return
		}
		fuzzEngine = engine.New(f, engine.WithAnalyzer(a), engine.WithEntities(entity.New()))
	})
	if fuzzErr != nil {
		t.Fatal(fuzzErr)
	}
	return fuzzEngine
}

// fuzzInput turns one script line into an input: "/agent TEXT",
// "/ticket STATUS", "/button ID", "/timer", "/http STATUS BODY" (answering
// the pending request, or a stale one), else a user message.
func fuzzInput(line string, s *flows.Session, lastTimer string, at time.Time) flows.Input {
	cmd, arg, _ := strings.Cut(line, " ")
	switch cmd {
	case "/agent":
		return flows.Input{Kind: flows.InputAgent, Text: arg, Agent: "Marco", At: at}
	case "/ticket":
		return flows.Input{Kind: flows.InputTicket, Ticket: &flows.TicketUpdate{Status: flows.TicketStatus(arg)}, At: at}
	case "/button":
		return flows.Input{Kind: flows.InputMessage, Payload: arg, At: at}
	case "/timer":
		return flows.Input{Kind: flows.InputTimer, Timer: lastTimer, At: at.Add(25 * time.Hour)}
	case "/http":
		id := "stale"
		if s.Pending != nil {
			id = s.Pending.ID
		}
		status, body, _ := strings.Cut(arg, " ")
		code := 200
		if status == "404" {
			code = 404
		}
		return flows.Input{Kind: flows.InputHTTP, HTTP: &flows.HTTPResult{ID: id, Status: code, Body: []byte(body)}, At: at}
	}
	return flows.Input{Kind: flows.InputMessage, Text: line, At: at}
}

func FuzzConversation(f *testing.F) {
	for _, seed := range []string{
		"ciao\n1\nA12345",
		"ciao\n2\n3\n4\noperatore\n/agent ciao\n/ticket solved\n5",
		"OPERATORE!!!\n/timer\nciao",
		"ciao\nspedizone\nB99999\n/http 404 {}\nboh\nboh\nboh",
		"non voglio un operatore\n/button faq\n/http 200 {\"status\":\"shipped\"}\n/ticket declined\nciao",
		"english\nrefund\n/ticket closed\n/agent late\n\x00\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, script string) {
		eng := fuzzSupportEngine(t)
		ctx := context.Background()
		at := time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC)
		s := eng.NewSession("fuzz", flows.Contact{ID: "u", Name: "Anna", Phone: "+393331234567"}, "whatsapp", "it")
		lastTimer := ""
		for i, line := range strings.Split(script, "\n") {
			if i == 40 {
				break
			}
			in := fuzzInput(line, s, lastTimer, at.Add(time.Duration(i)*time.Minute))
			next, effs, err := eng.Turn(ctx, s, in)
			if err != nil {
				t.Fatalf("input %d %+v: %v", i, in, err)
			}
			for _, e := range effs {
				if _, err := flows.MarshalEffect(e); err != nil {
					t.Fatalf("effect %T does not marshal: %v", e, err)
				}
				if sc, ok := e.(flows.Schedule); ok {
					lastTimer = sc.Key
				}
			}
			switch next.Lifecycle {
			case flows.LifecycleBot, flows.LifecycleHandedOff, flows.LifecycleWithAgent, flows.LifecycleClosed:
			default:
				t.Fatalf("input %d: lifecycle %q", i, next.Lifecycle)
			}
			if next.State != "" && eng.Flow().States[next.State] == nil {
				t.Fatalf("input %d: the session is in unknown state %q", i, next.State)
			}
			b, err := json.Marshal(next)
			if err != nil {
				t.Fatalf("session does not marshal: %v", err)
			}
			var back flows.Session
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("session does not unmarshal: %v", err)
			}
			if back.State != next.State || back.Lifecycle != next.Lifecycle || back.NoMatch != next.NoMatch || !reflect.DeepEqual(len(back.Transcript), len(next.Transcript)) {
				t.Fatalf("session changed through JSON:\n%+v\n%+v", next, back)
			}
			s = next
		}
	})
}
