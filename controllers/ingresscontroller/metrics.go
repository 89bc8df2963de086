package ingresscontroller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
)

// certificateExpiry makes the generated default certificates' expiry
// visible (OKD never renews them; we do, and this shows it happening).
var certificateExpiry = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "okd_ingress_default_certificate_expiry_timestamp_seconds",
	Help: "When the generated default certificate of an IngressController expires (Unix time).",
}, []string{"ingresscontroller"})

// icConditions is OKD's metric of the conditions its alerts watch
// (IngressControllerUnavailable, IngressControllerDegraded).
var icConditions = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "ingress_controller_conditions",
	Help: "The Available and Degraded conditions of each admitted IngressController: 1 when True, 0 when False, no series otherwise.",
}, []string{"name", "condition"})

// reportedConditions are the conditions icConditions reports, as OKD's.
var reportedConditions = []string{operatorv1.OperatorStatusTypeAvailable, operatorv1.OperatorStatusTypeDegraded}

// The canary's metrics, OKD's names and units.
var (
	canaryCheckDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ingress_canary_check_duration",
		Help:    "Time a canary request through a router took, in milliseconds.",
		Buckets: []float64{25, 50, 100, 200, 400, 800, 1600},
	}, []string{"host"})
	canaryRouteReachable = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ingress_canary_route_reachable",
		Help: "1 when the last canary check reached the canary through every ready router, 0 when it did not.",
	}, []string{"host"})
	canaryWrongPort = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ingress_canary_endpoint_wrong_port_echo",
		Help: "Canary requests the canary answered on another port than the canary Route names: a router still sending to where the Route pointed before.",
	})
)

func init() {
	metrics.Registry.MustRegister(certificateExpiry, icConditions, canaryCheckDuration, canaryRouteReachable, canaryWrongPort)
}

func observeCertificateExpiry(ic string, t time.Time) {
	if t.IsZero() {
		return
	}
	certificateExpiry.WithLabelValues(ic).Set(float64(t.Unix()))
}

// observeConditions reports an admitted ic's conditions in icConditions,
// as OKD does: 1 for True, 0 for False, no series for another status.
func observeConditions(ic *operatorv1.IngressController) {
	for _, t := range reportedConditions {
		switch c := findCondition(ic.Status.Conditions, t); {
		case c != nil && c.Status == operatorv1.ConditionTrue:
			icConditions.WithLabelValues(ic.Name, t).Set(1)
		case c != nil && c.Status == operatorv1.ConditionFalse:
			icConditions.WithLabelValues(ic.Name, t).Set(0)
		default:
			icConditions.DeleteLabelValues(ic.Name, t)
		}
	}
}

// forgetConditions drops ic's icConditions series (a rejected spec's
// conditions are not reported, as on OKD).
func forgetConditions(ic string) {
	for _, t := range reportedConditions {
		icConditions.DeleteLabelValues(ic, t)
	}
}

// forgetIngressController drops the metrics of a deleted IngressController.
func forgetIngressController(ic string) {
	certificateExpiry.DeleteLabelValues(ic)
	forgetConditions(ic)
}
