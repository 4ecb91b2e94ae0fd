package nlu

import "testing"

// TestDeadline checks the deadline rule (deadline.go) with phrasings
// written for this test, none from the dev set, the corpus or any
// testdata/*.jsonl: a promised date set against the date now is
// frustrated; the same facts asked about, said politely, or a date now
// that does not follow a promise are not.
func TestDeadline(t *testing.T) {
	a := newTestAnalyzer(t)
	cases := []struct {
		text string
		want bool
	}{
		{"Il divano doveva arrivare lunedì. È venerdì.", true},
		{"consegna prevista per il 3. oggi è il 9", true},
		{"The blender was due on Monday. It's Thursday.", true},
		{"Delivery was supposed to be before noon. It's 5pm.", true},
		{"Promised by the 2nd. It is the 11th.", true},
		{"La mesa tenía que llegar el martes. Hoy es sábado.", true},
		{"Me prometieron el envío para el día 4. Estamos a 12.", true},
		// The same facts asked about, or said politely.
		{"Il divano doveva arrivare lunedì, oggi è venerdì: potete controllare?", false},
		{"The blender was due on Monday and it's Thursday, could you check?", false},
		{"La mesa tenía que llegar el martes, hoy es sábado. ¿Saben algo?", false},
		// No promise before the date now, or no date after the promise.
		{"Oggi è venerdì, buon weekend!", false},
		{"It's Monday, when does the warehouse open?", false},
		{"The payment is due on Friday. I'll pay then.", false},
		{"Era previsto per lunedì. Tutto bene, è arrivato.", false},
	}
	s := &scratch{}
	for _, tc := range cases {
		a.prepare(s, tc.text)
		if got := s.mood.deadline > 0; got != tc.want {
			t.Errorf("%q: deadline = %v, want %v", tc.text, got, tc.want)
		}
	}
}
