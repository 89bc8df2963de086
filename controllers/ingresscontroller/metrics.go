package ingresscontroller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// certificateExpiry makes the generated default certificates' expiry
// visible (OKD never renews them; we do, and this shows it happening).
var certificateExpiry = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "okd_ingress_default_certificate_expiry_timestamp_seconds",
	Help: "When the generated default certificate of an IngressController expires (Unix time).",
}, []string{"ingresscontroller"})

func init() { metrics.Registry.MustRegister(certificateExpiry) }

func observeCertificateExpiry(ic string, t time.Time) {
	if t.IsZero() {
		return
	}
	certificateExpiry.WithLabelValues(ic).Set(float64(t.Unix()))
}

func forgetCertificateExpiry(ic string) { certificateExpiry.DeleteLabelValues(ic) }
