package loadgen

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestAwaitSlowReplies: a loaded server's second reply to a message,
// later than Settle after its first, is still counted, not taken for a
// mismatch; fewer replies than calibrated by the step's deadline are.
func TestAwaitSlowReplies(t *testing.T) {
	c := &conv{replies: make(chan time.Time, 4)}
	c.replies <- time.Now()
	go func() {
		time.Sleep(300 * time.Millisecond) // three times the settle
		c.replies <- time.Now()
	}()
	got, _, err := c.await(context.Background(), 2, 5*time.Second)
	if got != 2 || err != nil {
		t.Errorf("await = %d, %v; want both replies", got, err)
	}

	c.replies <- time.Now()
	got, _, err = c.await(context.Background(), 2, 300*time.Millisecond)
	if got != 1 || !errors.Is(err, errFewer) {
		t.Errorf("one of two replies by the deadline: await = %d, %v; want 1, errFewer", got, err)
	}
	got, _, err = c.await(context.Background(), 1, 200*time.Millisecond)
	if got != 0 || err == nil || errors.Is(err, errFewer) {
		t.Errorf("no reply by the deadline: await = %d, %v; want 0 and an error", got, err)
	}
}
