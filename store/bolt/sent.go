package bolt

import (
	"bytes"
	"context"
	"errors"
	"time"

	"go.etcd.io/bbolt"

	"github.com/batonbot/baton/flows"
)

var _ flows.SentLog = (*Store)(nil)

// sentKey is the key of channel's message id in bSent.
func sentKey(channel, id string) []byte { return []byte(channel + "\x00" + id) }

// RecordSent records that channel's message id belongs to conv for ttl
// (see flows.SentLog). Past flows.MaxSent messages the one expiring first
// is forgotten.
func (s *Store) RecordSent(ctx context.Context, channel, id, conv string, ttl time.Duration) error {
	if err := s.live(ctx); err != nil {
		return err
	}
	if id == "" || conv == "" {
		return errors.New("bolt store: a sent message needs its id and its conversation")
	}
	if ttl <= 0 {
		return nil
	}
	now := s.now()
	k := sentKey(channel, id)
	limit := s.maxSent
	if limit <= 0 {
		limit = flows.MaxSent
	}
	return s.update(func(tx *bbolt.Tx) error {
		b, ix := tx.Bucket(bSent), tx.Bucket(bSentExp)
		n := b.Sequence() // how many messages b holds
		if old := b.Get(k); len(old) >= 8 {
			if err := ix.Delete(append(append([]byte(nil), old[:8]...), k...)); err != nil {
				return err
			}
			n--
		}
		for c := ix.Cursor(); n >= uint64(limit); {
			first, _ := c.First()
			if first == nil {
				break
			}
			if err := dropSent(b, ix, first); err != nil {
				return err
			}
			n--
		}
		until := at8(now.Add(ttl))
		if err := b.Put(k, append(append([]byte(nil), until...), conv...)); err != nil {
			return err
		}
		if err := ix.Put(append(until, k...), nil); err != nil {
			return err
		}
		return b.SetSequence(n + 1)
	})
}

// dropSent deletes the index entry ixKey (until(8) key) and its message.
func dropSent(b, ix *bbolt.Bucket, ixKey []byte) error {
	ixKey = append([]byte(nil), ixKey...)
	if err := ix.Delete(ixKey); err != nil {
		return err
	}
	if v := b.Get(ixKey[8:]); len(v) >= 8 && bytes.Equal(v[:8], ixKey[:8]) {
		return b.Delete(ixKey[8:])
	}
	return nil
}

// SentConversation returns the conversation recorded for channel's
// message id, or "".
func (s *Store) SentConversation(ctx context.Context, channel, id string) (string, error) {
	if err := s.live(ctx); err != nil {
		return "", err
	}
	now := s.now()
	var conv string
	err := s.view(func(tx *bbolt.Tx) error {
		conv = ""
		if v := tx.Bucket(bSent).Get(sentKey(channel, id)); len(v) >= 8 && timeOf(v[:8]).After(now) {
			conv = string(v[8:])
		}
		return nil
	})
	return conv, err
}

// expireSent forgets the sent messages expired by now.
func expireSent(tx *bbolt.Tx, now time.Time) error {
	b, ix := tx.Bucket(bSent), tx.Bucket(bSentExp)
	var gone [][]byte
	limit := at8(now)
	c := ix.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) <= 0; k, _ = c.Next() {
		gone = append(gone, append([]byte(nil), k...))
	}
	if len(gone) == 0 {
		return nil
	}
	for _, k := range gone {
		if err := dropSent(b, ix, k); err != nil {
			return err
		}
	}
	n := b.Sequence()
	return b.SetSequence(n - min(n, uint64(len(gone))))
}
