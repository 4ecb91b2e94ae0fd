package analytics

import (
	"context"
	"errors"

	"github.com/batonbot/baton/flows"
)

// Fanout writes every event to each sink (a file and a webhook, and the
// Prometheus KPIs); the errors of the sinks that failed are joined.
type Fanout []flows.EventSink

var _ flows.EventSink = Fanout(nil)

// Write writes events to every sink.
func (f Fanout) Write(ctx context.Context, events ...flows.Event) error {
	var errs []error
	for _, s := range f {
		if err := s.Write(ctx, events...); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes every sink.
func (f Fanout) Close() error {
	var errs []error
	for _, s := range f {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
