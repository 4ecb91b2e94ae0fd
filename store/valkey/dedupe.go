package valkey

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Seen records key for ttl and reports whether it was recorded already
// (see flows.Deduper). The key expires on the server after ttl; the
// store's clock decides too, so a test clock works. A ttl of zero or
// less records nothing.
func (s *Store) Seen(ctx context.Context, key string, ttl time.Duration) (_ bool, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return false, err
	}
	if key == "" {
		return false, errors.New("valkey store: a dedupe key cannot be empty")
	}
	if ttl > 0 {
		ttl = max(ttl, time.Millisecond)
	}
	now := s.now()
	k := s.prefix + ":dd:{" + key + "}"
	n, err := s.sc.seen.exec(ctx, s.c, []string{k}, []string{ms(now), ms(now.Add(ttl)), msDur(ttl)}).AsInt64()
	if err != nil {
		return false, fmt.Errorf("valkey store: recording dedupe key %q: %w", key, err)
	}
	return n == 1, nil
}
