// Package routeserver serves the Route API (route.openshift.io/v1) from an
// aggregated API server built on k8s.io/apiserver, as OKD's
// openshift-apiserver does. Unlike a CRD it accepts strategic-merge patches
// (what `oc set route-backends` and a plain `kubectl patch` send), prints OKD's
// `oc get routes` columns computed in Go, and selects on the fields OKD
// supports. Every rule of the API — defaulting, validation, host generation,
// routes/custom-host — comes from internal/routeapi, the package the CRD's
// webhook calls too.
package routeserver

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

var (
	// Scheme holds the Route types under their one served version and, as
	// the same Go types, under the internal version the generic registry
	// works in: with a single version there is nothing to convert.
	Scheme = runtime.NewScheme()
	// Codecs encode and decode the Route API.
	Codecs = serializer.NewCodecFactory(Scheme)
)

func init() {
	utilruntime.Must(addToScheme(Scheme))
}

// withoutProtobuf offers the Route API in JSON and YAML only: the Route
// types have no protobuf encoding, and a client that prefers protobuf
// (with JSON as its fallback, as client-go asks) must get JSON rather
// than a 406 from an encoder that cannot write it.
type withoutProtobuf struct{ serializer.CodecFactory }

func (w withoutProtobuf) SupportedMediaTypes() []runtime.SerializerInfo {
	var out []runtime.SerializerInfo
	for _, s := range w.CodecFactory.SupportedMediaTypes() {
		if s.MediaType != runtime.ContentTypeProtobuf {
			out = append(out, s)
		}
	}
	return out
}

func addToScheme(s *runtime.Scheme) error {
	if err := addServedTypes(s); err != nil {
		return err
	}
	internal := schema.GroupVersion{Group: routev1.GroupVersion.Group, Version: runtime.APIVersionInternal}
	s.AddKnownTypes(internal, &routev1.Route{}, &routev1.RouteList{})
	// Decoding defaults, so patches and updates see OKD's defaults too.
	s.AddTypeDefaultingFunc(&routev1.Route{}, func(o any) { routeapi.Default(o.(*routev1.Route)) })
	s.AddTypeDefaultingFunc(&routev1.RouteList{}, func(o any) {
		for i := range o.(*routev1.RouteList).Items {
			routeapi.Default(&o.(*routev1.RouteList).Items[i])
		}
	})
	if err := s.AddFieldLabelConversionFunc(routev1.GroupVersion.WithKind("Route"), fieldLabel); err != nil {
		return err
	}
	unversioned := schema.GroupVersion{Group: "", Version: "v1"}
	s.AddUnversionedTypes(unversioned, &metav1.Status{}, &metav1.APIVersions{}, &metav1.APIGroupList{},
		&metav1.APIGroup{}, &metav1.APIResourceList{})
	return nil
}

// namerScheme holds the served version's types only: the OpenAPI documents
// name each schema's kinds from it, and the internal version the registry
// works in is none a client can ask for.
func namerScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(addServedTypes(s))
	return s
}

// addServedTypes registers the Route types under their served version,
// and the meta types in the core "v1" group, where the generic server
// expects them.
func addServedTypes(s *runtime.Scheme) error {
	if err := routev1.AddToScheme(s); err != nil {
		return err
	}
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	return nil
}

// fieldLabel accepts the field selectors OKD's Route API supports.
func fieldLabel(label, value string) (string, string, error) {
	switch label {
	case "metadata.name", "metadata.namespace", "spec.host", "spec.path", "spec.to.name":
		return label, value, nil
	}
	return "", "", fmt.Errorf("field label not supported: %s (use metadata.name, metadata.namespace, spec.host, spec.path or spec.to.name)", label)
}
