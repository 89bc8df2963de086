package ingresscontroller

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// clientCA is what the routers get of an IngressController's clientTLS:
// the policy, the subject filter, and a hash of the CA copy they mount
// (HAProxy reads the CA when it starts, so a change rolls the routers
// out). Problems are what the spec asks that the routers cannot do.
type clientCA struct {
	Policy   string // ROUTER_MUTUAL_TLS_AUTH: required or optional; empty: off
	Filter   string
	Version  string
	Problems []string
}

// matchNothing is the subject filter of a spec whose every pattern is
// refused: no client gets in, rather than every client.
const matchNothing = `[^\s\S]`

// ensureClientCA copies the CA bundle that spec.clientTLS.clientCA names
// (in the config namespace, as on OKD) into the router namespace. While
// that ConfigMap is missing or spoiled, the routers keep the check their
// pod template has, with the copy it mounts: with none, they go on
// serving without, rather than lose pods to a rollout that cannot end. A
// new IngressController's routers, which serve nothing yet, wait for a
// usable bundle instead.
func (r *Reconciler) ensureClientCA(ctx context.Context, ic *operatorv1.IngressController) (clientCA, error) {
	cp := &corev1.ConfigMap{}
	cp.Name, cp.Namespace = names.ClientCAConfigMap(ic.Name), r.Options.RouterNamespace
	tmpl, err := r.routerTemplate(ctx, ic.Name)
	if err != nil {
		return clientCA{}, err
	}
	t := ic.Spec.ClientTLS
	if t == nil || t.ClientCertificatePolicy == "" {
		if mountsClientCA(tmpl) {
			// A pod of that template, restarted before the Deployment's
			// update, would not start without it; the update brings
			// another reconcile.
			return clientCA{}, nil
		}
		return clientCA{}, r.deleteOwned(ctx, cp, ic.Name)
	}
	ca := clientCA{Policy: strings.ToLower(string(t.ClientCertificatePolicy))}
	ca.Filter, ca.Problems = subjectFilter(t.AllowedSubjectPatterns)
	bundle, problem, err := r.sourceCA(ctx, t.ClientCA.Name)
	if err != nil {
		return ca, err
	}
	if problem != "" {
		return heldClientCA(tmpl, ca, problem), nil
	}
	if err := r.writeCopy(ctx, ic.Name, cp, t.ClientCA.Name, map[string]string{names.ClientCAKey: bundle}); err != nil {
		return ca, err
	}
	ca.Version = contentVersion([]byte(bundle))
	return ca, nil
}

// heldClientCA is what the routers keep while the bundle is not usable:
// the check of their pod template, with want's problems and this one.
func heldClientCA(tmpl *corev1.PodTemplateSpec, want clientCA, problem string) clientCA {
	held := clientCA{}
	if mountsClientCA(tmpl) {
		held.Policy = templateEnv(tmpl, names.EnvRouterMutualTLSAuth)
		held.Filter = templateEnv(tmpl, names.EnvRouterMutualTLSAuthFilter)
		held.Version = tmpl.Annotations[names.ClientCAVersionAnnotation]
	}
	switch {
	case tmpl == nil || held.Policy != "" && held.Version == "":
		want.Problems = append(want.Problems, problem+"; router pods wait for a usable bundle")
		return want
	case held.Policy != "":
		held.Problems = append(want.Problems, problem+"; the routers keep the client-certificate check they have")
	default:
		held.Problems = append(want.Problems, problem+"; the routers serve without client certificates, as they do, until it is usable")
	}
	return held
}

// routerTemplate is the pod template of ic's router Deployment; nil
// before there is one.
func (r *Reconciler) routerTemplate(ctx context.Context, ic string) (*corev1.PodTemplateSpec, error) {
	var d appsv1.Deployment
	err := r.Get(ctx, client.ObjectKey{Namespace: r.Options.RouterNamespace, Name: names.RouterDeployment(ic)}, &d)
	if err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	return &d.Spec.Template, nil
}

// mountsClientCA tells whether the routers' pod template mounts the copy.
func mountsClientCA(tmpl *corev1.PodTemplateSpec) bool {
	if tmpl == nil {
		return false
	}
	for _, v := range tmpl.Spec.Volumes {
		if v.Name == names.ClientCAVolume {
			return true
		}
	}
	return false
}

// sourceCA reads the admin's bundle, or says why it cannot be used.
func (r *Reconciler) sourceCA(ctx context.Context, name string) (bundle, problem string, err error) {
	src, missing, err := r.sourceConfigMap(ctx, name)
	if err != nil || missing != "" {
		return "", missing, err
	}
	bundle, ok := src.Data[names.ClientCAKey]
	if !ok {
		return "", fmt.Sprintf("ConfigMap %s/%s has no key %s", names.ConfigNamespace, name, names.ClientCAKey), nil
	}
	if err := config.ClientCAError([]byte(bundle)); err != nil {
		return "", fmt.Sprintf("%s in ConfigMap %s/%s: %v", names.ClientCAKey, names.ConfigNamespace, name, err), nil
	}
	return bundle, "", nil
}

// subjectFilter joins the patterns into one expression, as OKD does, each
// in a group of its own so that an inline flag ("(?i)") stays in its
// pattern; and names those the routers cannot match. Admission rejects a
// spec with any (specProblems), as OKD does: dropping one would lock out
// the clients only it lets in. Should one get here all the same, no client
// gets in.
func subjectFilter(patterns []string) (string, []string) {
	var ok, problems []string
	for i, p := range patterns {
		if err := config.SubjectFilterError(p); err != nil {
			problems = append(problems, fmt.Sprintf("[%d] %q: %v", i, p, err))
			continue
		}
		ok = append(ok, "(?:"+p+")")
	}
	switch {
	case len(patterns) == 0:
		return "", nil
	case len(problems) > 0:
		return matchNothing, problems
	}
	joined := "(?:" + strings.Join(ok, "|") + ")"
	if err := config.SubjectFilterError(joined); err != nil {
		return matchNothing, []string{fmt.Sprintf("the patterns together: %v", err)}
	}
	return joined, nil
}

// clientCAIgnored is the FieldsSupported entry for what clientTLS asks
// that the routers do not do.
func clientCAIgnored(ca clientCA) []string {
	if len(ca.Problems) == 0 {
		return nil
	}
	return []string{"spec.clientTLS (" + strings.Join(ca.Problems, "; ") + ")"}
}

// addMutualTLS gives the routers the policy and where the CA is.
func addMutualTLS(env map[string]string, ca clientCA) {
	if ca.Policy == "" {
		return
	}
	env[names.EnvRouterMutualTLSAuth] = ca.Policy
	env[names.EnvRouterMutualTLSAuthCA] = names.ClientCADir + "/" + names.ClientCAKey
	if ca.Filter != "" {
		env[names.EnvRouterMutualTLSAuthFilter] = ca.Filter
	}
}

// addClientCA mounts the copy. The volume is not optional: a pod without
// the CA would serve without the check.
func addClientCA(spec *corev1.PodSpec, ic string, ca clientCA) {
	if ca.Policy == "" {
		return
	}
	spec.Volumes = append(spec.Volumes, corev1.Volume{Name: names.ClientCAVolume, VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: names.ClientCAConfigMap(ic)}}}})
	c := &spec.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: names.ClientCAVolume, MountPath: names.ClientCADir, ReadOnly: true})
}
