package admission

import (
	"strings"
	"testing"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// The router matches request paths as the pod reads them; a route path is
// spelled the same way, so that its key is what such requests look up.
func TestNormalizePath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/", "/"},
		{"/foo", "/foo"},
		{"/foo/", "/foo/"},
		{"//foo//bar//", "/foo/bar/"},
		{"/a/./b", "/a/b"},
		{"/a/b/..", "/a/"},
		{"/a/b/.", "/a/b/"},
		{"/a/../../b", "/b"},
		{"/..", "/"},
		{"/.well-known/acme", "/.well-known/acme"},
		{"/a..b/c.", "/a..b/c."},
		{"/%61dmin", "/admin"},
		{"/%41%7a%30%2D%2e%5F%7e", "/Az0-._~"},
		{"/x/%2e%2e/admin", "/admin"},
		// Other escapes stay escaped, in the uppercase hex browsers send.
		{"/a%2Fb", "/a%2Fb"},
		{"/a%2fb", "/a%2Fb"},
		{"/caf%c3%a9", "/caf%C3%A9"},
		{"/a%20b%0a", "/a%20b%0A"},
		// Admission refuses these before; normalizePath leaves them.
		{"/a%2", "/a%2"},
		{"/a%zz", "/a%zz"},
		{"/100%", "/100%"},
	} {
		if got := normalizePath(c.in); got != c.want {
			t.Errorf("normalizePath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A dot segment next to an escaped slash survives normalization, and the
// router refuses every request that spells it: such a route is rejected
// rather than admitted and never served.
func TestParsePathEscapedSlashDots(t *testing.T) {
	for _, c := range []struct {
		path string
		ok   bool
	}{
		{"/a/..%2Fb", false},
		{"/a/..%2fb", false},
		{"/x%2F.", false},
		{"/a/%2E%2E%2Fb", false},
		{"/a%2F..b", true},
		{"/a%2Fb/..", true}, // resolves to "/"
		{"/a/..b%2F", true},
	} {
		_, err := parsePath(&routev1.Route{Spec: routev1.RouteSpec{Path: c.path}})
		if c.ok && err != nil {
			t.Errorf("%q: %v", c.path, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "escaped slash")) {
			t.Errorf("%q: error %v, want one about the escaped slash", c.path, err)
		}
	}
}
