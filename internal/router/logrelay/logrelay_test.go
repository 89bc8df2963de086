package logrelay

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/syncbuf"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<134>Dec  5 11:48:54 haproxy[7]: 198.18.0.1:5000 [05/Dec/2026:11:48:54.123] public be/s1 0/0/1/2/3 200 120 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"\n",
			"Dec  5 11:48:54 haproxy[7]: 198.18.0.1:5000 [05/Dec/2026:11:48:54.123] public be/s1 0/0/1/2/3 200 120 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\""},
		{"no priority", "no priority"},
		{"<1>two\nlines\r\n", "two lines"},
		{"<not a priority at all", "<not a priority at all"},
	} {
		if got := string(Line([]byte(tc.in))); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestServe: datagrams sent to the socket come out as lines, a stale
// socket file is replaced, and the relay stops with its context.
func TestServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rsyslog.sock")
	if err := os.WriteFile(path, nil, 0o600); err != nil { // a previous run's leftover
		t.Fatal(err)
	}
	conn, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket %v: %v", fi.Mode(), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncbuf.Buffer
	done := make(chan error)
	go func() { done <- Serve(ctx, conn, &out, 2*time.Second) }()

	w, err := net.Dial("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, m := range []string{"<134>first\n", "<134>second"} {
		if _, err := w.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "first\nsecond\n" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := out.String(); got != "first\nsecond\n" {
		t.Fatalf("printed %q", got)
	}
	// Stopped, it still prints what comes, until a quiet period passes.
	cancel()
	time.Sleep(50 * time.Millisecond)
	if _, err := w.Write([]byte("<134>while draining")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop after its context ended and the socket went quiet")
	}
	if got := out.String(); got != "first\nsecond\nwhile draining\n" {
		t.Fatalf("printed %q", got)
	}
}
