package loadgen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/valkey"
)

// OpenStore opens the store RunEngine measures: "memory", "bolt" (the
// bbolt file at path, or a temporary one when path is empty) or "valkey"
// (the server at url). It returns the store with what closes it, which
// also removes a temporary bolt file.
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
			err := s.Close()
			if dir != "" {
				os.RemoveAll(dir)
			}
			return err
		}, nil
	case "valkey":
		s, err := valkey.NewStore(ctx, url)
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	}
	return nil, nil, fmt.Errorf("store %q: use memory, bolt or valkey", kind)
}
