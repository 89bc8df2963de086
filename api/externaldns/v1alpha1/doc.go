// Package v1alpha1 holds ExternalDNS's DNSEndpoint (externaldns.k8s.io/v1alpha1),
// wire-compatible with the CRD that ExternalDNS reads with --source=crd: the
// operator publishes each IngressController's wildcard record through it,
// and ExternalDNS pushes it to the DNS provider. Only the fields the operator
// writes and reads are typed; the CRD keeps the rest of ExternalDNS's schema.
//
// +kubebuilder:object:generate=true
// +groupName=externaldns.k8s.io
package v1alpha1
