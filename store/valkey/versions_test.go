package valkey

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batonbot/baton/flows"
)

// The flow versions' notice board: a version is served while its latest
// announcement holds; an older announcement does not cut a later one
// short; a version announced a day ago is removed by the next
// announcement; after Close both calls say the store is closed.
func TestFlowVersions(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, kind)
			t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			served := func(v string, at time.Time) bool {
				t.Helper()
				ok, err := s.VersionServed(ctx, v, at)
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			if served("v1", t0) {
				t.Fatal("a version nobody announced is served")
			}
			if err := s.AnnounceVersions(ctx, []string{"v1", "v2"}, t0.Add(30*time.Second)); err != nil {
				t.Fatal(err)
			}
			if !served("v1", t0) || !served("v2", t0.Add(29*time.Second)) || served("v1", t0.Add(30*time.Second)) {
				t.Error("a version is served until its announcement's end, and not from then")
			}
			// Another process's late announcement, older than the one held.
			if err := s.AnnounceVersions(ctx, []string{"v1"}, t0.Add(10*time.Second)); err != nil {
				t.Fatal(err)
			}
			if !served("v1", t0.Add(20*time.Second)) {
				t.Error("an earlier announcement cut a later one short")
			}
			if err := s.AnnounceVersions(ctx, []string{"v3"}, t0.Add(versionsKept+time.Minute)); err != nil {
				t.Fatal(err)
			}
			n, err := s.c.Do(ctx, s.c.B().Zcard().Key(s.versionsKey()).Build()).AsInt64()
			if err != nil || n != 1 {
				t.Errorf("%d versions kept (%v), want only v3: those that ended a day before are removed", n, err)
			}
			if err := s.AnnounceVersions(ctx, nil, t0); err != nil {
				t.Errorf("announcing no version: %v", err)
			}
			s.Close()
			if err := s.AnnounceVersions(ctx, []string{"v1"}, t0); !errors.Is(err, flows.ErrClosed) {
				t.Errorf("AnnounceVersions after Close: %v, want ErrClosed", err)
			}
			if _, err := s.VersionServed(ctx, "v1", t0); !errors.Is(err, flows.ErrClosed) {
				t.Errorf("VersionServed after Close: %v, want ErrClosed", err)
			}
		})
	}
}
