package dsl

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// mediumFlow writes a flow of n menu states, each with templates,
// expressions, an ask and an HTTP call: the size of a real support bot.
func mediumFlow(n int) []byte {
	var b strings.Builder
	b.WriteString("flow: medium\nlanguages: [it, en]\nstart: s0\nvars: {tries: 0, vip: false}\n")
	b.WriteString("triggers:\n  - name: agent\n    keywords: {it: [operatore], en: [agent, human]}\n    goto: human\n")
	b.WriteString("  - name: angry\n    when: frustrated or sentiment < -0.6\n    handoff: {team: support}\n")
	b.WriteString("states:\n  human:\n    handoff: {say: {it: \"Un attimo\", en: \"One moment\"}, priority: '{{ vip ? \"high\" : \"normal\" }}'}\n")
	for i := 0; i < n; i++ {
		writeUnit(&b, i, (i+1)%n)
	}
	return []byte(b.String())
}

// writeUnit writes three states: a menu, an ask and an HTTP call, the
// unit of the benchmark flows.
func writeUnit(b *strings.Builder, i, next int) {
	fmt.Fprintf(b, `  s%d:
    say: {it: "Ciao {{ user.name }}, passo %d", en: "Hi {{ user.name }}, step %d"}
    set: {tries: "{{ tries + 1 }}"}
    menu:
      options:
        - {label: {it: Avanti, en: Next}, synonyms: {it: [prossimo], en: [forward]}, goto: a%d}
        - {label: {it: Operatore, en: Agent}, goto: human}
  a%d:
    ask: {save_as: code%d, pattern: '(?i)\b([a-z]\d{5})\b', validate: len(answer) == 6}
    next: h%d
  h%d:
    http:
      url: "https://api.example.com/orders/{{ code%d }}"
      body: {code: "{{ code%d }}", lang: "{{ lang }}"}
      save_as: r%d
      sandbox: [{status: 200, body: {ok: true}}]
    next:
      - when: r%d.ok and tries < 10
        goto: s%d
      - goto: human
`, i, i, i, i, i, i, i, i, i, i, i, i, next)
}

func BenchmarkLoadMedium(b *testing.B) {
	src := mediumFlow(30) // 91 states, ~300 expressions
	if f, ds := Load("medium.yaml", src); f == nil {
		b.Fatal(ds.Err())
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Load("medium.yaml", src)
	}
}

func BenchmarkLoadShop(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if f, ds := LoadFile("testdata/ok/shop.yaml"); f == nil {
			b.Fatal(ds.Err())
		}
	}
}

// BenchmarkLoadManyHoles loads one text with 5000 bad {{ }} holes: every
// position look-up resumes from the last, so the cost stays linear.
func BenchmarkLoadManyHoles(b *testing.B) {
	src := []byte("flow: x\nlanguages: [en]\nstart: a\nstates:\n  a:\n    say: \"" + strings.Repeat("{{ a }} ", 5000) + "\"\n    end: true\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Load("holes.yaml", src); len(diags) != 5000 {
			b.Fatalf("%d diagnostics, want 5000", len(diags))
		}
	}
}

// benchShape is a kind of benchmark flow: the main file's header (the
// lines before states:, an include: list written by scaledFlow), the
// states every file of it shares, and a unit of states repeated to the
// size wanted, numbered i and leading on to unit next.
type benchShape struct {
	name       string
	header     string
	shared     string // states written once, in the main file
	sharedN    int    // how many
	unitStates int
	unit       func(b *strings.Builder, i, next int)
}

// denseShape is a deliberately dense flow: every three states a menu, an
// ask with a pattern and a validate, an HTTP call with a templated URL and
// body, and two next: rules.
var denseShape = benchShape{
	name: "dense",
	header: "flow: scaled\nlanguages: [it, en]\nstart: s0\nvars: {tries: 0, vip: false}\n" +
		"triggers:\n  - name: agent\n    keywords: {it: [operatore], en: [agent, human]}\n    goto: human\n",
	shared:     "  human:\n    handoff: {say: {it: \"Un attimo\", en: \"One moment\"}, priority: '{{ vip ? \"high\" : \"normal\" }}'}\n",
	sharedN:    1,
	unitStates: 3,
	unit:       writeUnit,
}

