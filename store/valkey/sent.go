package valkey

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
)

var _ flows.SentLog = (*Store)(nil)

// sentKey is the key of channel's message id: {prefix}:sent:{channel:id},
// the id its own hash slot.
func (s *Store) sentKey(channel, id string) string {
	return s.prefix + ":sent:{" + channel + ":" + id + "}"
}

// RecordSent records that channel's message id belongs to conv for ttl
// (see flows.SentLog): SET key "until-ms conv" PX ttl. The server forgets
// it after ttl; the store's clock decides too (the until in the value),
// so a test clock works.
func (s *Store) RecordSent(ctx context.Context, channel, id, conv string, ttl time.Duration) (err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return err
	}
	if id == "" || conv == "" {
		return errors.New("valkey store: a sent message needs its id and its conversation")
	}
	if ttl <= 0 {
		return nil
	}
	ttl = max(ttl, time.Millisecond)
	v := ms(s.now().Add(ttl)) + " " + conv
	if err := s.c.Do(ctx, s.c.B().Set().Key(s.sentKey(channel, id)).Value(v).PxMilliseconds(ttl.Milliseconds()).Build()).Error(); err != nil {
		return fmt.Errorf("valkey store: recording sent message %q: %w", id, err)
	}
	return nil
}

// SentConversation returns the conversation recorded for channel's
// message id, or "".
func (s *Store) SentConversation(ctx context.Context, channel, id string) (_ string, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return "", err
	}
	v, err := s.c.Do(ctx, s.c.B().Get().Key(s.sentKey(channel, id)).Build()).ToString()
	switch {
	case valkey.IsValkeyNil(err):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("valkey store: reading sent message %q: %w", id, err)
	}
	until, conv, ok := strings.Cut(v, " ")
	n, perr := strconv.ParseInt(until, 10, 64)
	if !ok || perr != nil || !s.now().Before(time.UnixMilli(n)) {
		return "", nil
	}
	return conv, nil
}
