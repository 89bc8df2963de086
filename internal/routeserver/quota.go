package routeserver

import (
	"errors"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/apiserver/pkg/admission/plugin/resourcequota"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// addQuota enforces ResourceQuota object counts on Routes
// (count/routes.route.openshift.io), as OKD's API server does: without it
// the quota controller counts Routes but nothing stops one past the limit.
// Only the count: Routes use no compute resources.
func addQuota(ro *genericoptions.RecommendedOptions) {
	resourcequota.Register(ro.Admission.Plugins)
	// Last, as in kube-apiserver: a request other admission refuses
	// charges no quota.
	ro.Admission.RecommendedPluginOrder = append(ro.Admission.RecommendedPluginOrder, resourcequota.PluginName)
	cfg := generic.NewConfiguration([]quota.Evaluator{
		generic.NewObjectCountEvaluator(routev1.Resource("routes"), noUsageStats, ""),
	}, nil)
	ro.ExtraAdmissionInitializers = func(*genericapiserver.RecommendedConfig) ([]admission.PluginInitializer, error) {
		return []admission.PluginInitializer{quotaInitializer{cfg}}, nil
	}
}

// noUsageStats stands for the listing the quota controller does (in
// kube-controller-manager, through discovery); admission charges each
// request against the usage the controller recorded and never lists.
func noUsageStats(string) ([]runtime.Object, error) {
	return nil, errors.New("route usage is counted by the quota controller, not the Route API server")
}

// quotaInitializer gives the ResourceQuota plugin the Route evaluator.
type quotaInitializer struct{ cfg quota.Configuration }

func (i quotaInitializer) Initialize(p admission.Interface) {
	if w, ok := p.(initializer.WantsQuotaConfiguration); ok {
		w.SetQuotaConfiguration(i.cfg)
	}
}