// realisticShape is shaped like the flows designers write: its unit of 24
// states has the mix of the example flows (examples/flows, measured by
// measureMix and checked by TestRealisticMix): three states in four say
// something, one in six is a menu of two to four options, one in four
// asks (one in twelve with a pattern), few call an API, most go on with
// one next: rule, and texts in two languages hold a hole or two.
var realisticShape = benchShape{
	name: "realistic",
	header: `flow: realistic
languages: [it, en]
start: u0_menu
vars: {order_id: "", email: "", phone: "", street: "", postcode: "", request: "",
  reason: "", team: support, priority: normal, topic: general, vip: false, nps: 0, nps_comment: ""}
hours:
  default: {timezone: Europe/Rome, mon-fri: "09:00-18:00", sat: "09:00-13:00"}
nlu:
  threshold: 0.5
  intents:
    order_status:
      it: [dov'è il mio ordine, non mi è arrivato il pacco, quando arriva il mio ordine]
      en: [where is my order, my parcel has not arrived, when will my order arrive]
    returns:
      it: [come faccio un reso, voglio restituire un prodotto]
      en: [how do i return an item, i want to send it back]
triggers:
  - name: refund
    keywords: {it: [rimborso, "soldi indietro"], en: [refund, "money back"]}
    unless: {it: [rimborso fiscale], en: [tax refund]}
    set: {reason: sensitive_topic, team: billing, priority: high}
    goto: u0_human
  - name: asks_for_human
    keywords: {it: [operatore, "persona vera"], en: [agent, human, "real person"]}
    goto: u0_human
  - name: frustrated
    when: frustrated or sentiment < -0.6
    goto: u0_human
no_match:
  - say: {it: "Scusa, non ho capito. Puoi scegliere una delle opzioni?", en: "Sorry, I didn't understand. Could you pick an option?"}
  - goto: u0_human
`,
	unitStates: 24,
	unit:       writeRealisticUnit,
}

