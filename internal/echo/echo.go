// Package echo is the demo and test backend: an HTTP server that answers
// every request with a JSON description of it and of who answered (the
// ingress conformance suite's echo contract), over HTTP/1.1, cleartext
// HTTP/2 and TLS with HTTP/2.
package echo

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Identity is who answers: it is echoed in every response.
type Identity struct {
	Namespace string `json:"namespace"`
	Ingress   string `json:"ingress,omitempty"`
	Service   string `json:"service"`
	Pod       string `json:"pod"`
}

// Response is the JSON body of every answer but /health.
type Response struct {
	Identity
	Path    string              `json:"path"`
	Host    string              `json:"host"`
	Method  string              `json:"method"`
	Proto   string              `json:"proto"`
	Headers map[string][]string `json:"headers"`
	TLS     *TLSInfo            `json:"tls,omitempty"`
}

// TLSInfo describes the TLS connection a request came over.
type TLSInfo struct {
	Version            string `json:"version"`
	ServerName         string `json:"serverName"`
	NegotiatedProtocol string `json:"negotiatedProtocol"`
	CipherSuite        string `json:"cipherSuite"`
}

// Resolution is the body of /resolve?name=<host>: what the pod's resolver
// answers, so that a test can see the cluster DNS a pod gets.
type Resolution struct {
	Name      string   `json:"name"`
	Addresses []string `json:"addresses,omitempty"`
	Error     string   `json:"error,omitempty"`
}

// resolve answers /resolve with the pod's view of a name.
func resolve(w http.ResponseWriter, r *http.Request) {
	res := Resolution{Name: r.URL.Query().Get("name")}
	if res.Name == "" || len(res.Name) > 253 {
		http.Error(w, "want ?name=<a host name of at most 253 characters>", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, res.Name)
	res.Addresses = addrs
	if err != nil {
		res.Error = err.Error()
	}
	body, _ := json.MarshalIndent(res, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// maxDelay bounds /delay, so that no request holds a pod for long.
const maxDelay = 10 * time.Second

// delay waits for /delay?ms=<n> milliseconds (at most maxDelay) before the
// echo answer, so that tests can see a router's timeouts. It reports
// whether to go on with the answer.
func delay(w http.ResponseWriter, r *http.Request) bool {
	n, err := strconv.Atoi(r.URL.Query().Get("ms"))
	if err != nil || n < 0 || time.Duration(n)*time.Millisecond > maxDelay {
		http.Error(w, "want ?ms=<milliseconds, at most 10000>", http.StatusBadRequest)
		return false
	}
	select {
	case <-time.After(time.Duration(n) * time.Millisecond):
		return true
	case <-r.Context().Done():
		return false
	}
}

// Handler answers requests for id.
func Handler(id Identity) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "okd-ingress-echo")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.URL.Path == "/resolve" {
			resolve(w, r)
			return
		}
		if r.URL.Path == "/delay" && !delay(w, r) {
			return
		}
		if r.URL.Path == "/health" {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", "3")
			_, _ = w.Write([]byte("OK\n"))
			return
		}
		resp := Response{Identity: id, Path: r.RequestURI, Host: r.Host, Method: r.Method, Proto: r.Proto, Headers: r.Header}
		if r.TLS != nil {
			resp.TLS = &TLSInfo{Version: tls.VersionName(r.TLS.Version), ServerName: r.TLS.ServerName,
				NegotiatedProtocol: r.TLS.NegotiatedProtocol, CipherSuite: tls.CipherSuiteName(r.TLS.CipherSuite)}
		}
		body, _ := json.MarshalIndent(resp, "", "  ")
		w.Header().Set("Content-Type", "application/json")
		// The conformance suite wants Content-Length, which Go omits for larger bodies.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// Server is a running echo server.
type Server struct {
	servers   []*http.Server
	listeners []net.Listener
}

// Options say where to listen. HTTPAddr serves HTTP/1.1 and cleartext
// HTTP/2; HTTPSAddr, when set with Certificate, serves TLS with h2.
type Options struct {
	HTTPAddr, HTTPSAddr string
	Certificate         *tls.Certificate
}

// Start listens and serves in the background.
func Start(id Identity, o Options) (*Server, error) {
	s := &Server{}
	h := Handler(id)
	if o.HTTPAddr != "" {
		var p http.Protocols
		p.SetHTTP1(true)
		p.SetUnencryptedHTTP2(true)
		if err := s.serve(o.HTTPAddr, &http.Server{Handler: h, Protocols: &p, ReadHeaderTimeout: 10 * time.Second}, nil); err != nil {
			return nil, err
		}
	}
	if o.HTTPSAddr != "" && o.Certificate != nil {
		cfg := &tls.Config{Certificates: []tls.Certificate{*o.Certificate}, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12}
		if err := s.serve(o.HTTPSAddr, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, TLSConfig: cfg}, cfg); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *Server) serve(addr string, srv *http.Server, tlsCfg *tls.Config) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if tlsCfg != nil {
		l = tls.NewListener(l, tlsCfg)
	}
	s.servers = append(s.servers, srv)
	s.listeners = append(s.listeners, l)
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was closed under it: nothing to report
		}
	}()
	return nil
}

// Close stops the server and drops its connections.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, srv := range s.servers {
		_ = srv.Shutdown(ctx)
	}
}
