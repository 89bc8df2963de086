package routeserver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestChangedFrom(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ca.crt")
	first := []byte("old CA")
	for _, tc := range []struct {
		name string
		now  []byte // nil: no file
		want bool
	}{
		{"same bytes", []byte("old CA"), false},
		{"other bytes", []byte("new CA"), true},
		{"empty, between writes", []byte{}, false},
		{"gone", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(path)
			if tc.now != nil {
				if err := os.WriteFile(path, tc.now, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if got := changedFrom(path, first); got != tc.want {
				t.Errorf("changedFrom = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestWatchFile: a change is reported once, and the watch ends with it or
// with its context.
func TestWatchFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(path, []byte("old CA"), 0o600); err != nil {
		t.Fatal(err)
	}
	calls := make(chan struct{}, 2)
	done := make(chan struct{})
	go func() {
		watchFile(context.Background(), path, []byte("old CA"), time.Millisecond, func() { calls <- struct{}{} })
		close(done)
	}()
	if err := os.WriteFile(path, []byte("new CA"), 0o600); err != nil {
		t.Fatal(err)
	}
	<-done // returns after its one call
	if len(calls) != 1 {
		t.Errorf("%d calls, want 1", len(calls))
	}

	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() {
		watchFile(ctx, path, []byte("new CA"), time.Millisecond, func() { t.Error("called for an unchanged file") })
		close(done)
	}()
	cancel()
	<-done
}

// TestUntilChanged: a server told to stop by its context returns what it
// returns; one stopped for a changed CA file returns ErrEtcdCAChanged,
// after its own graceful return.
func TestUntilChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(path, []byte("old CA"), 0o600); err != nil {
		t.Fatal(err)
	}
	serve := func(ctx context.Context) error { <-ctx.Done(); return nil } // as RunWithContext
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := untilChanged(ctx, path, []byte("old CA"), time.Millisecond, serve); err != nil {
		t.Errorf("stopped by its context: %v, want nil", err)
	}
	started := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- untilChanged(context.Background(), path, []byte("old CA"), time.Millisecond, func(ctx context.Context) error {
			close(started)
			return serve(ctx)
		})
	}()
	<-started
	if err := os.WriteFile(path, []byte("new CA"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrEtcdCAChanged) {
		t.Errorf("after the CA file changed: %v, want ErrEtcdCAChanged", err)
	}
	// No CA file (an etcd without TLS): nothing watched.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := untilChanged(ctx, "", nil, time.Millisecond, serve); err != nil {
		t.Errorf("without a CA file: %v", err)
	}
}
