package admission

import (
	"testing"
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
		// An escaped "/" is a "/", which some servers read it as.
		{"/a%2Fb", "/a/b"},
		{"/a%2fb", "/a/b"},
		{"/a%2F%2f/b", "/a/b"},
		{"/a/..%2Fb", "/b"},
		{"/x%2F.", "/x/"},
		{"/a%2F..b", "/a/..b"},
		// Other escapes stay escaped, in the uppercase hex browsers send.
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
