package memory

import (
	"context"
	"errors"
	"time"

	"github.com/batonbot/baton/flows"
)

var _ flows.SentLog = (*Store)(nil)

// sentRec is a sent message's conversation and when it is forgotten.
type sentRec struct {
	conv  string
	until time.Time
}

// sentKey is the key of channel's message id in Store.sent.
func sentKey(channel, id string) string { return channel + "\x00" + id }

// RecordSent records that channel's message id belongs to conv for ttl
// (see flows.SentLog). Past flows.MaxSent messages the oldest recorded is
// forgotten.
func (m *Store) RecordSent(ctx context.Context, channel, id, conv string, ttl time.Duration) error {
	if err := m.live(ctx); err != nil {
		return err
	}
	if id == "" || conv == "" {
		return errors.New("memory store: a sent message needs its id and its conversation")
	}
	if ttl <= 0 {
		return nil
	}
	now := m.now()
	k := sentKey(channel, id)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sent[k]; !ok {
		for len(m.sent) >= m.maxSent && len(m.sentOrder) > 0 {
			delete(m.sent, m.sentOrder[0])
			m.sentOrder = m.sentOrder[1:]
		}
		m.sentOrder = append(m.sentOrder, k)
	}
	m.sent[k] = sentRec{conv: conv, until: now.Add(ttl)}
	m.maybeSweep(now)
	return nil
}

// SentConversation returns the conversation recorded for channel's
// message id, or "".
func (m *Store) SentConversation(ctx context.Context, channel, id string) (string, error) {
	if err := m.live(ctx); err != nil {
		return "", err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.sent[sentKey(channel, id)]; ok && now.Before(r.until) {
		return r.conv, nil
	}
	return "", nil
}

// sweepSent forgets the sent messages expired by now. The caller holds
// m.mu.
func (m *Store) sweepSent(now time.Time) {
	for k, r := range m.sent {
		if !now.Before(r.until) {
			delete(m.sent, k)
		}
	}
	order := m.sentOrder[:0]
	for _, k := range m.sentOrder {
		if _, ok := m.sent[k]; ok {
			order = append(order, k)
		}
	}
	clear(m.sentOrder[len(order):])
	m.sentOrder = order
}
