package nlu

import (
	"testing"

	"github.com/batonbot/baton/flows"
)

// TestPriorVouchesForDomain: a support message whose words the flow's few
// examples do not know keeps a confident intent when the prior is sure it
// is about a support topic; junk and chit-chat stay unknown.
func TestPriorVouchesForDomain(t *testing.T) {
	a, err := FromFlow(flows.NLUConfig{Threshold: 0.5, Intents: []*flows.Intent{
		{Name: "order_status", Examples: map[string][]string{"en": {"where is my order", "my parcel has not arrived"}}},
		{Name: "cancellation", Examples: map[string][]string{"en": {"I want to cancel my order", "how do I cancel my subscription"}}},
		{Name: "billing", Examples: map[string][]string{"en": {"I was charged twice", "where is my refund"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ text, want string }{
		{"please cancel my click and collect reservation", "cancellation"},
		{"hola, quiero anular la reserva de recogida en tienda", "cancellation"},
		{"qwertyuiop asdfghjkl", flows.UnknownIntent},
		{"what's the capital of Australia?", flows.UnknownIntent},
		{"lorem ipsum dolor sit amet", flows.UnknownIntent},
	} {
		if got := analyze(t, a, tc.text); got.Intent != tc.want {
			t.Errorf("%q: intent %q (%.2f), want %q", tc.text, got.Intent, got.Confidence, tc.want)
		}
	}
}
