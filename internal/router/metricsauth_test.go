package router

import (
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The stats user's check (tokens go to a real API server in the router
// end-to-end suite): both values must match, and a router without both
// set lets no one in by basic auth.
func TestMetricsAuthBasic(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		user, password       string // the router's
		sendUser, sendPass   string
		sendBasic, wantAllow bool
	}{
		{name: "the stats user", user: "u", password: "p", sendUser: "u", sendPass: "p", sendBasic: true, wantAllow: true},
		{name: "a wrong password", user: "u", password: "p", sendUser: "u", sendPass: "x", sendBasic: true},
		{name: "a wrong user", user: "u", password: "p", sendUser: "x", sendPass: "p", sendBasic: true},
		{name: "a password's prefix", user: "u", password: "pass", sendUser: "u", sendPass: "pas", sendBasic: true},
		{name: "no password set: the user alone does not do", user: "u", sendUser: "u", sendBasic: true},
		{name: "nothing set, nothing sent", sendBasic: true},
		{name: "no credentials", user: "u", password: "p"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &metricsAuth{user: tc.user, password: tc.password, routerName: "default"}
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tc.sendBasic {
				req.SetBasicAuth(tc.sendUser, tc.sendPass)
			}
			code, _ := a.check(req)
			if allowed := code == 0; allowed != tc.wantAllow || (!allowed && code != http.StatusUnauthorized) {
				t.Fatalf("code %d, want allowed=%v (else 401)", code, tc.wantAllow)
			}
		})
	}
}

// A full cache drops expired answers first, and keeps the live ones.
func TestMetricsAuthCacheEviction(t *testing.T) {
	a := &metricsAuth{}
	live := sha256.Sum256([]byte("live"))
	a.keep(live, authAnswer{})
	for i := range maxMetricsAuthCache - 1 {
		k := sha256.Sum256([]byte{byte(i), byte(i >> 8), 1})
		a.keep(k, authAnswer{code: http.StatusUnauthorized})
		a.answers[k] = authAnswer{code: http.StatusUnauthorized, until: time.Now().Add(-time.Second)} // expired
	}
	a.keep(sha256.Sum256([]byte("new")), authAnswer{code: http.StatusForbidden})
	if _, ok := a.cached(live); !ok || len(a.answers) != 2 {
		t.Fatalf("after eviction: live kept %v, %d answers (want the live and the new one)", ok, len(a.answers))
	}
}
