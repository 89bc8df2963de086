package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is externaldns.k8s.io/v1alpha1.
var GroupVersion = schema.GroupVersion{Group: "externaldns.k8s.io", Version: "v1alpha1"}

// AddToScheme adds DNSEndpoint to a scheme.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &DNSEndpoint{}, &DNSEndpointList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}

// DNSEndpoint is a set of DNS records for ExternalDNS to publish.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=dnsendpoints,scope=Namespaced
// +kubebuilder:metadata:annotations="api-approved.kubernetes.io=https://github.com/kubernetes-sigs/external-dns/pull/2007"
type DNSEndpoint struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec DNSEndpointSpec `json:"spec,omitempty"`
	// +optional
	Status DNSEndpointStatus `json:"status,omitempty"`
}

// DNSEndpointList is a list of DNSEndpoints.
//
// +kubebuilder:object:root=true
type DNSEndpointList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DNSEndpoint `json:"items"`
}

// DNSEndpointSpec lists the records.
type DNSEndpointSpec struct {
	// +optional
	Endpoints []Endpoint `json:"endpoints,omitempty"`
}

// Endpoint is one DNS record set: a name, a type and its targets.
type Endpoint struct {
	// dnsName is the record's name, e.g. *.apps.example.com.
	// +optional
	DNSName string `json:"dnsName,omitempty"`
	// targets are the record's values: addresses for A and AAAA, a host
	// name for CNAME.
	// +optional
	Targets []string `json:"targets,omitempty"`
	// recordType is A, AAAA, CNAME, ...
	// +optional
	RecordType string `json:"recordType,omitempty"`
	// setIdentifier tells apart record sets of one name (routing policies).
	// +optional
	SetIdentifier string `json:"setIdentifier,omitempty"`
	// recordTTL is the time to live, in seconds.
	// +optional
	RecordTTL int64 `json:"recordTTL,omitempty"`
	// labels are ExternalDNS's own bookkeeping.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// providerSpecific holds settings of one DNS provider.
	// +optional
	ProviderSpecific []ProviderSpecificProperty `json:"providerSpecific,omitempty"`
}

// ProviderSpecificProperty is one provider setting.
type ProviderSpecificProperty struct {
	// +optional
	Name string `json:"name,omitempty"`
	// +optional
	Value string `json:"value,omitempty"`
}

// DNSEndpointStatus is what ExternalDNS reports.
type DNSEndpointStatus struct {
	// observedGeneration is the generation ExternalDNS last read.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}
