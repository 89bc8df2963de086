// Package canary is both ends of the default IngressController's canary
// check, as OKD has it: the healthcheck server its DaemonSet runs (the
// router binary's `serve-healthcheck`), and the probe the operator sends
// through a router to the canary Route to see that the whole path works:
// the Route admitted, the router serving it with TLS, and a pod behind it.
package canary

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Body is what the healthcheck server answers, as OKD's does.
const Body = "Healthcheck requested\n"

// RequestPortHeader names the port the request reached, so the probe can
// tell the canary's answer (on the port the Route targets) from another's.
const RequestPortHeader = "x-request-port"

// Ports are the ports the healthcheck server listens on (OKD's: the
// Route targets one of them).
var Ports = []int32{8080, 8888}

// Handler answers every request with Body and the port it came in on.
func Handler(port int32) http.Handler {
	p := strconv.Itoa(int(port))
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(RequestPortHeader, p)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(Body)))
		_, _ = io.WriteString(w, Body)
	})
}

// Serve listens on every port of Ports (on all addresses) and answers
// there until ctx ends.
func Serve(ctx context.Context) error {
	errs := make(chan error, len(Ports))
	var servers []*http.Server
	for _, port := range Ports {
		ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(int(port))))
		if err != nil {
			for _, s := range servers {
				_ = s.Close()
			}
			return err
		}
		s := &http.Server{Handler: Handler(port), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
		servers = append(servers, s)
		go func() { errs <- s.Serve(ln) }()
	}
	select {
	case <-ctx.Done():
	case err := <-errs:
		for _, s := range servers {
			_ = s.Close()
		}
		return err
	}
	stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(stop)
	}
	return nil
}

// Target is where a probe goes.
type Target struct {
	// Addr is the router (host:port of its HTTPS listener); Host the
	// canary Route's host, sent as SNI and Host.
	Addr, Host string
	// Port is the canary's port the Route targets: the answer must come
	// from it.
	Port int32
	// ProxyProtocol: the router's listener expects a PROXY protocol
	// header first, as the load balancer in front of it sends.
	ProxyProtocol bool
}

// Probe sends one HTTPS request to t and checks that the canary answered
// it. The router's certificate is not verified: an admin's default
// certificate need not be one the operator trusts, and what is checked
// is that traffic flows.
func Probe(ctx context.Context, t Target) error {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, t.Addr)
			if err != nil || !t.ProxyProtocol {
				return conn, err
			}
			if _, err := io.WriteString(conn, proxyHeader(conn.LocalAddr(), conn.RemoteAddr())); err != nil {
				_ = conn.Close()
				return nil, err
			}
			return conn, nil
		},
		// #nosec G402 -- see above: reachability, not identity, is checked.
		TLSClientConfig:     &tls.Config{ServerName: t.Host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
		DisableKeepAlives:   true,
		TLSHandshakeTimeout: 5 * time.Second,
		Proxy:               nil, // straight to the router, whatever the environment says
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+t.Host+"/", nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	return checkAnswer(resp.StatusCode, resp.Header.Get(RequestPortHeader), string(body), t.Port)
}

// proxyHeader is a PROXY protocol v1 header for a connection from src to
// dst (both TCP).
func proxyHeader(src, dst net.Addr) string {
	s, d := src.(*net.TCPAddr), dst.(*net.TCPAddr)
	family := "TCP4"
	if s.IP.To4() == nil {
		family = "TCP6"
	}
	return fmt.Sprintf("PROXY %s %s %s %d %d\r\n", family, s.IP, d.IP, s.Port, d.Port)
}

// ErrWrongPort is the canary answering on another port than the Route
// names: the router has not followed a change of the Route.
var ErrWrongPort = errors.New("wrong port")

// checkAnswer tells whether an answer is the canary's, on wantPort.
func checkAnswer(status int, port, body string, wantPort int32) error {
	switch {
	case status != http.StatusOK:
		return fmt.Errorf("status %d (%s)", status, firstLine(body))
	case body != Body:
		return errors.New("the answer is not the canary's: " + strconv.Quote(firstLine(body)))
	case port != strconv.Itoa(int(wantPort)):
		return fmt.Errorf("%w: the canary answered on port %q, the Route targets %d", ErrWrongPort, port, wantPort)
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return s
}
