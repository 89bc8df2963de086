package manager

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// The Secrets watched by metadata are cached without what can repeat their
// data, and the cache finds the setting under the Secret's kind.
func TestSecretMetadataCache(t *testing.T) {
	gvk, err := apiutil.GVKForObject(secretMetadata(), Scheme())
	if err != nil || gvk != corev1.SchemeGroupVersion.WithKind("Secret") {
		t.Fatalf("kind %v, %v: want v1 Secret", gvk, err)
	}
	applied := `{"apiVersion":"v1","kind":"Secret","data":{"tls.key":"c2VjcmV0"}}`
	in := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "s",
		Annotations:   map[string]string{corev1.LastAppliedConfigAnnotation: applied, "team": "a"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl", FieldsV1: metav1.NewFieldsV1(`{"f:data":{"f:tls.key":{}}}`)}},
	}}
	shared := in.Annotations
	out, err := stripSecretContents(in)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*metav1.PartialObjectMetadata)
	if len(got.ManagedFields) != 0 || len(got.Annotations) != 1 || got.Annotations["team"] != "a" {
		t.Errorf("metadata kept %+v, want only the other annotation", got.ObjectMeta)
	}
	if _, ok := shared[corev1.LastAppliedConfigAnnotation]; !ok {
		t.Errorf("the map the object came with was changed")
	}
	for _, obj := range []any{&metav1.PartialObjectMetadata{}, "not an object"} {
		if _, err := stripSecretContents(obj); err != nil {
			t.Errorf("%T: %v", obj, err)
		}
	}
}
