// Package replaytest records realistic conversations of the example shop
// flow (examples/flows/support.yaml) as an analytics event stream with
// texts, the input `baton replay` reads: greetings and menus by button,
// number or words, order lookups, FAQ lists, requests for a person with
// an agent's reply and a solved ticket, refunds, frustration, no-match
// ladders, customers who stop answering, in Italian, English and Spanish,
// in and out of business hours. The conversations run on the real engine
// (package sandbox) and the events are derived as a host derives them.
package replaytest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/batonbot/baton/analytics"
	"github.com/batonbot/baton/dsl"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/sandbox"
)

// Options shape a generated log.
type Options struct {
	// Flow is the shop flow's file (default examples/flows/support.yaml
	// from the module's root: set it from elsewhere).
	Flow string
	// Start is the first conversation's time (default Monday 2 March 2026,
	// 08:00 in Rome).
	Start time.Time
	// Seed picks the conversations; the same seed writes the same log.
	Seed uint64
	// Batch conversations are interleaved in time order (default 500).
	Batch int
}

// Generate writes the events of n conversations to w, as JSONL.
func Generate(ctx context.Context, w io.Writer, n int, o Options) error {
	if o.Flow == "" {
		o.Flow = "examples/flows/support.yaml"
	}
	if o.Start.IsZero() {
		rome, err := time.LoadLocation("Europe/Rome")
		if err != nil {
			rome = time.FixedZone("CET", 3600)
		}
		o.Start = time.Date(2026, 3, 2, 8, 0, 0, 0, rome)
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	f, diags := dsl.LoadFile(o.Flow)
	if diags.HasErrors() {
		return diags.Err()
	}
	a, err := sandbox.NewAnalyzer(f)
	if err != nil {
		return err
	}
	g := &gen{f: f, a: a, r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed)), at: o.Start}
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for done := 0; done < n; done += o.Batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		sink := &batch{}
		for k := done; k < min(n, done+o.Batch); k++ {
			if err := g.conversation(ctx, k+1, sink); err != nil {
				return err
			}
		}
		slices.SortStableFunc(sink.events, func(a, b flows.Event) int { return a.At.Compare(b.At) })
		for i := range sink.events {
			if err := enc.Encode(&sink.events[i]); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// batch keeps the events of a batch of conversations.
type batch struct{ events []flows.Event }

func (b *batch) Write(_ context.Context, evs ...flows.Event) error {
	b.events = append(b.events, evs...)
	return nil
}
func (b *batch) Close() error { return nil }

type gen struct {
	f  *flows.Flow
	a  flows.Analyzer
	r  *rand.Rand
	at time.Time
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// conversation plays conversation k: a customer, a start time, a script.
func (g *gen) conversation(ctx context.Context, k int, sink *batch) error {
	r := g.r
	// Conversations arrive through the day, fewer at night.
	step := time.Duration(20+r.IntN(120)) * time.Second
	if h := g.at.Hour(); h < 8 || h >= 21 {
		step *= 5
	}
	g.at = g.at.Add(step)
	lang := []string{"it", "it", "it", "en", "en", "es"}[r.IntN(6)]
	flowLang := lang
	if lang == "es" {
		flowLang = "it" // the shop answers in Italian or English
	}
	name := g.pick(names[lang])
	rec := analytics.NewRecorder(sink, analytics.WithText(true))
	cfg := sandbox.Config{
		Flow: g.f, Lang: flowLang, Channel: []string{"whatsapp", "whatsapp", "whatsapp", "telegram", "web"}[r.IntN(5)],
		Contact: flows.Contact{ID: fmt.Sprintf("cust-%d", k), Name: name, Meta: map[string]string{"vip": fmt.Sprint(r.IntN(20) == 0)}},
		Now:     g.at, Fixed: true, IDPrefix: fmt.Sprintf("conv-%d", k), Analyzer: g.a, Recorder: rec,
	}
	sb, err := sandbox.New(cfg)
	if err != nil {
		return err
	}
	c := &talk{g: g, sb: sb, lang: lang, ctx: ctx}
	scripts[r.IntN(len(scripts))](c)
	return nil
}

// talk is a customer talking to the flow.
type talk struct {
	g    *gen
	sb   *sandbox.Sandbox
	lang string
	ctx  context.Context
}

// pause is the customer reading and typing.
func (c *talk) pause() { c.sb.Wait(c.ctx, time.Duration(4+c.g.r.IntN(50))*time.Second) }

func (c *talk) say(texts map[string][]string) {
	c.pause()
	c.sb.User(c.ctx, c.g.pick(texts[c.lang]))
}

func (c *talk) tap(id string) {
	c.pause()
	c.sb.Button(c.ctx, id)
}

// menu picks an option of the menu shown: by button mostly, else its
// number or words.
func (c *talk) menu(id string, number string, words map[string][]string) {
	switch x := c.g.r.IntN(10); {
	case x < 7:
		c.tap(id)
	case x < 9 || words == nil:
		c.pause()
		c.sb.User(c.ctx, number)
	default:
		c.say(words)
	}
}

func (c *talk) state() string { return c.sb.Session().State }

func (c *talk) lifecycle() flows.Lifecycle { return c.sb.Session().Lifecycle }

// finish ends the conversation the way customers do: "no, thanks" and a
// survey answer, or silence.
func (c *talk) finish() {
	r := c.g.r
	if c.state() == "anything_else" || c.state() == "faq_more" {
		if r.IntN(5) == 0 {
			c.silence()
			return
		}
		c.menu("done", map[string]string{"anything_else": "2", "faq_more": "3"}[c.state()], thanks)
	}
	if c.state() == "nps" {
		if r.IntN(4) == 0 {
			c.say(skip)
		} else {
			c.pause()
			c.sb.User(c.ctx, fmt.Sprint(4+r.IntN(7)))
			if c.state() == "nps" { // a detractor is asked why
				c.say(why)
			}
		}
	}
	if c.lifecycle() == flows.LifecycleBot && c.state() != "goodbye" && !c.ended() {
		c.silence()
	}
}

func (c *talk) ended() bool { return c.sb.Session().Lifecycle == flows.LifecycleClosed }

// silence: the customer stops answering; the timeouts close the chat.
func (c *talk) silence() { c.sb.Wait(c.ctx, 25*time.Hour) }

// agent: a person answers, the customer thanks them, the ticket is solved
// and the survey answered.
func (c *talk) agent() {
	if c.lifecycle() != flows.LifecycleHandedOff {
		c.finish()
		return
	}
	r := c.g.r
	c.sb.Wait(c.ctx, time.Duration(1+r.IntN(30))*time.Minute)
	c.sb.Agent(c.ctx, c.g.pick(agentReplies[c.lang]))
	c.say(thanks)
	c.sb.Wait(c.ctx, time.Duration(2+r.IntN(20))*time.Minute)
	c.sb.Ticket(c.ctx, flows.TicketSolved)
	if c.state() == "csat" && r.IntN(4) > 0 {
		c.pause()
		c.sb.User(c.ctx, fmt.Sprint(1+r.IntN(5)))
		if c.state() == "csat_followup" {
			c.say(why)
		}
	}
}

var scripts = []func(*talk){
	// The order status by the menu, with an order number.
	func(c *talk) {
		c.say(greetings)
		c.menu("order", "1", orderWords)
		c.say(orderNumbers)
		if c.state() == "order_not_found" {
			if c.g.r.IntN(2) == 0 {
				c.menu("retry", "1", nil)
				c.say(orderNumbers)
			} else {
				c.menu("talk", "2", nil)
				c.agent()
				return
			}
		}
		c.finish()
	},
	// The order status in the customer's own words.
	func(c *talk) {
		c.say(greetings)
		c.say(whereIsMyOrder)
		if c.state() == "ask_order" {
			c.say(orderNumbers)
		}
		c.finish()
	},
	// The FAQ list.
	func(c *talk) {
		c.say(greetings)
		c.menu("faq", "2", faqWords)
		if c.state() == "faq" {
			c.menu(c.g.pick([]string{"shipping", "returns", "payments"}), fmt.Sprint(1+c.g.r.IntN(3)), nil)
		}
		if c.state() == "faq_more" && c.g.r.IntN(3) == 0 {
			c.menu("more_faq", "1", nil)
			c.menu(c.g.pick([]string{"shipping", "returns", "payments"}), fmt.Sprint(1+c.g.r.IntN(3)), nil)
		}
		c.finish()
	},
	// A question the NLU routes to an answer.
	func(c *talk) {
		c.say(greetings)
		c.say(questions)
		c.finish()
	},
	// A person, asked for in so many words.
	func(c *talk) {
		c.say(greetings)
		c.say(askForHuman)
		c.agent()
	},
	// Money: a refund or a double charge.
	func(c *talk) {
		c.say(greetings)
		c.say(refunds)
		c.agent()
	},
	// An upset customer.
	func(c *talk) {
		c.say(angry)
		c.agent()
	},
	// Not understood, three times.
	func(c *talk) {
		c.say(greetings)
		for range 3 {
			if c.lifecycle() != flows.LifecycleBot {
				break
			}
			c.say(gibberish)
		}
		c.agent()
	},
	// A greeting, then silence.
	func(c *talk) {
		c.say(greetings)
		c.silence()
	},
	// The main menu's third option.
	func(c *talk) {
		c.say(greetings)
		c.menu("talk", "3", talkWords)
		c.agent()
	},
}

type phrases = map[string][]string

var (
	names = phrases{
		"it": {"Anna", "Marco", "Giulia", "Luca", "Francesca", "Matteo", "Sara", "Alessandro", ""},
		"en": {"Emma", "James", "Olivia", "Jack", ""},
		"es": {"Lucía", "Carlos", "María", ""},
	}
	greetings = phrases{
		"it": {"ciao", "buongiorno", "salve", "ciao!", "buonasera", "ehi ciao 👋", "Ciao, avrei bisogno di aiuto"},
		"en": {"hi", "hello", "hey there", "good morning", "Hi! I need some help"},
		"es": {"hola", "buenos días", "hola, necesito ayuda"},
	}
	orderWords = phrases{
		"it": {"stato ordine", "il mio ordine", "spedizione"},
		"en": {"order status", "my order", "tracking"},
		"es": {"pedido", "estado del pedido"},
	}
	faqWords = phrases{
		"it": {"domande frequenti", "faq", "informazioni"},
		"en": {"faq", "help", "questions"},
		"es": {"preguntas", "faq"},
	}
	talkWords = phrases{
		"it": {"parla con noi", "assistenza"},
		"en": {"talk to a person", "support"},
		"es": {"asistencia", "contacto"},
	}
	orderNumbers = phrases{
		"it": {"A12345", "il mio ordine è A12345", "B23456", "C34567", "è il D11111", "ordine E50000", "a12345", "F12"},
		"en": {"A12345", "it's B23456", "order C34567", "D11111", "E50000"},
		"es": {"A12345", "es el B23456", "C34567"},
	}
	whereIsMyOrder = phrases{
		"it": {"dov'è il mio ordine?", "non mi è ancora arrivato il pacco", "quando arriva il mio ordine", "vorrei tracciare la spedizione"},
		"en": {"where is my order?", "my parcel has not arrived", "when will my order arrive", "track my package please"},
		"es": {"dónde está mi pedido", "mi pedido no ha llegado"},
	}
	questions = phrases{
		"it": {"quanto costa la spedizione?", "come faccio un reso", "posso pagare con paypal?", "ho dimenticato la password", "in quanti giorni arriva?"},
		"en": {"how much is shipping?", "how do I return an item", "can I pay with paypal?", "I forgot my password", "do you ship abroad"},
		"es": {"cuánto cuesta el envío", "cómo hago una devolución", "puedo pagar con paypal"},
	}
	askForHuman = phrases{
		"it": {"voglio parlare con un operatore", "operatore", "posso parlare con una persona vera?", "mi passi un operatore per favore"},
		"en": {"I want to talk to an agent", "agent please", "can I speak to a real person?", "human"},
		"es": {"quiero hablar con un agente", "operador por favor"},
	}
	refunds = phrases{
		"it": {"vorrei un rimborso", "mi avete addebitato due volte", "voglio annullare l'ordine", "il rimborso non è ancora arrivato"},
		"en": {"I want a refund", "I was charged twice", "I want to cancel my order", "money back please"},
		"es": {"quiero un reembolso", "me cobraron dos veces"},
	}
	angry = phrases{
		"it": {"è la terza volta che scrivo, servizio pessimo!!!", "sono davvero arrabbiato, nessuno mi risponde!!", "vergognoso, il pacco è in ritardo di due settimane"},
		"en": {"this is the third time I write, terrible service!!!", "I'm really angry, nobody answers me!!"},
		"es": {"es la tercera vez que escribo, servicio pésimo!!!"},
	}
	gibberish = phrases{
		"it": {"boh", "asdf", "mah", "il gatto è sul tavolo", "?", "che tempo fa domani"},
		"en": {"hmm", "asdf", "what's the weather", "banana", "?"},
		"es": {"qué", "asdf", "el tiempo"},
	}
	thanks = phrases{
		"it": {"grazie", "no grazie", "ok grazie mille", "perfetto, grazie"},
		"en": {"thanks", "no thanks", "great, thank you"},
		"es": {"gracias", "vale, gracias"},
	}
	skip = phrases{
		"it": {"no", "salta"},
		"en": {"skip", "no"},
		"es": {"no"},
	}
	why = phrases{
		"it": {"troppo lento", "non ho avuto risposta", "il sito è confuso"},
		"en": {"too slow", "the website is confusing"},
		"es": {"demasiado lento"},
	}
	agentReplies = phrases{
		"it": {"Ciao, sono Marco: vedo il tuo ordine, lo sblocco subito.", "Buongiorno, sono Giulia: ho registrato la richiesta di rimborso."},
		"en": {"Hi, I'm Marco: I can see your order, I'm on it.", "Hello, Giulia here: your refund is on its way."},
		"es": {"Hola, soy Marco: ya veo tu pedido."},
	}
)
