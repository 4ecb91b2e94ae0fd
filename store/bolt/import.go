package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	bbolt "go.etcd.io/bbolt"

	"github.com/batonbot/baton/flows"
	"github.com/batonbot/baton/store"
)

// jsonFile is the file the JSON file store of earlier Batons wrote.
type jsonFile struct {
	Sessions map[string]*flows.Session  `json:"sessions"`
	Outbox   []flows.OutboxItem         `json:"outbox"`
	Tickets  map[string]flows.TicketRef `json:"tickets"`
	Loads    map[string]int             `json:"loads"`
	Version  int                        `json:"version"`
}

// MaxImportSize is the largest JSON store ImportJSON reads (256 MiB): it
// holds the whole file, and what it decodes, in memory at once.
const MaxImportSize = 256 << 20

// Imported counts what ImportJSON carried over.
type Imported struct {
	Sessions, Items, Tickets, Loads int
	// Skipped are the sessions and items the store had already (by id).
	Skipped int
}

// ImportJSON carries the JSON file store at path (what earlier Batons
// wrote with `chat --live`) into s: sessions keep their revisions, outbox
// items their status, attempts and errors, tickets and agents' loads their
// values. Sessions and items s has already are kept as they are, so
// importing twice changes nothing. It is one transaction: on an error
// nothing is imported.
func (s *Store) ImportJSON(ctx context.Context, path string) (Imported, error) {
	var n Imported
	if err := s.live(ctx); err != nil {
		return n, err
	}
	b, err := readImport(path)
	if err != nil {
		return n, err
	}
	var f jsonFile
	if err := json.Unmarshal(b, &f); err != nil {
		return n, fmt.Errorf("import %s: not a Baton JSON store (%v)", path, err)
	}
	if f.Version == 0 {
		return n, fmt.Errorf("import %s: not a Baton JSON store (no version)", path)
	}
	if f.Version > 1 {
		return n, fmt.Errorf("import %s: JSON store version %d is newer than this Baton reads (1)", path, f.Version)
	}
	now := s.now()
	err = s.db.Update(func(tx *bbolt.Tx) error {
		sb := tx.Bucket(bSessions)
		for id, sess := range f.Sessions {
			if sess == nil {
				continue
			}
			if sess.ID == "" {
				sess.ID = id
			}
			if sess.ID != id {
				return fmt.Errorf("import %s: session %q is filed under %q", path, sess.ID, id)
			}
			if sb.Get([]byte(id)) != nil {
				n.Skipped++
				continue
			}
			v := make([]byte, sessionHeader, 512)
			binary.BigEndian.PutUint64(v, uint64(now.UnixNano()))
			binary.BigEndian.PutUint64(v[8:], uint64(sess.Rev))
			v = store.EncodeSession(v, sess)
			if err := sb.Put([]byte(id), v); err != nil {
				return err
			}
			if err := tx.Bucket(bTouched).Put(append(v[:8:8], id...), nil); err != nil {
				return err
			}
			n.Sessions++
		}
		ids := tx.Bucket(bOutboxIDs)
		for _, it := range f.Outbox {
			if it.ID == "" {
				return errors.New("import " + path + ": an outbox item has no id")
			}
			if ids.Get([]byte(it.ID)) != nil {
				n.Skipped++
				continue
			}
			if _, err := s.putItem(tx, store.FillItem(it, it.ConversationID, now)); err != nil {
				return err
			}
			if it.Status == flows.OutboxDelivered {
				meta := tx.Bucket(bMeta)
				d, _ := binary.Uvarint(meta.Get(keyDelivered))
				if err := meta.Put(keyDelivered, binary.AppendUvarint(nil, d+1)); err != nil {
					return err
				}
			}
			n.Items++
		}
		tb := tx.Bucket(bTickets)
		for hid, t := range f.Tickets {
			if tb.Get([]byte(hid)) != nil {
				continue
			}
			b, _ := json.Marshal(t)
			if err := tb.Put([]byte(hid), append(at8(now), b...)); err != nil {
				return err
			}
			n.Tickets++
		}
		for agent, c := range f.Loads {
			if agent == "" || c <= 0 || tx.Bucket(bLoads).Get([]byte(agent)) != nil {
				continue
			}
			if err := addLoad(tx, agent, c); err != nil {
				return err
			}
			n.Loads++
		}
		return nil
	})
	err = s.underWay(err)
	if err != nil {
		return Imported{}, err
	}
	return n, nil
}

// readImport reads the JSON store at path, at most MaxImportSize bytes.
func readImport(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	tooLarge := fmt.Errorf("import %s: the file is larger than %d bytes (256 MiB), the most a migration reads at once; "+
		"check it is the store an earlier 'baton chat --live' wrote, or split its sessions and outbox into several files and migrate each in turn (a migration adds to the new store)", path, MaxImportSize)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxImportSize {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxImportSize+1))
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if len(b) > MaxImportSize {
		return nil, tooLarge
	}
	return b, nil
}
