package router

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// splitListener serves HTTP and HTTPS on one port, as OKD's router does
// on its stats port: the kubelet probes over HTTP, scrapers come over
// TLS. Each connection goes by its first byte: a TLS record of a
// handshake starts with 0x16, which no HTTP method does.
type splitListener struct {
	net.Listener
	plain, secure *chanListener
}

// firstByteTimeout bounds a client that connects and sends nothing.
const firstByteTimeout = 10 * time.Second

func newSplitListener(l net.Listener) *splitListener {
	s := &splitListener{Listener: l, plain: newChanListener(l.Addr()), secure: newChanListener(l.Addr())}
	go s.run()
	return s
}

// run accepts until the port is closed. Other errors (too many open
// files, say) pass: it waits and accepts again, as net/http does, rather
// than leave the probes unanswered.
func (s *splitListener) run() {
	defer s.closeBoth()
	var delay time.Duration
	for {
		c, err := s.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		delay = 0
		go s.route(c)
	}
}

func (s *splitListener) route(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(firstByteTimeout))
	b := make([]byte, 1)
	if _, err := c.Read(b); err != nil {
		c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	pc := &peekedConn{Conn: c, first: b}
	to := s.plain
	if b[0] == 0x16 {
		to = s.secure
	}
	if !to.put(pc) {
		c.Close()
	}
}

// closeBoth closes both halves (each closes once, however often asked).
func (s *splitListener) closeBoth() {
	s.plain.Close()
	s.secure.Close()
}

// Close stops accepting on the port and on both halves.
func (s *splitListener) Close() error {
	err := s.Listener.Close()
	s.closeBoth()
	return err
}

// peekedConn gives back the byte read to route it.
type peekedConn struct {
	net.Conn
	first []byte
}

// CloseWrite half-closes a TCP connection, which net/http does before
// closing one whose request it refused, so that the client reads the
// answer.
func (c *peekedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if len(c.first) > 0 && len(p) > 0 {
		n := copy(p, c.first)
		c.first = c.first[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// chanListener is a listener fed connections by splitListener.
type chanListener struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	closer sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) put(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.closer.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// certFiles serves a certificate from files that may be replaced while
// the router runs (a renewed Secret, which the kubelet swaps in): a
// handshake reads them again once their modification times change. Until
// a new pair loads, the last one serves.
type certFiles struct {
	certFile, keyFile string
	mu                sync.Mutex
	stamp             [2]time.Time
	cert              *tls.Certificate
}

func (c *certFiles) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	var stamp [2]time.Time
	for i, f := range []string{c.certFile, c.keyFile} {
		if fi, err := os.Stat(f); err == nil {
			stamp[i] = fi.ModTime()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cert != nil && stamp == c.stamp {
		return c.cert, nil
	}
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		if c.cert != nil {
			return c.cert, nil
		}
		return nil, err
	}
	c.cert, c.stamp = &pair, stamp
	return c.cert, nil
}

// metricsTLSConfig serves the stats port's certificate.
func metricsTLSConfig(files *certFiles) *tls.Config {
	return &tls.Config{GetCertificate: files.get, MinVersion: tls.VersionTLS12}
}
