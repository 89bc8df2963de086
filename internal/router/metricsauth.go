package router

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	authnclient "k8s.io/client-go/kubernetes/typed/authentication/v1"
	authzclient "k8s.io/client-go/kubernetes/typed/authorization/v1"
)

// metricsAuthTTL is how long an answer about a token is kept: a scraper
// every few seconds costs the API server one review pair per TTL, and a
// revoked grant stops working within it.
const metricsAuthTTL = 10 * time.Second

// maxMetricsAuthCache bounds the answers kept: a flood of made-up tokens
// empties it rather than grow it.
const maxMetricsAuthCache = 1024

// metricsAuth decides who reads /metrics, as OKD's router does: the stats
// user with its password (basic auth), or a bearer token the API server
// authenticates for a user it lets get the subresource routers/metrics
// (API group route.openshift.io) named for this router. The series name
// every route and namespace the router serves: the port is often a
// node's (HostNetwork), so nothing is given away unasked.
type metricsAuth struct {
	user, password string
	routerName     string
	tokens         authnclient.TokenReviewInterface
	access         authzclient.SubjectAccessReviewInterface

	mu      sync.Mutex
	answers map[[sha256.Size]byte]authAnswer
}

type authAnswer struct {
	code    int // 0: allowed
	message string
	until   time.Time
}

// wrap serves next to the clients metricsAuth lets in.
func (a *metricsAuth) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		code, msg := a.check(req)
		if code != 0 {
			if code == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Basic realm="router metrics", Bearer`)
			}
			http.Error(w, msg, code)
			return
		}
		next.ServeHTTP(w, req)
	})
}

func (a *metricsAuth) check(req *http.Request) (int, string) {
	if u, p, ok := req.BasicAuth(); ok && (a.user != "" || a.password != "") {
		if subtle.ConstantTimeCompare([]byte(u), []byte(a.user)) == 1 && subtle.ConstantTimeCompare([]byte(p), []byte(a.password)) == 1 {
			return 0, ""
		}
		return http.StatusUnauthorized, "Unauthorized"
	}
	token, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(token) == "" || a.tokens == nil {
		return http.StatusUnauthorized, "Unauthorized: the stats user, or a bearer token allowed to get routers/metrics"
	}
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	a.mu.Lock()
	ans, ok := a.answers[key]
	a.mu.Unlock()
	if !ok || now.After(ans.until) {
		ans = a.review(req.Context(), strings.TrimSpace(token))
		if ans.code == http.StatusInternalServerError {
			return ans.code, ans.message
		}
		ans.until = now.Add(metricsAuthTTL)
		a.mu.Lock()
		if a.answers == nil || len(a.answers) >= maxMetricsAuthCache {
			a.answers = map[[sha256.Size]byte]authAnswer{}
		}
		a.answers[key] = ans
		a.mu.Unlock()
	}
	return ans.code, ans.message
}

// review asks the API server who the token is and whether that user may
// get this router's metrics. An API error is answered 500 and not kept:
// the next scrape asks again.
func (a *metricsAuth) review(ctx context.Context, token string) authAnswer {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tr, err := a.tokens.Create(ctx, &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token}}, metav1.CreateOptions{})
	if err != nil {
		return authAnswer{code: http.StatusInternalServerError, message: "Unable to authenticate due to an error"}
	}
	if !tr.Status.Authenticated {
		return authAnswer{code: http.StatusUnauthorized, message: "Unauthorized"}
	}
	u := tr.Status.User
	extra := map[string]authzv1.ExtraValue{}
	for k, v := range u.Extra {
		extra[k] = authzv1.ExtraValue(v)
	}
	sar, err := a.access.Create(ctx, &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
		User: u.Username, UID: u.UID, Groups: u.Groups, Extra: extra,
		ResourceAttributes: &authzv1.ResourceAttributes{Verb: "get", Group: "route.openshift.io",
			Resource: "routers", Subresource: "metrics", Name: a.routerName},
	}}, metav1.CreateOptions{})
	if err != nil {
		return authAnswer{code: http.StatusInternalServerError, message: "Unable to authorize the user due to an error"}
	}
	if !sar.Status.Allowed {
		return authAnswer{code: http.StatusForbidden, message: "Forbidden: " + u.Username + " may not get routers/metrics of router " + a.routerName}
	}
	return authAnswer{}
}
