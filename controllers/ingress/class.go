package ingress

import (
	"context"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

// className is the IngressClass an Ingress names: the legacy annotation
// when present, even empty, as in OKD; otherwise spec.ingressClassName.
// named is false when it names none.
func className(ing *networkingv1.Ingress) (name string, named bool) {
	if v, ok := ing.Annotations[names.IngressClassAnnotation]; ok {
		return v, true
	}
	if ing.Spec.IngressClassName != nil {
		return *ing.Spec.IngressClassName, true
	}
	return "", false
}

// managed reports whether this controller converts an Ingress: when it
// names no class (OKD has no notion of a default class; the API server's
// DefaultIngressClass plugin fills the name in at creation), or when its
// class exists with our controller. A class that does not exist is
// someone else's, as in OKD.
func managed(ctx context.Context, c client.Reader, ing *networkingv1.Ingress) (bool, error) {
	name, named := className(ing)
	if !named {
		return true, nil
	}
	if name == "" {
		return false, nil
	}
	var class networkingv1.IngressClass
	if err := c.Get(ctx, client.ObjectKey{Name: name}, &class); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return class.Spec.Controller == names.IngressClassController, nil
}
