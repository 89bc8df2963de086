package config

import (
	"os"
	"strings"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

// secret reads a value given directly (name) or in a file (fileName, as
// the operator mounts a Secret's key), the file winning as on OKD.
func (e *envReader) secret(name, fileName string, dst *string) {
	if path, ok := e.get(fileName); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			e.fail(fileName, path, err.Error())
			return
		}
		*dst = strings.TrimSpace(string(b))
		return
	}
	if v, ok := e.get(name); ok {
		*dst = v
	}
}

// MetricsTLS names the stats port's certificate and key files.
type MetricsTLS struct{ CertFile, KeyFile string }

// metricsTLS reads the stats port's certificate files; one without the
// other stops the router. A pair that does not load does not: metrics
// must not keep routes from being served (the stats server says so, and
// serves HTTPS once the files load).
func (e *envReader) metricsTLS(dst **MetricsTLS) {
	cert, certOK := e.get(names.EnvRouterMetricsTLSCertFile)
	key, keyOK := e.get(names.EnvRouterMetricsTLSKeyFile)
	switch {
	case !certOK && !keyOK:
		return
	case !certOK || !keyOK:
		e.fail(names.EnvRouterMetricsTLSCertFile, cert, "set with "+names.EnvRouterMetricsTLSKeyFile+", or neither")
		return
	}
	*dst = &MetricsTLS{CertFile: cert, KeyFile: key}
}
