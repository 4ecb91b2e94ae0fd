package nlu

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/batonbot/baton/flows"
)

func analyze(t testing.TB, a *Analyzer, text string) flows.Signals {
	t.Helper()
	sig, err := a.Analyze(context.Background(), flows.AnalyzeInput{Text: text})
	if err != nil {
		t.Fatalf("Analyze(%q): %v", text, err)
	}
	return sig
}

// rulesFrustrated is the rules' verdict on text, before the learned
// model: the category tests check what the rules (the model's features)
// recognise.
func rulesFrustrated(a *Analyzer, text string) bool {
	s := &scratch{}
	a.prepare(s, text)
	return s.mood.frustrated
}

func newTestAnalyzer(t testing.TB, opts ...Option) *Analyzer {
	t.Helper()
	a, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestWantsHuman(t *testing.T) {
	a := newTestAnalyzer(t)
	tests := []struct {
		text string
		want bool
	}{
		// Direct and indirect requests.
		{"operatore!!!", true},
		{"OPERATORE", true},
		{"can I talk to someone real?", true},
		{"could I speak with an agent please", true},
		{"I'd like to chat with a person", true},
		{"connect me to customer support", true},
		{"basta bot", true},
		{"basta con questo bot, voglio una persona", true},
		{"mi passi un collega?", true},
		{"mi passate un operatore per favore", true},
		{"vorrei parlare con qualcuno dell'assistenza", true},
		{"pasame con alguien", true},
		{"quiero hablar con un agente", true},
		{"necesito un asesor ya", true},
		{"me pueden comunicar con una persona?", true},
		{"human please", true},
		{"representative", true},
		{"ｏｐｅｒａｔｏｒｅ", true}, // full-width
		{"I don't want to talk to a bot", true},
		{"non voglio parlare con un bot", true},
		{"no quiero hablar con una máquina", true},
		{"not a bot, a real human", true},
		{"can someone call me back?", true},
		{"richiamatemi per favore", true},
		// Negation.
		{"non voglio un operatore, voglio solo sapere dov'è il pacco", false},
		{"I don't need an agent, just tell me the opening hours", false},
		{"no quiero hablar con nadie, solo díganme el estado", false},
		{"non serve passarmi nessuno", false},
		// Keyword traps.
		{"l'operatore del corriere mi ha detto che arriva domani", false},
		{"my mobile operator blocks your SMS", false},
		{"the agent code on my account is X1234", false},
		{"Agent 47 is my favourite game", false},
		{"il mio operatore telefonico è TIM", false},
		{"the delivery agent left it at the door", false},
		{"mi agente de seguros me dijo que les escriba", false},
		{"are you a bot or a human?", false},
		{"was it a human error?", false},
		{"volevo dire che la persona del negozio è stata gentile", false},
		// Menu digits and others.
		{"1", false},
		{"2", false},
		{"where is my order?", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := analyze(t, a, tc.text).WantsHuman; got != tc.want {
			t.Errorf("%q: wants_human = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// A refusal of a person followed, in a later clause, by a request for a
// person asks for one; a refusal with no request after it, or after the
// request, does not.
func TestWantsHumanRefusalThenRequest(t *testing.T) {
	a := newTestAnalyzer(t)
	tests := []struct {
		text string
		want bool
	}{
		{"non voglio parlare con un operatore, voglio un operatore", true},
		{"non voglio lo stesso operatore di ieri, voglio un altro operatore", true},
		{"non voglio un operatore del negozio, passatemi un operatore dell'assistenza", true},
		{"I don't want the same agent as yesterday, I want another agent", true},
		{"I don't need an agent to call me back, I need an agent now", true},
		{"I don't want a sales agent, I want to talk to a person from support", true},
		{"no quiero hablar con el mismo agente, quiero otro agente", true},
		{"no quiero un asesor de ventas, quiero hablar con una persona de soporte", true},
		{"no quiero hablar con un agente, quiero un agente", true},
		// No request after the refusal.
		{"non voglio un operatore, voglio solo sapere dove è il pacco", false},
		{"I don't want an agent, I want my refund", false},
		{"no quiero un agente, quiero saber dónde está mi pedido", false},
		// The refusal comes last.
		{"voglio un operatore, anzi no, non voglio un operatore", false},
		{"I want an agent. Actually no, I don't need an agent", false},
		{"quiero un agente, bueno no, no necesito un agente", false},
	}
	for _, tc := range tests {
		if got := analyze(t, a, tc.text).WantsHuman; got != tc.want {
			t.Errorf("%q: wants_human = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestFrustrated(t *testing.T) {
	a := newTestAnalyzer(t)
	tests := []struct {
		text string
		want bool
	}{
		{"great, third time I ask 🙄", true},
		{"inutile", true},
		{"siete degli incompetenti", true},
		{"this is unacceptable, I'm going to leave a review", true},
		// Capitals alone are caps lock, not anger (issue 10); with an
		// insult, "!!!" or a demand they are shouting.
		{"WHERE IS MY PARCEL I PAID TWO WEEKS AGO", false},
		{"WHERE IS MY PARCEL?? USELESS", true},
		{"DOVE È IL MIO ORDINE", false},
		{"I NEED THE INVOICE", false},
		{"VOGLIO IL RIMBORSO ADESSO!!!", true},
		// Punctuation alone is not anger.
		{"where is my parcel???", false},
		{"where is my parcel?", false},
		{"ma quando arriva???? sono stufo", true},
		{"qué vergüenza, nadie contesta", true},
		{"never ordering from you again", true},
		{"complimenti, di nuovo in ritardo 👏", true},
		{"oh perfect, the app crashed again", true},
		{"😡", true},
		{"I'm really disappointed and fed up", true},
		// Calm messages, negated anger, shouting that is not shouting.
		{"I'm not angry, just asking where order A12345 is", false},
		{"non sono arrabbiato, volevo solo sapere il tracking", false},
		{"my order code is ORD-2024-0001 and the promo code SUMMER2024", false},
		{"Order A12345 B67890 C11111", false},
		{"I have a question about VAT on my invoice", false},
		{"thanks, all sorted!", false},
		{"grazie!!!", false},
		{"Tell me a joke", false},
		// One word in capitals is caps lock, not shouting.
		{"PAGAMENTI", false},
		{"GRAZIE", false},
		{"ABCDEF", false},
	}
	bar := exampleFlowBar(t)
	for _, tc := range tests {
		sig := analyze(t, a, tc.text)
		if sig.Frustrated != tc.want {
			t.Errorf("%q: frustrated = %v (frustration %.2f), want %v", tc.text, sig.Frustrated, sig.Frustration, tc.want)
		}
		if at := sigThreshold[sigFrustrated]; sig.Frustrated != (sig.Frustration >= at) {
			t.Errorf("%q: frustrated = %v but frustration %.2f: the verdict is frustration >= %.2f", tc.text, sig.Frustrated, sig.Frustration, at)
		}
		if !tc.want && sig.Frustration >= bar {
			t.Errorf("%q: frustration %.2f: the example flow would hand off from %.2f", tc.text, sig.Frustration, bar)
		}
	}
}

// exampleFlowBar returns the frustration from which the example flow
// hands off, read from examples/flows/common/escalation.yaml.
func exampleFlowBar(t *testing.T) float64 {
	t.Helper()
	b, err := os.ReadFile("../examples/flows/common/escalation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`when: frustration >= ([0-9.]+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("escalation.yaml: no `when: frustration >= N` trigger; update exampleFlowBar")
	}
	bar, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return bar
}

func TestSentiment(t *testing.T) {
	a := newTestAnalyzer(t)
	tests := []struct {
		text, want string
	}{
		{"thank you so much, you are amazing 😊", "positive"},
		{"grazie mille, gentilissimi", "positive"},
		{"muchas gracias, resuelto", "positive"},
		{"what time do you open on Saturday?", "neutral"},
		{"this is ridiculous, worst service ever 😡", "negative"},
		{"sono furioso, vergognatevi", "negative"},
		{"not good at all", "negative"},
	}
	for _, tc := range tests {
		sig := analyze(t, a, tc.text)
		if sig.Sentiment < -1 || sig.Sentiment > 1 {
			t.Errorf("%q: sentiment %v outside [-1, 1]", tc.text, sig.Sentiment)
		}
		if got := SentimentLabel(sig.Sentiment); got != tc.want {
			t.Errorf("%q: sentiment %.2f is %s, want %s", tc.text, sig.Sentiment, got, tc.want)
		}
	}
}

func TestLanguage(t *testing.T) {
	a := newTestAnalyzer(t)
	tests := []struct{ text, want string }{
		{"dov'è il mio ordine?", "it"},
		{"where is my order?", "en"},
		{"¿dónde está mi pedido?", "es"},
		{"onde está a minha encomenda? obrigado", "pt"},
		{"où est ma commande? merci", "fr"},
		{"wo ist meine Bestellung? danke", "de"},
		{"grazie", "it"},
		{"gracias", "es"},
		{"1", ""},
		{"👍", ""},
		{"A12345", ""},
	}
	for _, tc := range tests {
		if got := analyze(t, a, tc.text).Language; got != tc.want {
			t.Errorf("%q: language %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestEntities(t *testing.T) {
	a := newTestAnalyzer(t)
	tests := []struct {
		text, kind string
		want       []string
	}{
		{"where is A12345?", "order", []string{"A12345"}},
		{"ordine #12345 e #A51877", "order", []string{"A51877", "12345"}},
		{"pedido ORD-2024-0001 por favor", "order", []string{"ORD-2024-0001"}},
		{"order 7712098 not arrived", "order", []string{"7712098"}},
		{"write me at mario.rossi@example.com", "email", []string{"mario.rossi@example.com"}},
		{"call me on +39 333 123 4567", "phone", []string{"+39 333 123 4567"}},
		{"il mio numero è 3331234567", "phone", []string{"3331234567"}},
	}
	for _, tc := range tests {
		got := analyze(t, a, tc.text).Entities[tc.kind]
		if !sameSet(got, tc.want) {
			t.Errorf("%q: %s = %v, want %v", tc.text, tc.kind, got, tc.want)
		}
	}
	if e := analyze(t, a, "call me on +39 333 123 4567").Entities["order"]; len(e) != 0 {
		t.Errorf("a phone number was also taken for an order: %v", e)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
		if m[x] < 0 {
			return false
		}
	}
	return true
}

func TestTokenizeKeepsEmojiAndPunctuation(t *testing.T) {
	toks := tokenize("Dov'è il PACCO?!?? 😡😡 don't", nil)
	var got []string
	for _, t := range toks {
		got = append(got, t.text)
	}
	want := []string{"dov", "e", "il", "pacco", "?!??", "😡", "😡", "dont"}
	if len(got) != len(want) {
		t.Fatalf("tokens %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("tokens %q, want %q", got, want)
		}
	}
}

func TestIntentAndThreshold(t *testing.T) {
	intents := []*flows.Intent{
		{Name: "order_status", Examples: map[string][]string{
			"en": {"where is my order", "my parcel has not arrived", "tracking number please"},
			"it": {"dov'è il mio ordine", "il pacco non è arrivato", "mi dai il tracking"},
		}},
		{Name: "billing", Examples: map[string][]string{
			"en": {"I was charged twice", "I need an invoice", "where is my refund"},
			"it": {"mi avete addebitato due volte", "mi serve la fattura", "il rimborso non arriva"},
		}},
	}
	a, err := FromFlow(flows.NLUConfig{Intents: intents, Threshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	sig := analyze(t, a, "hi, where is my parcel? it has not arrived")
	if sig.Intent != "order_status" || sig.Confidence < 0.5 {
		t.Errorf("intent %q (%.2f), want order_status above 0.5", sig.Intent, sig.Confidence)
	}
	if len(sig.Ranking) != 2 || sig.Ranking[0].Score < sig.Ranking[1].Score {
		t.Errorf("ranking %v, want both intents, best first", sig.Ranking)
	}
	if sig.Source != "builtin" {
		t.Errorf("source %q, want builtin", sig.Source)
	}
	strict, err := New(WithIntents(intents), WithThreshold(0.99))
	if err != nil {
		t.Fatal(err)
	}
	if got := analyze(t, strict, "hello").Intent; got != flows.UnknownIntent {
		t.Errorf("below the threshold the intent is %q, want %q", got, flows.UnknownIntent)
	}
	none := newTestAnalyzer(t)
	if got := analyze(t, none, "where is my order").Intent; got != flows.UnknownIntent {
		t.Errorf("without intents the intent is %q, want %q", got, flows.UnknownIntent)
	}
}

func TestOptionsErrors(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
	}{
		{"threshold", []Option{WithThreshold(1.5)}},
		{"unknown lexicon", []Option{WithLexicon(map[string]map[string][]string{"angry": {"en": {"grr"}}})}},
		{"bad weight", []Option{WithLexicon(map[string]map[string][]string{"frustrated": {"en": {"grr @lots"}}})}},
		{"one intent", []Option{WithIntents([]*flows.Intent{{Name: "a", Examples: map[string][]string{"en": {"x"}}}})}},
		{"no examples", []Option{WithIntents([]*flows.Intent{{Name: "a", Examples: map[string][]string{"en": {"x"}}}, {Name: "b"}})}},
		{"reserved name", []Option{WithIntents([]*flows.Intent{{Name: "unknown", Examples: map[string][]string{"en": {"x"}}}, {Name: "b", Examples: map[string][]string{"en": {"y"}}}})}},
	}
	for _, tc := range tests {
		if _, err := New(tc.opts...); err == nil {
			t.Errorf("%s: New succeeded, want an error", tc.name)
		}
	}
}

func TestLexiconExtension(t *testing.T) {
	base := newTestAnalyzer(t)
	ext := newTestAnalyzer(t, WithLexicon(map[string]map[string][]string{
		"wants_human": {"it": {"mandatemi Gianni"}},
		"frustrated":  {"en": {"meh @1"}},
		"not_human":   {"en": {"human league"}},
	}))
	if analyze(t, base, "mandatemi Gianni").WantsHuman {
		t.Fatal("the base analyser already matches the phrase; pick another")
	}
	if !analyze(t, ext, "Mandatemi GIANNI").WantsHuman {
		t.Error("an extended wants_human phrase did not match")
	}
	if !analyze(t, ext, "meh").Frustrated {
		t.Error("an extended frustrated phrase did not count")
	}
	if analyze(t, ext, "I love the human league").WantsHuman {
		t.Error("an extended not_human trap did not suppress \"human\"")
	}
}

func TestAnalyzeHonoursContext(t *testing.T) {
	a := newTestAnalyzer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Analyze(ctx, flows.AnalyzeInput{Text: "hi"}); err == nil {
		t.Error("Analyze with a cancelled context returned no error")
	}
}
