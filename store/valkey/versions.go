package valkey

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/batonbot/baton/flows"
)

var _ flows.FlowVersions = (*Store)(nil)

// versionsKey is the sorted set of the flow versions the processes serve,
// each scored with the time (Unix milliseconds) its last announcement
// holds until.
func (s *Store) versionsKey() string { return s.prefix + ":versions" }

// versionsKept is how long past its announcement's end a version stays
// in the set before an announcement removes it: the set holds the
// versions of the last day, a few dozen at most.
const versionsKept = 24 * time.Hour

// AnnounceVersions records that versions are served until until (see
// flows.FlowVersions): a later time than one already recorded replaces
// it, an earlier one does not. Versions whose announcements ended a day
// ago are removed. One round trip.
func (s *Store) AnnounceVersions(ctx context.Context, versions []string, until time.Time) (err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return err
	}
	if len(versions) == 0 {
		return nil
	}
	add := s.c.B().Zadd().Key(s.versionsKey()).Gt().ScoreMember()
	for _, v := range versions {
		add = add.ScoreMember(float64(until.UnixMilli()), v)
	}
	old := strconv.FormatInt(until.Add(-versionsKept).UnixMilli(), 10)
	for _, r := range s.c.DoMulti(ctx, add.Build(), s.c.B().Zremrangebyscore().Key(s.versionsKey()).Min("-inf").Max("("+old).Build()) {
		if err := r.Error(); err != nil {
			return fmt.Errorf("valkey store: announcing the flow versions served: %w", err)
		}
	}
	return nil
}

// VersionServed reports whether a process announced version as served
// until after now (see flows.FlowVersions).
func (s *Store) VersionServed(ctx context.Context, version string, now time.Time) (_ bool, err error) {
	defer s.underWay(&err)
	if err := s.live(ctx); err != nil {
		return false, err
	}
	until, err := s.c.Do(ctx, s.c.B().Zscore().Key(s.versionsKey()).Member(version).Build()).AsFloat64()
	if err != nil {
		if valkey.IsValkeyNil(err) {
			return false, nil
		}
		return false, fmt.Errorf("valkey store: reading whether flow version %s is served: %w", version, err)
	}
	return int64(until) > now.UnixMilli(), nil
}
