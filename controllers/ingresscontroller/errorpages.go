package ingresscontroller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// errorPages is what the routers get of an IngressController's
// httpErrorCodePages: the pages of the copy they mount, a hash of their
// content (HAProxy reads error pages when it starts, so a change rolls the
// routers out), and what could not be served.
type errorPages struct {
	Keys     []string // names.ErrorPage503Key and/or names.ErrorPage404Key
	Version  string
	Problems []string
}

// errorPageKeys are the pages OKD serves from the ConfigMap.
var errorPageKeys = []string{names.ErrorPage503Key, names.ErrorPage404Key}

// ensureErrorPages copies the pages of the ConfigMap that
// spec.httpErrorCodePages names (in the config namespace, as on OKD) into
// the router namespace, keeping only those HAProxy would serve; without
// such pages the copy goes and the routers serve their own.
func (r *Reconciler) ensureErrorPages(ctx context.Context, ic *operatorv1.IngressController) (errorPages, error) {
	cp := &corev1.ConfigMap{}
	cp.Name, cp.Namespace = names.ErrorPagesConfigMap(ic.Name), r.Options.RouterNamespace
	ref := ic.Spec.HTTPErrorCodePages
	if ref == nil || ref.Name == "" {
		return errorPages{}, r.deleteOwned(ctx, cp, ic.Name)
	}
	src, missing, err := r.sourceConfigMap(ctx, ref.Name)
	if err != nil {
		return errorPages{}, err
	}
	if missing != "" {
		return errorPages{Problems: []string{missing}}, r.deleteOwned(ctx, cp, ic.Name)
	}
	pages, ep := checkedPages(*src)
	if len(pages) == 0 {
		return ep, r.deleteOwned(ctx, cp, ic.Name)
	}
	return ep, r.writeCopy(ctx, ic.Name, cp, ref.Name, pages)
}

// sourceConfigMap reads the admin's ConfigMap name in the config
// namespace; missing says it does not exist.
func (r *Reconciler) sourceConfigMap(ctx context.Context, name string) (src *corev1.ConfigMap, missing string, err error) {
	src = &corev1.ConfigMap{}
	err = r.Get(ctx, client.ObjectKey{Namespace: names.ConfigNamespace, Name: name}, src)
	if apierrors.IsNotFound(err) {
		return nil, fmt.Sprintf("ConfigMap %s/%s does not exist", names.ConfigNamespace, name), nil
	}
	return src, "", err
}

// writeCopy makes cp, the router namespace's copy of the admin's
// ConfigMap source, hold data and nothing else, and name its source.
func (r *Reconciler) writeCopy(ctx context.Context, ic string, cp *corev1.ConfigMap, source string, data map[string]string) error {
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, cp, func() error {
		cp.Labels = mergeMaps(cp.Labels, ownedLabels(ic))
		cp.Annotations = mergeMaps(cp.Annotations, map[string]string{names.CopiedFromAnnotation: copiedFrom(source)})
		cp.Data, cp.BinaryData = data, nil
		return nil
	})
	return err
}

// copiedFrom is the value of a copy's CopiedFromAnnotation.
func copiedFrom(source string) string { return names.ConfigNamespace + "/" + source }

// configMapUsers are the IngressControllers whose httpErrorCodePages or
// clientTLS.clientCA name cm.
func (r *Reconciler) configMapUsers(ctx context.Context, cm client.Object) []reconcile.Request {
	return r.ingressControllersThat(ctx, func(ic *operatorv1.IngressController) bool {
		pages, tls := ic.Spec.HTTPErrorCodePages, ic.Spec.ClientTLS
		return pages != nil && pages.Name == cm.GetName() || tls != nil && tls.ClientCA.Name == cm.GetName()
	})
}

// defaultCertificateUsers maps an admin's Secret in the router namespace to
// the IngressControllers whose spec.defaultCertificate names it: one made
// after the spec that names it is used at once, not at the next retry of
// a reconcile that failed without it.
func (r *Reconciler) defaultCertificateUsers(ctx context.Context, s client.Object) []reconcile.Request {
	return r.ingressControllersThat(ctx, func(ic *operatorv1.IngressController) bool {
		return ic.Spec.DefaultCertificate != nil && ic.Spec.DefaultCertificate.Name == s.GetName()
	})
}

// checkedPages keeps the pages of src that HAProxy would serve.
func checkedPages(src corev1.ConfigMap) (map[string]string, errorPages) {
	pages := map[string]string{}
	var ep errorPages
	sum := sha256.New()
	for _, k := range errorPageKeys {
		page, ok := src.Data[k]
		if !ok {
			continue
		}
		if err := config.ErrorPageError([]byte(page)); err != nil {
			ep.Problems = append(ep.Problems, fmt.Sprintf("%s in ConfigMap %s/%s: %v", k, src.Namespace, src.Name, err))
			continue
		}
		pages[k] = page
		ep.Keys = append(ep.Keys, k)
		fmt.Fprintf(sum, "%s\x00%d\x00%s", k, len(page), page)
	}
	if len(ep.Keys) == 0 && len(ep.Problems) == 0 {
		ep.Problems = []string{fmt.Sprintf("ConfigMap %s/%s has neither %s nor %s", src.Namespace, src.Name, names.ErrorPage503Key, names.ErrorPage404Key)}
	}
	sort.Strings(ep.Keys)
	if len(ep.Keys) > 0 {
		ep.Version = hex.EncodeToString(sum.Sum(nil))[:16]
	}
	return pages, ep
}

// errorPagesIgnored is the FieldsSupported entry for pages not served.
func errorPagesIgnored(ep errorPages) []string {
	if len(ep.Problems) == 0 {
		return nil
	}
	return []string{"spec.httpErrorCodePages (the router's own pages are served instead of: " + strings.Join(ep.Problems, "; ") + ")"}
}

// addErrorPages mounts the copy and names its pages to the router.
func addErrorPages(spec *corev1.PodSpec, ic string, ep errorPages) {
	if len(ep.Keys) == 0 {
		return
	}
	// Optional: a pod of an older template, started after the copy went,
	// starts with the router's own pages rather than wait for the copy.
	spec.Volumes = append(spec.Volumes, corev1.Volume{Name: names.ErrorPagesVolume, VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: names.ErrorPagesConfigMap(ic)},
			Optional: ptr.To(true)}}})
	c := &spec.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: names.ErrorPagesVolume, MountPath: names.ErrorPagesDir, ReadOnly: true})
	env := map[string]string{names.ErrorPage503Key: names.EnvRouterErrorFile503, names.ErrorPage404Key: names.EnvRouterErrorFile404}
	for _, k := range ep.Keys {
		c.Env = append(c.Env, corev1.EnvVar{Name: env[k], Value: names.ErrorPagesDir + "/" + k})
	}
	sort.Slice(c.Env, func(i, j int) bool { return c.Env[i].Name < c.Env[j].Name })
}
