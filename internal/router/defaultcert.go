package router

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/internal/router/render"
)

// loadDefaultCertificate returns the default certificate as one PEM (key
// and chain): from DEFAULT_CERTIFICATE_PATH, from the tls.crt and tls.key
// of DEFAULT_CERTIFICATE_DIR (a mounted kubernetes.io/tls Secret), or, when
// neither is set, a self-signed wildcard for the router's domain so that
// HTTPS works out of the box. It is read as a route's certificate is (text
// around the blocks, EC PARAMETERS before an EC key) and written anew,
// key first, for HAProxy: what an admin's Secret holds as OKD's router and
// HAProxy take it must not stop the router.
func loadDefaultCertificate(cfg config.Config, now time.Time) ([]byte, error) {
	var texts [][]byte
	var err error
	switch {
	case cfg.DefaultCertificate == "":
		var kp certs.KeyPair
		kp, err = selfSigned(cfg.Domain, now)
		texts = [][]byte{kp.KeyPEM, kp.CertPEM}
	case strings.HasSuffix(cfg.DefaultCertificate, "/"):
		var crt, key []byte
		if crt, err = os.ReadFile(filepath.Join(cfg.DefaultCertificate, "tls.crt")); err == nil {
			key, err = os.ReadFile(filepath.Join(cfg.DefaultCertificate, "tls.key"))
		}
		texts = [][]byte{crt, key}
	default:
		var pem []byte
		pem, err = os.ReadFile(cfg.DefaultCertificate)
		texts = [][]byte{pem}
	}
	if err != nil {
		return nil, fmt.Errorf("default certificate: %w", err)
	}
	out, err := certs.KeyAndChain(texts...)
	if err != nil {
		return nil, fmt.Errorf("default certificate: %w", err)
	}
	return out, nil
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

// defaultCertificateCheck is how often the router reads its default
// certificate again: the operator renews it, and an admin's Secret may be
// renewed in place (cert-manager), which a kubelet passes on to the
// mounted files; OKD's router follows the files too.
const defaultCertificateCheck = 10 * time.Second

// defaultCertificateChanged reads the default certificate again and, when
// it changed and loads, has the next sync reload HAProxy with it. One that
// does not load (or a Secret caught half updated) is reported once per
// error, and HAProxy keeps the certificate it serves.
func (r *Router) defaultCertificateChanged() bool {
	if r.cfg.DefaultCertificate == "" {
		return false // self-signed, made once at start
	}
	cert, err := loadDefaultCertificate(r.cfg, time.Now())
	if err != nil {
		if msg := err.Error(); msg != r.defaultCertErr {
			r.defaultCertErr = msg
			r.log.Error(err, "reading the default certificate again; still serving the one loaded before")
		}
		return false
	}
	r.defaultCertErr = ""
	if bytes.Equal(cert, r.params.DefaultCertificate) || bytes.Equal(cert, r.refusedDefaultCert) {
		return false
	}
	r.params.DefaultCertificate, r.stale = cert, true
	r.log.Info("the default certificate changed; reloading")
	return true
}

// keepServedDefaultCertificate goes back to the default certificate
// HAProxy serves after HAProxy refused a configuration that no route was
// to blame for, if the certificate had changed since: otherwise every
// sync would try the refused one again, and neither new routes nor
// endpoint changes would go live until an admin replaced it. It says
// whether it went back.
func (r *Router) keepServedDefaultCertificate(alerts []haproxy.Alert) bool {
	if r.servedDefaultCert == nil || bytes.Equal(r.params.DefaultCertificate, r.servedDefaultCert) || !blamesDefaultCertificate(alerts) {
		return false
	}
	r.refusedDefaultCert = r.params.DefaultCertificate
	r.params.DefaultCertificate = r.servedDefaultCert
	r.log.Error(errors.New(alertText(alerts)), "HAProxy refused the new default certificate; still serving the one loaded before")
	return true
}

// alertText is HAProxy's [ALERT] messages, in one line.
func alertText(alerts []haproxy.Alert) string {
	msgs := make([]string, len(alerts))
	for i, a := range alerts {
		msgs[i] = a.Message
	}
	return strings.Join(msgs, "; ")
}

// blamesDefaultCertificate reports whether an alert is about the default
// certificate: HAProxy names it, or its crt-list line. Only then is a
// refusal the certificate's (a refusal for any other reason must not keep
// a renewed certificate out until it expires).
func blamesDefaultCertificate(alerts []haproxy.Alert) bool {
	for _, a := range alerts {
		if m := crtListAlert.FindStringSubmatch(a.Message); m != nil && filepath.Base(m[2]) == render.CrtListFile {
			if n, _ := strconv.Atoi(m[1]); n > 0 {
				if _, route := render.CertOfCrtListLine(n); !route {
					return true
				}
			}
			continue
		}
		if strings.Contains(a.Message, "/"+render.DefaultCrtFile+"'") {
			return true
		}
	}
	return false
}
