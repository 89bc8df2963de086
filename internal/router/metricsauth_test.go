package router

import (
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
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

// Reviews of tokens not in the cache are bounded: past the burst, a
// made-up token gets 429 without a call to the API server. (The API
// server here is a closed port: each review that is made fails, 500.)
func TestMetricsAuthReviewBound(t *testing.T) {
	kc, err := kubernetes.NewForConfig(&rest.Config{Host: "http://127.0.0.1:1", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a := &metricsAuth{routerName: "default", tokens: kc.AuthenticationV1().TokenReviews(),
		access: kc.AuthorizationV1().SubjectAccessReviews(), reviews: rate.NewLimiter(rate.Every(time.Hour), 2)}
	var codes []int
	for i := range 4 {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Authorization", "Bearer made-up-"+strconv.Itoa(i))
		code, _ := a.check(req)
		codes = append(codes, code)
	}
	if want := []int{500, 500, 429, 429}; !slices.Equal(codes, want) {
		t.Fatalf("codes %v, want %v", codes, want)
	}
}
