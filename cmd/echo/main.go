// Command echo is the demo and test backend (internal/echo) as a program:
// the local node runs it for pods of the echo image, and it answers every
// request with a JSON description of the request and of the pod that
// answered. Settings come from the environment the ingress conformance
// echo server reads, so its Deployments work unchanged; flags override.
//
//	HTTP_PORT           HTTP (and cleartext HTTP/2) port, default 8080
//	HTTPS_PORT          HTTPS port, default 8443
//	TLS_SERVER_CERT     PEM certificate file for HTTPS
//	TLS_SERVER_PRIVKEY  PEM private key file for HTTPS
//	POD_NAME, POD_NAMESPACE (or NAMESPACE), SERVICE_NAME, INGRESS_NAME
//	                    the identity echoed in every answer
//
// Without certificate files HTTPS is served with a self-signed certificate
// made at start-up, so that passthrough and reencrypt Routes have a TLS
// backend without any setup.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/echo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// settings are the command line, defaulted from the environment.
type settings struct {
	address             string
	httpPort, httpsPort int
	certFile, keyFile   string
	id                  echo.Identity
}

func parse() (settings, error) {
	var s settings
	httpPort, err := envPort("HTTP_PORT", 8080)
	if err != nil {
		return s, err
	}
	httpsPort, err := envPort("HTTPS_PORT", 8443)
	if err != nil {
		return s, err
	}
	flag.StringVar(&s.address, "address", "", "address to listen on (all when empty)")
	flag.IntVar(&s.httpPort, "http-port", httpPort, "HTTP port, 0 to disable (HTTP_PORT)")
	flag.IntVar(&s.httpsPort, "https-port", httpsPort, "HTTPS port, 0 to disable (HTTPS_PORT)")
	flag.StringVar(&s.certFile, "cert", os.Getenv("TLS_SERVER_CERT"), "PEM certificate for HTTPS (TLS_SERVER_CERT); self-signed when empty")
	flag.StringVar(&s.keyFile, "key", os.Getenv("TLS_SERVER_PRIVKEY"), "PEM private key for HTTPS (TLS_SERVER_PRIVKEY)")
	flag.StringVar(&s.id.Pod, "pod", os.Getenv("POD_NAME"), "pod name to report (POD_NAME)")
	flag.StringVar(&s.id.Namespace, "namespace", firstEnv("POD_NAMESPACE", "NAMESPACE"), "namespace to report (POD_NAMESPACE, NAMESPACE)")
	flag.StringVar(&s.id.Service, "service", os.Getenv("SERVICE_NAME"), "service name to report (SERVICE_NAME)")
	flag.StringVar(&s.id.Ingress, "ingress", os.Getenv("INGRESS_NAME"), "ingress name to report (INGRESS_NAME)")
	flag.Parse()
	if s.id.Pod == "" {
		// Load-balancing checks count distinct pods: never answer anonymously.
		s.id.Pod, _ = os.Hostname()
	}
	return s, nil
}

func run() error {
	s, err := parse()
	if err != nil {
		return err
	}
	o := echo.Options{}
	if s.httpPort != 0 {
		o.HTTPAddr = net.JoinHostPort(s.address, strconv.Itoa(s.httpPort))
	}
	if s.httpsPort != 0 {
		o.HTTPSAddr = net.JoinHostPort(s.address, strconv.Itoa(s.httpsPort))
		if o.Certificate, err = certificate(s); err != nil {
			return err
		}
	}
	srv, err := echo.Start(s.id, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "echo: pod %q serving http %q https %q\n", s.id.Pod, o.HTTPAddr, o.HTTPSAddr)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	srv.Close()
	return nil
}

// certificate loads the files, or makes a self-signed certificate for the
// pod's name and POD_IP.
func certificate(s settings) (*tls.Certificate, error) {
	if s.certFile != "" || s.keyFile != "" {
		c, err := tls.LoadX509KeyPair(s.certFile, s.keyFile)
		if err != nil {
			return nil, fmt.Errorf("loading the HTTPS certificate: %w", err)
		}
		return &c, nil
	}
	ca, err := certs.NewCA("okd-ingress-echo", 365*24*time.Hour, time.Now())
	if err != nil {
		return nil, err
	}
	var ips []net.IP
	if ip := net.ParseIP(os.Getenv("POD_IP")); ip != nil {
		ips = append(ips, ip)
	}
	kp, err := certs.NewServingCert(ca, []string{s.id.Pod}, ips, 365*24*time.Hour, time.Now())
	if err != nil {
		return nil, err
	}
	c, err := tls.X509KeyPair(append(kp.CertPEM, ca.CertPEM...), kp.KeyPEM)
	return &c, err
}

// envPort reads a port number from the environment.
func envPort(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > 65535 {
		return 0, fmt.Errorf("%s=%q: not a port number", name, v)
	}
	return p, nil
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}
