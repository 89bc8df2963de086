package ingresscontroller

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// serviceCA is what the routers get of the service CA bundle: a hash of
// it while it holds certificates (the routers mount it and verify
// reencrypt backends with it; HAProxy reads it as it loads, so a change
// rolls them out), else nothing, and they verify against the system's
// CAs. Problem says why a bundle that is there is not used.
type serviceCA struct {
	Version string
	Problem string
}

// ensureServiceCA keeps the router namespace's service CA ConfigMap, as
// OKD's operator does: created empty with the annotation that asks OKD's
// service CA operator to fill it, the annotation put back if removed, the
// data never written here (it is the filler's).
func (r *Reconciler) ensureServiceCA(ctx context.Context) (serviceCA, error) {
	cm := &corev1.ConfigMap{}
	err := r.Get(ctx, client.ObjectKey{Namespace: r.Options.RouterNamespace, Name: names.ServiceCAConfigMap}, cm)
	if apierrors.IsNotFound(err) {
		cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Namespace: r.Options.RouterNamespace, Name: names.ServiceCAConfigMap,
			Annotations: map[string]string{names.InjectCABundleAnnotation: "true"},
		}}
		if err := r.Create(ctx, cm); err != nil && !apierrors.IsAlreadyExists(err) {
			return serviceCA{}, err
		}
		return serviceCA{}, nil
	}
	if err != nil {
		return serviceCA{}, err
	}
	if cm.Annotations[names.InjectCABundleAnnotation] != "true" {
		patch := client.MergeFrom(cm.DeepCopy())
		metav1.SetMetaDataAnnotation(&cm.ObjectMeta, names.InjectCABundleAnnotation, "true")
		if err := r.Patch(ctx, cm, patch); err != nil {
			return serviceCA{}, err
		}
	}
	return serviceCABundle(cm.Data), nil
}

// serviceCABundle reads the bundle: none is no problem (no service CA in
// this cluster); one the routers cannot verify with is named.
func serviceCABundle(data map[string]string) serviceCA {
	bundle := data[names.ServiceCAKey]
	if strings.TrimSpace(bundle) == "" {
		return serviceCA{}
	}
	if _, err := certs.ParseCertificates([]byte(bundle)); err != nil {
		return serviceCA{Problem: "ConfigMap " + names.ServiceCAConfigMap + " key " + names.ServiceCAKey +
			" is not used (reencrypt routes without a destination CA are verified against the system's CAs): " + err.Error()}
	}
	return serviceCA{Version: contentVersion([]byte(bundle))}
}

// addServiceCAEnv points the routers at the mounted bundle.
func addServiceCAEnv(env map[string]string, ca serviceCA) {
	if ca.Version != "" {
		env[names.EnvDefaultDestinationCAPath] = names.ServiceCADir + "/" + names.ServiceCAKey
	}
}

// addServiceCA mounts the bundle. Not optional: a pod must not start
// without the CA its environment names.
func addServiceCA(spec *corev1.PodSpec, ca serviceCA) {
	if ca.Version == "" {
		return
	}
	spec.Volumes = append(spec.Volumes, corev1.Volume{Name: names.ServiceCAVolume, VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: names.ServiceCAConfigMap},
			Items:                []corev1.KeyToPath{{Key: names.ServiceCAKey, Path: names.ServiceCAKey}},
		}}})
	c := &spec.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: names.ServiceCAVolume, MountPath: names.ServiceCADir, ReadOnly: true})
}

// sharedConfigMapUsers maps the ConfigMaps of the router namespace that
// serve every IngressController (the service CA bundle, the published
// router CA) to every IngressController.
func (r *Reconciler) sharedConfigMapUsers(ctx context.Context, o client.Object) []reconcile.Request {
	if o.GetName() != names.ServiceCAConfigMap && o.GetName() != names.RouterCAConfigMap {
		return nil
	}
	return r.everyIngressController(ctx, o)
}
