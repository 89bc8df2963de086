// Package v1 holds the Route API, wire-compatible with OKD's route.openshift.io/v1:
// the same group, kind, JSON names and defaults, so that `oc create route` and
// manifests written for OKD work unchanged.
//
// +kubebuilder:object:generate=true
// +groupName=route.openshift.io
// +k8s:openapi-gen=true
// +k8s:openapi-model-package=com.github.openshift.api.route.v1
package v1
