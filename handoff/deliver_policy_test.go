package handoff

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

type tempErr struct{ temp bool }

func (e *tempErr) Error() string   { return fmt.Sprintf("temp %v", e.temp) }
func (e *tempErr) Temporary() bool { return e.temp }

type afterErr struct{}

func (afterErr) Error() string             { return "slow down" }
func (afterErr) RetryAfter() time.Duration { return 7 * time.Second }

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		permanent bool
		after     time.Duration
	}{
		{"plain error is transient", errors.New("connection reset"), false, 0},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), false, 0},
		{"429 fields", err429, false, 90 * time.Second},
		{"422 fields", err422, true, 0},
		{"joined", errors.Join(errors.New("x"), err429), false, 90 * time.Second},
		{"Temporary true", &tempErr{true}, false, 0},
		{"Temporary false", fmt.Errorf("w: %w", &tempErr{false}), true, 0},
		{"RetryAfter method", afterErr{}, false, 7 * time.Second},
		{"nil pointer of the shape", fmt.Errorf("wrapped: %w", (*httpErr)(nil)), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := classify(tt.err)
			if c.permanent != tt.permanent || c.retryAfter != tt.after {
				t.Errorf("classify = permanent %v, after %v; want %v, %v", c.permanent, c.retryAfter, tt.permanent, tt.after)
			}
		})
	}
}

// The worker follows the connectors' own error type.
func TestClassifyConnectorError(t *testing.T) {
	tests := []struct {
		err       error
		permanent bool
		after     time.Duration
	}{
		{&Error{Connector: "zendesk", Op: "open", Status: 429, Retryable: true, RetryAfter: 30 * time.Second}, false, 30 * time.Second},
		{fmt.Errorf("deliver: %w", &Error{Connector: "zendesk", Op: "open", Status: 503, Retryable: true}), false, 0},
		{&Error{Connector: "freshdesk", Op: "open", Status: 422, Message: "group_id: invalid"}, true, 0},
		{&Error{Connector: "zendesk", Op: "open", Status: 401, Hint: "check the token"}, true, 0},
	}
	for _, tt := range tests {
		c := classify(tt.err)
		if c.permanent != tt.permanent || c.retryAfter != tt.after || c.reason != tt.err.Error() {
			t.Errorf("classify(%v) = %+v; want permanent %v, after %v", tt.err, c, tt.permanent, tt.after)
		}
	}
}