// writeRealisticUnit writes realisticShape's unit of 24 states.
func writeRealisticUnit(b *strings.Builder, i, next int) {
	r := strings.NewReplacer("{i}", strconv.Itoa(i), "{next}", strconv.Itoa(next))
	r.WriteString(b, `  # Section {i}: the main menu, order status, FAQ, escalation, contact details.
  u{i}_menu:
    set: {reason: "", topic: general}
    say:
      it: 'Ciao{{ user.name != "" ? " " + user.name : "" }}! Come posso aiutarti? Scegli un''opzione:'
      en: 'Hi{{ user.name != "" ? " " + user.name : "" }}! How can I help you? Pick an option:'
    menu:
      style: buttons
      options:
        - id: order
          label: {it: Stato ordine, en: Order status}
          synonyms: {it: [ordine, spedizione, pacco], en: [order, shipping, parcel]}
          goto: u{i}_ask_order
        - id: faq
          label: {it: Domande frequenti, en: Help & FAQ}
          synonyms: {it: [domande, faq, aiuto], en: [questions, faq, help]}
          goto: u{i}_faq
        - id: talk
          label: {it: Parla con noi, en: Talk to a person}
          goto: u{i}_human
    routes:
      - name: switch_to_english
        keywords: [english, inglese]
        set: {lang: en}
        goto: u{i}_menu
      - intent: order_status
        goto: u{i}_ask_order
      - intent: returns
        goto: u{i}_faq_returns
      - name: next_section
        keywords: {it: ["sezione {next}"], en: ["section {next}"]}
        goto: u{next}_menu

  # The order number: a letter and five digits, found anywhere in the message.
  u{i}_ask_order:
    say:
      it: 'Certo{{ user.name != "" ? ", " + user.name : "" }}! Qual è il numero dell''ordine? Lo trovi nell''email di conferma (es. A12345).'
      en: 'Sure{{ user.name != "" ? ", " + user.name : "" }}! What''s your order number? You''ll find it in the confirmation email (e.g. A12345).'
    routes:
      - name: back_to_menu
        keywords: {it: [menu, indietro], en: [menu, back]}
        goto: u{i}_menu
    ask:
      save_as: order_id
      pattern: '(?i)\b([a-z]\d{5})\b'
    next: u{i}_lookup
    no_match:
      - say:
          it: "Non sembra un numero d'ordine: una lettera e 5 cifre, per esempio A12345."
          en: "That doesn't look like an order number: one letter and 5 digits, e.g. A12345."
      - say: {it: "Ti passo un collega.", en: "Let me find you a colleague."}
        goto: u{i}_human

  u{i}_lookup:
    http:
      url: "https://shop.example.com/api/orders/{{ order_id }}"
      headers: {Authorization: "Bearer ${SHOP_API_TOKEN}"}
      timeout: 5s
      save_as: order
      sandbox:
        - when: order_id == "A12345"
          status: 200
          body: {id: A12345, status: shipped, carrier: BRT, eta: "2026-03-05"}
        - status: 404
          body: {error: not_found}
    next:
      - when: order.ok and order.body.status == "shipped"
        goto: u{i}_shipped
      - when: order.status == 404
        goto: u{i}_not_found
      - goto: u{i}_human

  u{i}_shipped:
    say:
      it: "L'ordine {{ order_id }} è partito con {{ order.body.carrier }} e arriva entro il {{ order.body.eta }}."
      en: "Order {{ order_id }} has shipped with {{ order.body.carrier }} and arrives by {{ order.body.eta }}."
    next: u{i}_more

  u{i}_not_found:
    say:
      it: "Non trovo nessun ordine {{ order_id }}. Vuoi riprovare?"
      en: "I can't find any order {{ order_id }}. Want to try again?"
    menu:
      options:
        - id: retry
          label: {it: Riprova, en: Try again}
          synonyms: {it: [si, sì, ok], en: [yes, ok, again]}
          goto: u{i}_ask_order
        - id: menu
          label: {it: Menu principale, en: Main menu}
          goto: u{i}_menu

  u{i}_faq:
    say:
      it: "Ecco le domande più frequenti. Su cosa ti serve una mano?"
      en: "Here are the most frequent questions. What do you need help with?"
    menu:
      style: list
      options:
        - id: shipping
          label: {it: Tempi di spedizione, en: Shipping times}
          synonyms: {it: [spedizione, consegna], en: [shipping, delivery]}
          goto: u{i}_faq_shipping
        - id: returns
          label: {it: Resi e cambi, en: Returns & exchanges}
          synonyms: {it: [reso, cambio], en: [return, exchange]}
          goto: u{i}_faq_returns
        - id: payments
          label: {it: Pagamenti, en: Payments}
          synonyms: {it: [pagare, carta], en: [pay, card]}
          goto: u{i}_faq_payments
        - id: back
          label: {it: Torna al menu, en: Back to menu}
          goto: u{i}_menu

  u{i}_faq_shipping:
    say:
      it: "Spediamo in 24 ore lavorative. La consegna in Italia richiede 2-4 giorni, in Europa 4-7. La spedizione è gratuita sopra i 49 €."
      en: "We ship within 1 working day. Delivery takes 2-4 days in Italy, 4-7 in Europe. Shipping is free over €49."
    next: u{i}_more

  u{i}_faq_returns:
    say:
      it: "Hai 30 giorni dalla consegna per restituire o cambiare un articolo: il ritiro a domicilio è gratuito."
      en: "You have 30 days from delivery to return or exchange an item: the pickup is free."
    next: u{i}_street

  u{i}_faq_payments:
    say:
      it: "Accettiamo carte, PayPal, Satispay e bonifico."
      en: "We accept cards, PayPal, Satispay and bank transfer."
    next: u{i}_more

  u{i}_more:
    say:
      it: "Ti serve altro{{ user.name != \"\" ? \", \" + user.name : \"\" }}?"
      en: "Anything else{{ user.name != \"\" ? \", \" + user.name : \"\" }}?"
    menu:
      style: buttons
      options:
        - id: menu
          label: {it: "Sì, altro", en: "Yes, something else"}
          goto: u{i}_menu
        - id: done
          label: {it: "No, grazie", en: "No, thanks"}
          synonyms: {it: [no, basta, grazie], en: [no, thanks, done]}
          goto: u{i}_nps

  u{i}_nps:
    survey:
      kind: nps
      question:
        it: "Da 0 a 10, quanto ci consiglieresti a un amico?"
        en: "From 0 to 10, how likely are you to recommend us to a friend?"
      save_as: nps
      followup:
        when: nps <= 6
        question: {it: "Cosa dovremmo migliorare?", en: "What should we improve?"}
        save_as: nps_comment
      skip: u{i}_bye
    next: u{i}_bye

  u{i}_bye:
    say:
      it: 'Grazie{{ user.name != "" ? ", " + user.name : "" }}! Buona giornata.'
      en: 'Thank you{{ user.name != "" ? ", " + user.name : "" }}! Have a lovely day.'
    end: resolved

  # Escalation: a person in business hours, a ticket outside them.
  u{i}_human:
    set:
      reason: '{{ reason != "" ? reason : trigger }}'
      vip: '{{ vip or user.vip in [true, "true", "yes"] }}'
    next:
      - when: not in_hours
        goto: u{i}_after_hours
      - goto: u{i}_transfer

  u{i}_transfer:
    handoff:
      say:
        it: "Ti passo a un collega del team {{ team }}: ti risponde qui a breve."
        en: "I'm passing you to a colleague from our {{ team }} team: they'll answer here shortly."
      reason: "{{ reason }}"
      team: "{{ team }}"
      priority: '{{ vip ? "high" : priority }}'

  u{i}_after_hours:
    say:
      it: "Il nostro team non è disponibile ora: siamo online dal lunedì al venerdì 9-18 e il sabato 9-13. Lasciami qui la tua richiesta."
      en: "Our team isn't available right now: we're online Monday to Friday 9am-6pm and Saturday 9am-1pm. Leave your request here."
    next: u{i}_leave

  u{i}_leave:
    triggers: false
    say:
      it: "{{ user.name }}, scrivimi in un messaggio cosa ti serve, con tutti i dettagli utili."
      en: "{{ user.name }}, tell me in one message what you need, with any useful details."
    ask:
      save_as: request
      validate: len(answer) >= 5
    next: u{i}_ticket
    no_match:
      - say: {it: "Mi servono un paio di parole in più.", en: "I need a few more words."}

  u{i}_ticket:
    handoff:
      say: {it: "Fatto: ti rispondiamo appena riapriamo.", en: "Done: we'll answer as soon as we're back."}
      reason: "{{ reason }}"
      team: "{{ team }}"
      tags: [after-hours, "{{ channel }}", "{{ lang }}", "{{ topic }}"]

  # Contact details, then the pickup address.
  u{i}_email:
    say: {it: "Qual è la tua email?", en: "What's your email address?"}
    ask: {save_as: email, entity: email}
    next: u{i}_phone

  u{i}_phone:
    say: {it: "E un numero di telefono?", en: "And a phone number?"}
    ask: {save_as: phone, entity: phone}
    next: u{i}_confirm

  u{i}_confirm:
    say:
      it: "Ti scriviamo a {{ email }} o al {{ phone }} per l'ordine {{ order_id }}."
      en: "We'll write to {{ email }} or call {{ phone }} about order {{ order_id }}."
    next:
      - when: email == "" and phone == ""
        goto: u{i}_cancelled
      - when: email != ""
        goto: u{i}_done
      - goto: u{i}_email

  u{i}_done:
    say: {it: "Perfetto, grazie {{ user.name }}!", en: "Perfect, thank you {{ user.name }}!"}
    end: true

  u{i}_street:
    say: {it: "Via e numero civico?", en: "Street and number?"}
    ask: {save_as: street, validate: len(trim(answer)) >= 4}
    next: u{i}_postcode

  u{i}_postcode:
    say: {it: "CAP?", en: "Postcode?"}
    ask: {save_as: postcode, pattern: '\b(\d{5})\b'}
    next: u{i}_email

  u{i}_cancelled:
    end: cancelled

`)
}

