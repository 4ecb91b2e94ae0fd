package dsl

import (
	"strings"
	"testing"
	"time"

	"github.com/batonbot/baton/entity"
	"github.com/batonbot/baton/flows"
)

// TestOrderHintShapes: the built-in re-prompt of entity: order shows the
// shapes the entity reads (docs/dsl.md: 1–4 letters and 4–8 digits, a code
// of dash groups, or # and digits), in every language it has; it once said
// "a letter and 5 digits", turning away a customer whose order is
// ORD-2024-0001 or #12345.
func TestOrderHintShapes(t *testing.T) {
	for lang, hints := range entityHints {
		h := hints[flows.EntityOrder]
		for _, ex := range []string{"A12345", "ORD-2024-0001", "#12345"} {
			if !strings.Contains(h, ex) {
				t.Errorf("%s order hint %q lacks the example %s", lang, h, ex)
			}
			es := entity.New().Extract(flows.EntityInput{Text: ex, Lang: lang, Now: time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)})
			if len(es) != 1 || es[0].Kind != flows.EntityOrder {
				t.Errorf("%s: the hint's example %s is not read as an order: %+v", lang, ex, es)
			}
		}
		if strings.Contains(h, " 5 ") {
			t.Errorf("%s order hint %q names a fixed count of digits", lang, h)
		}
	}
}
