package host

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/batonbot/baton/config"
	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store/bolt"
	"github.com/batonbot/baton/store/memory"
	"github.com/batonbot/baton/store/valkey"
)

// ErrStore marks a NewServer error that comes from opening the store (a
// bolt file another process holds or that is not a store, a Valkey that
// does not answer), not from the config: errors.Is(err, ErrStore).
var ErrStore = errors.New("the store cannot be opened")

type storeError struct{ err error }

func (e storeError) Error() string   { return e.err.Error() }
func (e storeError) Unwrap() []error { return []error{e.err, ErrStore} }

// OpenStore opens the config's store as serve does ('baton handoff'
// inspects the outbox of a deployment with it). A bolt file is created when
// missing; the error of a store that cannot be opened is ErrStore.
func OpenStore(cfg *config.Config) (flows.Store, error) { return openStore(cfg) }

// openStore opens the config's store.
func openStore(cfg *config.Config) (flows.Store, error) {
	switch cfg.Store.Kind {
	case config.StoreMemory, "":
		opts := []memory.Option{}
		if cfg.Store.SessionTTL > 0 {
			opts = append(opts, memory.WithTTL(cfg.Store.SessionTTL))
		}
		return memory.New(opts...), nil
	case config.StoreBolt:
		var opts []bolt.Option
		if cfg.Store.SessionTTL > 0 {
			opts = append(opts, bolt.WithTTL(cfg.Store.SessionTTL))
		}
		st, err := bolt.Open(cfg.Store.Path, opts...)
		if err != nil {
			return nil, storeError{fmt.Errorf("%s: store: %w", cfg.Source, err)}
		}
		return st, nil
	case config.StoreValkey:
		var opts []valkey.Option
		if cfg.Store.SessionTTL > 0 {
			opts = append(opts, valkey.WithTTL(cfg.Store.SessionTTL))
		}
		if cfg.Store.Prefix != "" {
			opts = append(opts, valkey.WithPrefix(cfg.Store.Prefix))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st, err := valkey.NewStore(ctx, valkeyURL(cfg.Store), opts...)
		if err != nil {
			return nil, storeError{fmt.Errorf("%s: store: %w", cfg.Source, err)}
		}
		return st, nil
	}
	return nil, fmt.Errorf("%s: unknown store kind %q; use memory, bolt or valkey", cfg.Source, cfg.Store.Kind)
}

// valkeyURL is the store's url, or one made of its address list and
// credentials.
func valkeyURL(s config.Store) string {
	if s.URL != "" {
		return s.URL
	}
	u := url.URL{Scheme: "redis", Host: s.Addresses[0], Path: "/" + strconv.Itoa(s.DB)}
	if s.TLS {
		u.Scheme = "rediss"
	}
	if s.Username != "" || s.Password != "" {
		u.User = url.UserPassword(s.Username, s.Password)
	}
	q := url.Values{}
	for _, a := range s.Addresses[1:] {
		q.Add("addr", a)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
