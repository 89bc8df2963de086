package admission

import (
	"fmt"
	"strings"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// PathType is how a route's path matches request paths.
type PathType string

const (
	// PathImplementationSpecific is OKD's matching: the path is a prefix
	// that must end at a path element ("/foo" matches "/foo" and "/foo/x",
	// not "/foobar"); a path ending in "/" matches only below it.
	PathImplementationSpecific PathType = "ImplementationSpecific"
	// PathPrefix is Kubernetes' Prefix: element-wise, trailing slash ignored
	// ("/foo/" and "/foo" both match "/foo", "/foo/" and "/foo/x").
	PathPrefix PathType = "Prefix"
	// PathExact matches the path and nothing else.
	PathExact PathType = "Exact"
)

// Path is a route's path with its match semantics.
type Path struct {
	// Value is the path; "" means every path.
	Value string
	Type  PathType
}

func parsePath(r *routev1.Route) (Path, error) {
	p := Path{Value: r.Spec.Path, Type: PathImplementationSpecific}
	if t, ok := r.Annotations[names.PathTypeAnnotation]; ok {
		switch PathType(t) {
		case PathImplementationSpecific, PathPrefix, PathExact:
			p.Type = PathType(t)
		default:
			return p, fmt.Errorf("annotation %s must be Exact, Prefix or ImplementationSpecific, not %q", names.PathTypeAnnotation, t)
		}
	}
	if p.Value == "" {
		if p.Type == PathExact {
			return p, fmt.Errorf("annotation %s: Exact needs a path", names.PathTypeAnnotation)
		}
		return p, nil
	}
	if !strings.HasPrefix(p.Value, "/") {
		return p, fmt.Errorf("path %q must begin with /", p.Value)
	}
	if msg := routeapi.PathProblem(p.Value); msg != "" {
		return p, fmt.Errorf("%s", msg)
	}
	if p.Type == PathPrefix && p.Value != "/" {
		p.Value = strings.TrimRight(p.Value, "/")
		if p.Value == "" {
			p.Value = "/"
		}
	}
	return p, nil
}
