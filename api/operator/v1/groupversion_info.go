// Package v1 holds the IngressController API, a wire-compatible subset of
// OKD's operator.openshift.io/v1 IngressController: the same group, kind, JSON
// names and enum values, so that manifests written for (or exported from) OKD
// apply unchanged. Where OKD silently ignores an edit it cannot honour, this
// API rejects it at admission with a message that says why.
//
// +kubebuilder:object:generate=true
// +groupName=operator.openshift.io
package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of the IngressController API.
	GroupVersion = schema.GroupVersion{Group: "operator.openshift.io", Version: "v1"}

	// SchemeBuilder adds the IngressController types to a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the IngressController types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// Resource returns the GroupResource of a resource in this group.
func Resource(resource string) schema.GroupResource {
	return GroupVersion.WithResource(resource).GroupResource()
}

// addKnownTypes registers the types with apimachinery alone, so that clients
// importing this package do not pull in controller-runtime.
func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &IngressController{}, &IngressControllerList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
