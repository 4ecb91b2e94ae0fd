package flows

// SurveyKind is a survey's scale.
type SurveyKind string

const (
	// SurveyCSAT: customer satisfaction, 1 (very unsatisfied) to 5 (very
	// satisfied); reported as the share of 4s and 5s.
	SurveyCSAT SurveyKind = "csat"
	// SurveyNPS: net promoter score, 0 to 10 ("how likely are you to
	// recommend us"); promoters 9-10 minus detractors 0-6.
	SurveyNPS SurveyKind = "nps"
	// SurveyCES: customer effort score, 1 (very difficult) to 7 (very
	// easy); reported as the mean.
	SurveyCES SurveyKind = "ces"
)

// Range returns the lowest and highest score of the scale.
func (k SurveyKind) Range() (lo, hi int) {
	switch k {
	case SurveyNPS:
		return 0, 10
	case SurveyCES:
		return 1, 7
	}
	return 1, 5
}

// Valid reports whether k is csat, nps or ces.
func (k SurveyKind) Valid() bool {
	return k == SurveyCSAT || k == SurveyNPS || k == SurveyCES
}

// Survey is a state's survey step: it asks Question and waits for a score
// (digits, star or face emoji, number words in Italian, English or
// Spanish), then optionally a follow-up comment, then takes the state's
// Next. A customer who declines (skip words), or who does not answer with
// a score Tries times, goes to Skip. The engine emits SurveyAsked,
// SurveyAnswered, SurveyComment and SurveySkipped.
type Survey struct {
	Pos Pos
	// Name identifies the survey in events; the state's name by default.
	Name string
	Kind SurveyKind
	// Question is said on entry.
	Question *Text
	// SaveAs, when set, receives the score (an int).
	SaveAs string
	// Retry is said after an answer that is not a score (a built-in text
	// when nil).
	Retry *Text
	// Tries is how many answers that are not scores are taken before the
	// survey counts as skipped (default 2).
	Tries int
	// FollowUp, when set, is asked after the score when FollowUpWhen
	// holds (always when nil); the answer goes to CommentAs.
	FollowUp     *Text
	FollowUpWhen *Expr
	CommentAs    string
	// Skip is the state a declined or unanswered survey goes to; empty:
	// the state's Next.
	Skip string
	// Sample, when set, is the share of conversations asked, in [0, 1]:
	// the others go straight to Skip (else Next) without a question. The
	// draw hashes the conversation, so it is the same on every run.
	Sample *Expr
	// SampleRate is the constant rate when Sample is a number (Sample is
	// then nil); 1 when neither is set.
	SampleRate float64
}
