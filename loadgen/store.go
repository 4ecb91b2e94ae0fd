package loadgen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/valkey"
)

// OpenStore opens the store RunEngine measures: "memory", "bolt" (the
// bbolt file at path, or a temporary one when path is empty) or "valkey"
// (the server at url). It returns the store with what closes it, which
// also removes a temporary bolt file, or from a given one the outbox items
// of the run's conversations.
func OpenStore(ctx context.Context, kind, path, url string) (flows.SessionStore, func() error, error) {
	switch kind {
	case "memory":
		return memory.New(), func() error { return nil }, nil
	case "bolt":
		dir := ""
		if path == "" {
			d, err := os.MkdirTemp("", "baton-load-")
			if err != nil {
				return nil, nil, err
			}
			dir, path = d, filepath.Join(d, "load.db")
		}
		s, err := bolt.Open(path)
		if err != nil {
			if dir != "" {
				os.RemoveAll(dir)
			}
			return nil, nil, err
		}
		return s, func() error {
			var err error
			if dir == "" {
				// A file of the user's: the run's conversations were
				// deleted, but the handoffs they asked for stay in the
				// outbox by design, for a 'baton serve' on the file to
				// deliver to a real helpdesk. They go too.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
				defer cancel()
				_, err = s.DropOutbox(ctx, func(conv string) bool { return strings.HasPrefix(conv, convPrefix) })
				if err != nil {
					err = fmt.Errorf("removing the load's handoffs from %s: %w", path, err)
				}
			}
			err = errors.Join(err, s.Close())
			if dir != "" {
				os.RemoveAll(dir)
			}
			return err
		}, nil
	case "valkey":
		// Keys of the run's own, for an hour: a serve on the same server
		// never takes the load's outbox items (the handoffs its scripts
		// ask for) as its helpdesk work, and what the run wrote is removed
		// when it ends (or expires, when it dies first).
		prefix := "baton-load-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		s, err := valkey.NewStore(ctx, url, valkey.WithPrefix(prefix), valkey.WithTTL(time.Hour))
		if err != nil {
			return nil, nil, err
		}
		return s, func() error {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			return errors.Join(removeKeys(ctx, s, prefix), s.Close())
		}, nil
	}
	return nil, nil, fmt.Errorf("store %q: use memory, bolt or valkey", kind)
}

// removeKeys deletes the keys under prefix on every node of s's server
// or cluster.
func removeKeys(ctx context.Context, s *valkey.Store, prefix string) error {
	for _, node := range s.Client().Nodes() {
		var cursor uint64
		for {
			e, err := node.Do(ctx, node.B().Scan().Cursor(cursor).Match(prefix+":*").Count(1000).Build()).AsScanEntry()
			if err != nil {
				return fmt.Errorf("removing the load's keys: %w", err)
			}
			for _, k := range e.Elements {
				if err := node.Do(ctx, node.B().Unlink().Key(k).Build()).Error(); err != nil {
					return fmt.Errorf("removing the load's keys: %w", err)
				}
			}
			if cursor = e.Cursor; cursor == 0 {
				break
			}
		}
	}
	return nil
}