// scaledFlow writes a flow of about n states (units of the shape),
// split over files of at most perFile units each: the main file and
// includes, returned by path for WithReadFile.
func scaledFlow(shape benchShape, n, perFile int) (string, map[string][]byte) {
	units := max(1, (n-shape.sharedN)/shape.unitStates)
	files := map[string][]byte{}
	unit := func(b *strings.Builder, i int) { shape.unit(b, i, (i+1)%units) }
	var main strings.Builder
	main.WriteString(shape.header)
	nfiles := (units + perFile - 1) / perFile
	if nfiles > 1 {
		main.WriteString("include:\n")
		for k := 1; k < nfiles; k++ {
			fmt.Fprintf(&main, "  - part%d.yaml\n", k)
		}
	}
	main.WriteString("states:\n" + shape.shared)
	for i := 0; i < min(units, perFile); i++ {
		unit(&main, i)
	}
	files["scaled.yaml"] = []byte(main.String())
	for k := 1; k < nfiles; k++ {
		var b strings.Builder
		b.WriteString("states:\n")
		for i := k * perFile; i < min(units, (k+1)*perFile); i++ {
			unit(&b, i)
		}
		files[fmt.Sprintf("part%d.yaml", k)] = []byte(b.String())
	}
	return "scaled.yaml", files
}

