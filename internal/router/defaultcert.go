package router

import (
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// loadDefaultCertificate returns the default certificate as one PEM (key
// and chain): from DEFAULT_CERTIFICATE_PATH, from the tls.crt and tls.key
// of DEFAULT_CERTIFICATE_DIR (a mounted kubernetes.io/tls Secret), or, when
// neither is set, a self-signed wildcard for the router's domain so that
// HTTPS works out of the box. The result is validated like a route's.
func loadDefaultCertificate(cfg config.Config, now time.Time) ([]byte, error) {
	var kp certs.KeyPair
	var err error
	switch {
	case cfg.DefaultCertificate == "":
		kp, err = selfSigned(cfg.Domain, now)
	case strings.HasSuffix(cfg.DefaultCertificate, "/"):
		kp.CertPEM, err = os.ReadFile(filepath.Join(cfg.DefaultCertificate, "tls.crt"))
		if err == nil {
			kp.KeyPEM, err = os.ReadFile(filepath.Join(cfg.DefaultCertificate, "tls.key"))
		}
	default:
		var data []byte
		if data, err = os.ReadFile(cfg.DefaultCertificate); err == nil {
			kp = splitPEM(data)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("default certificate: %w", err)
	}
	if _, _, err := kp.Parse(); err != nil {
		return nil, fmt.Errorf("default certificate: %w", err)
	}
	return append(append([]byte{}, kp.KeyPEM...), kp.CertPEM...), nil
}

func selfSigned(domain string, now time.Time) (certs.KeyPair, error) {
	if domain == "" {
		domain = "router.invalid"
	}
	ca, err := certs.NewCA("okd-ingress-router-default@"+fmt.Sprint(now.Unix()), 2*365*24*time.Hour, now)
	if err != nil {
		return certs.KeyPair{}, err
	}
	return certs.NewServingCert(ca, []string{"*." + domain, domain}, nil, 2*365*24*time.Hour, now)
}

// splitPEM separates the private key from the certificates of a combined
// PEM file, the form DEFAULT_CERTIFICATE_PATH takes.
func splitPEM(data []byte) certs.KeyPair {
	var kp certs.KeyPair
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return kp
		}
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			kp.KeyPEM = append(kp.KeyPEM, pem.EncodeToMemory(b)...)
		} else {
			kp.CertPEM = append(kp.CertPEM, pem.EncodeToMemory(b)...)
		}
	}
}
