package canary

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProbe(t *testing.T) {
	canary := httptest.NewTLSServer(Handler(8080))
	defer canary.Close()
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no route", http.StatusServiceUnavailable)
	}))
	defer other.Close()
	addr := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "https://") }
	ctx := context.Background()
	if err := Probe(ctx, Target{Addr: addr(canary), Host: "canary-openshift-ingress-canary.apps.example.com", Port: 8080}); err != nil {
		t.Errorf("canary on its port: %v", err)
	}
	if err := Probe(ctx, Target{Addr: addr(canary), Host: "canary.apps.example.com", Port: 8888}); err == nil || !strings.Contains(err.Error(), "port") {
		t.Errorf("canary on the other port: got %v, want a port mismatch", err)
	}
	if err := Probe(ctx, Target{Addr: addr(other), Host: "canary.apps.example.com", Port: 8080}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("another server: got %v, want status 503", err)
	}
	if err := Probe(ctx, Target{Addr: "127.0.0.1:1", Host: "canary.apps.example.com", Port: 8080}); err == nil {
		t.Error("nothing listening: got no error")
	}
}

// TestProbeProxyProtocol: a router behind a PROXY-protocol load balancer
// reads the header before TLS; the probe sends it, with its own addresses.
func TestProbeProxyProtocol(t *testing.T) {
	headers := make(chan string, 1)
	srv := httptest.NewUnstartedServer(Handler(8080))
	srv.Listener = &proxyListener{Listener: srv.Listener, headers: headers}
	srv.StartTLS()
	defer srv.Close()
	target := Target{Addr: strings.TrimPrefix(srv.URL, "https://"), Host: "canary.apps.example.com", Port: 8080, ProxyProtocol: true}
	if err := Probe(context.Background(), target); err != nil {
		t.Fatalf("probe with the PROXY header: %v", err)
	}
	h := <-headers
	if !strings.HasPrefix(h, "PROXY TCP4 127.0.0.1 127.0.0.1 ") || !strings.HasSuffix(h, " "+strings.Split(target.Addr, ":")[1]+"\r\n") {
		t.Errorf("header %q", h)
	}
}

// proxyListener reads a PROXY v1 line off each connection before handing
// it on, as HAProxy's accept-proxy does.
type proxyListener struct {
	net.Listener
	headers chan string
}

func (l *proxyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	var line []byte
	b := make([]byte, 1)
	for !strings.HasSuffix(string(line), "\r\n") && len(line) < 108 {
		if _, err := c.Read(b); err != nil {
			_ = c.Close()
			return nil, err
		}
		line = append(line, b[0])
	}
	select {
	case l.headers <- string(line):
	default:
	}
	return c, nil
}

func TestCheckAnswer(t *testing.T) {
	for _, tc := range []struct {
		name         string
		status       int
		port, body   string
		wantErrMatch string
	}{
		{"the canary", 200, "8080", Body, ""},
		{"another app", 200, "", "hello\n", "not the canary's"},
		{"the router's 503 page", 503, "", "<html>Application is not available</html>", "status 503"},
		{"the other port", 200, "8888", Body, `port "8888"`},
		{"a redirect", 302, "", "", "status 302"},
	} {
		err := checkAnswer(tc.status, tc.port, tc.body, 8080)
		if tc.wantErrMatch == "" && err != nil || tc.wantErrMatch != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErrMatch)) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.wantErrMatch)
		}
	}
}