// readFrom reads files from memory, for WithReadFile.
func readFrom(files map[string][]byte) Option {
	return WithReadFile(func(name string) ([]byte, error) {
		if src, ok := files[name]; ok {
			return src, nil
		}
		return nil, fmt.Errorf("no file %s", name)
	})
}

// BenchmarkLoadStates loads flows of 250, 1,000 and 5,000 states (the
// largest over includes), of the dense shape and of the realistic one: the
// time per state stays the same as the flow grows, so loading is linear.
func BenchmarkLoadStates(b *testing.B) {
	for _, shape := range []benchShape{denseShape, realisticShape} {
		for _, n := range []int{250, 1000, 5000} {
			b.Run(fmt.Sprintf("%s/states=%d", shape.name, n), func(b *testing.B) {
				// Files of about 1,200 states, 400-500 KB each (the limit is 1 MiB).
				perFile := 1200 / shape.unitStates
				main, files := scaledFlow(shape, n, perFile)
				read := readFrom(files)
				f, ds := Load(main, files[main], read)
				if f == nil {
					b.Fatal(ds.Err())
				}
				if got := len(f.States); got < n-shape.unitStates || got > n {
					b.Fatalf("%d states, want about %d", got, n)
				}
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					Load(main, files[main], read)
				}
				if cpu := cpuTime() - cpu; cpu > 0 {
					// On a shared machine the time the load itself took
					// (parsing goroutines and garbage collection included)
					// is steadier than the time it waited.
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(f.States)), "ns/state")
			})
		}
	}
}

// BenchmarkDecodeYAML only decodes the files of the 1,000-state flows into
// yaml.Node trees, as the loader does before anything else: the floor
// under BenchmarkLoadStates, whatever the loader does with the trees.
func BenchmarkDecodeYAML(b *testing.B) {
	for _, shape := range []benchShape{denseShape, realisticShape} {
		b.Run(shape.name+"/states=1000", func(b *testing.B) {
			_, files := scaledFlow(shape, 1000, 1200/shape.unitStates)
			b.ReportAllocs()
			for b.Loop() {
				for path, src := range files {
					if root := newLoader(nil).parse(newSrcFile(path, src, 0)); root == nil {
						b.Fatal("no tree")
					}
				}
			}
		})
	}
}
