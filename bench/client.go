package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// hostClient sends every request to addr whatever the URL's host, as if
// DNS pointed every route's host at that router; TLS is not verified.
func hostClient(addr string, keepAlive bool, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(a)
			return dialer.DialContext(ctx, network, net.JoinHostPort(addr, port))
		},
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
		DisableKeepAlives:   !keepAlive,
		MaxIdleConnsPerHost: 16,
	}}
}

// tally counts a load's requests and failures.
type tally struct {
	requests, failures atomic.Int64
	mu                 sync.Mutex
	kinds              map[string]int // failures by message, to say what they were
}

func (t *tally) fail(err error) {
	t.failures.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.kinds == nil {
		t.kinds = map[string]int{}
	}
	t.kinds[err.Error()]++
}

// kindsString lists the failures by message.
func (t *tally) kindsString() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for k, n := range t.kinds {
		out = append(out, fmt.Sprintf("%q ×%d", k, n))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// load runs clients against a URL until stop (or its deadline, a bound
// should finish never come): keep-alive clients on raw connections that
// never retry (net/http silently retries a request that failed on a
// reused connection, which would hide exactly the failures a reload may
// cause), keep-alive clients that pause between requests, and
// new-connection clients, one TCP connection per request.
type load struct {
	keepAlive, pausing, newConns tally
	// idleClosed counts the pausing clients' connections that the server
	// closed while they were idle (reopened; not failures).
	idleClosed atomic.Int64
	stop       chan struct{}
	deadline   time.Time
	wg         sync.WaitGroup
}

// Pauses of the pausing keep-alive clients between a response and their
// next request: random, so that a stopping worker finds connections idle
// for any part of it, as a browser's or an API client's are.
const (
	minPause = 10 * time.Millisecond
	maxPause = 200 * time.Millisecond
)

// startLoad starts the clients; they stop at finish, or after maxRun.
func startLoad(addr, host string, keepAliveClients, pausingClients, newConnClients int, maxRun time.Duration) *load {
	l := &load{stop: make(chan struct{}), deadline: time.Now().Add(maxRun)}
	for range keepAliveClients {
		l.wg.Add(1)
		go func() { defer l.wg.Done(); l.runKeepAlive(addr, host, &l.keepAlive, false) }()
	}
	for range pausingClients {
		l.wg.Add(1)
		go func() { defer l.wg.Done(); l.runKeepAlive(addr, host, &l.pausing, true) }()
	}
	for range newConnClients {
		l.wg.Add(1)
		go func() { defer l.wg.Done(); l.runNewConns(addr, host) }()
	}
	return l
}

// finish stops the clients and waits for them.
func (l *load) finish() {
	close(l.stop)
	l.wg.Wait()
}

func (l *load) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return time.Now().After(l.deadline)
	}
}

// sleep waits d or until the load stops; false when it stopped.
func (l *load) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-l.stop:
		return false
	case <-t.C:
		return !l.stopped()
	}
}

// runKeepAlive sends requests on one connection until the server closes
// it (HAProxy closes idle connections of a stopping worker, and says
// "Connection: close" on the last response), then opens another. A
// request written and not answered with a 200 is a failure. With pause,
// it waits minPause–maxPause between a response and the next request,
// and before writing checks whether the server closed the connection
// meanwhile, as a client's connection pool notices (net/http reads idle
// connections in the background): such a connection is reopened, not a
// failure. What remains is the race: HAProxy closing the idle connection
// while the request is on its way.
func (l *load) runKeepAlive(addr, host string, t *tally, pause bool) {
	req := []byte("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
	for !l.stopped() {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.requests.Add(1)
			t.fail(err)
			l.sleep(10 * time.Millisecond) // a refused dial must not spin and inflate the counts
			continue
		}
		br := bufio.NewReader(conn)
		for first := true; !l.stopped(); first = false {
			if pause && !first {
				if !l.sleep(minPause + rand.N(maxPause-minPause+1)) {
					break
				}
				if closedWhileIdle(conn, br) {
					l.idleClosed.Add(1)
					break
				}
			}
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			t.requests.Add(1)
			closing, err := exchange(conn, br, req)
			if err != nil {
				t.fail(err)
				break
			}
			if closing {
				break
			}
		}
		conn.Close()
	}
}

// closedWhileIdle reports whether the server closed an idle connection
// (or sent on it unasked, which leaves it unusable too): a read that does
// not time out within a millisecond found an end of file, a reset or
// data.
func closedWhileIdle(conn net.Conn, br *bufio.Reader) bool {
	_ = conn.SetReadDeadline(time.Now().Add(time.Millisecond))
	_, err := br.Peek(1)
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}

// exchange writes one request and reads its response; closing reports
// that the server will close the connection after it.
func exchange(conn net.Conn, br *bufio.Reader, req []byte) (closing bool, err error) {
	if _, err := conn.Write(req); err != nil {
		return false, fmt.Errorf("write: %w", err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return false, fmt.Errorf("read: %w", err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return false, fmt.Errorf("body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.Close, fmt.Errorf("status %d", resp.StatusCode)
	}
	return resp.Close, nil
}

// runNewConns sends each request on a new connection.
func (l *load) runNewConns(addr, host string) {
	req := []byte("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
	for !l.stopped() {
		l.newConns.requests.Add(1)
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			l.newConns.fail(err)
			l.sleep(10 * time.Millisecond)
			continue
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := exchange(conn, bufio.NewReader(conn), req); err != nil {
			l.newConns.fail(err)
		}
		conn.Close()
	}
}
