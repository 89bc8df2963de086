package manager

import (
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/okd-ingress/okd-ingress/controllers/ingress"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// setUpIngress registers the Ingress → Route controller. It reads Secrets
// through the API reader: the manager caches no Secret contents.
func setUpIngress(mgr manager.Manager, _ Options) error {
	r := &ingress.Reconciler{
		Client: mgr.GetClient(), Secrets: mgr.GetAPIReader(),
		Recorder: mgr.GetEventRecorder(names.IngressToRouteComponent),
	}
	return r.SetupWithManager(mgr)
}
