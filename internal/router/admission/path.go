package admission

import (
	"fmt"
	slashpath "path" // "path" names a test helper in this package
	"strconv"
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

// parsePath is the route's path as the router matches it. A path type
// annotation that pathTypeProblem refuses reads as ImplementationSpecific,
// the path the route claims while it is refused for it.
func parsePath(r *routev1.Route) (Path, error) {
	p := Path{Value: r.Spec.Path, Type: PathImplementationSpecific}
	if pathTypeProblem(r) == "" {
		if t, ok := r.Annotations[names.PathTypeAnnotation]; ok {
			p.Type = PathType(t)
		}
	}
	if p.Value == "" {
		return p, nil
	}
	if !strings.HasPrefix(p.Value, "/") {
		return p, fmt.Errorf("path %q must begin with /", p.Value)
	}
	if msg := routeapi.PathProblem(p.Value); msg != "" {
		return p, fmt.Errorf("%s", msg)
	}
	p.Value = normalizePath(p.Value)
	if p.Type == PathPrefix && p.Value != "/" {
		p.Value = strings.TrimRight(p.Value, "/")
		if p.Value == "" {
			p.Value = "/"
		}
	}
	return p, nil
}

// pathTypeProblem says what is wrong with the route's path type
// annotation, or "". The API does not check it: the router refuses the
// route after its claim, so a typo keeps the host.
func pathTypeProblem(r *routev1.Route) string {
	t, ok := r.Annotations[names.PathTypeAnnotation]
	if !ok {
		return ""
	}
	switch PathType(t) {
	case PathImplementationSpecific, PathPrefix:
		return ""
	case PathExact:
		if r.Spec.Path == "" {
			return fmt.Sprintf("annotation %s: Exact needs a path", names.PathTypeAnnotation)
		}
		return ""
	}
	return fmt.Sprintf("annotation %s must be Exact, Prefix or ImplementationSpecific, not %q", names.PathTypeAnnotation, t)
}

// normalizePath spells a route path as the router matches request paths
// (the lookup in HAProxy's config): as the pod reads them after RFC 3986's
// normalization. Escaped unreserved characters are decoded ("%61" is "a"),
// and so is an escaped "/" (see normalizeEscapes); the hex of other
// escapes is uppercased ("%c3" is "%C3", as browsers send it), "//" merged
// and dot segments resolved; a trailing slash stays, since it changes what
// an ImplementationSpecific path matches. Requests get the same treatment
// or, for spellings no common client sends (dot segments, escaped
// letters), a 400, so a route spelled so still serves what it means.
func normalizePath(p string) string {
	p = normalizeEscapes(p)
	dir := strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..")
	c := slashpath.Clean(p)
	if dir && c != "/" {
		c += "/"
	}
	return c
}

// normalizeEscapes decodes the %XX escapes of RFC 3986's unreserved
// characters and of "/", and uppercases the hex of the others. "%2F" is
// data to RFC 3986, but servers such as nginx decode it and then merge
// slashes: were it kept, "/%2Fadmin" would reach such a pod's /admin
// through the route for "/", past the route for /admin and its allowlist.
// Read as "/", it goes to the route for /admin, whatever the pod makes of
// it. What it yields is as safe in a map file as its input: decoding
// gives letters, digits and "-._~/" only.
func normalizeEscapes(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			if c, err := strconv.ParseUint(p[i+1:i+3], 16, 8); err == nil {
				if unreserved(byte(c)) || c == '/' {
					b.WriteByte(byte(c))
				} else {
					b.WriteString(strings.ToUpper(p[i : i+3]))
				}
				i += 2
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
}
