package ingresscontroller

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// defaultCheckInterval is how soon a deleted default IngressController
// comes back, as on OKD.
const defaultCheckInterval = time.Minute

// DefaultIngressController keeps the IngressController "default" in
// existence: created when absent with an explicit replica count (so that
// `kubectl scale` works at once) and everything else defaulted at admission.
type DefaultIngressController struct {
	Client    client.Client
	Namespace string
	// Strategy, when set, is the default IngressController's strategy type.
	Strategy operatorv1.EndpointPublishingStrategyType
}

// Start implements manager.Runnable.
func (d *DefaultIngressController) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("default-ingresscontroller")
	t := time.NewTicker(defaultCheckInterval)
	defer t.Stop()
	for {
		if err := d.ensure(ctx); err != nil {
			log.Error(err, "ensuring the default IngressController")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (d *DefaultIngressController) ensure(ctx context.Context) error {
	var ic operatorv1.IngressController
	err := d.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: names.DefaultIngressController}, &ic)
	if !apierrors.IsNotFound(err) {
		return err
	}
	ic = operatorv1.IngressController{
		ObjectMeta: metav1.ObjectMeta{Namespace: d.Namespace, Name: names.DefaultIngressController},
		Spec:       operatorv1.IngressControllerSpec{Replicas: ptr.To(int32(defaultReplicas))},
	}
	if d.Strategy != "" {
		ic.Spec.EndpointPublishingStrategy = &operatorv1.EndpointPublishingStrategy{Type: d.Strategy}
	}
	if err := d.Client.Create(ctx, &ic); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}
