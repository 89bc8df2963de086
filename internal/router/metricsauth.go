package router

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
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

	// reviews bounds the token reviews of tokens not in the cache: a
	// flood of made-up tokens from the network gets 429, not one API call
	// each (nil: no bound).
	reviews *rate.Limiter

	mu       sync.Mutex
	answers  map[[sha256.Size]byte]authAnswer
	inflight singleflight.Group
}

// Token reviews of tokens not in the cache, per router: a scraper per
// IngressController every few seconds needs a handful a minute.
const (
	metricsReviewsPerSecond = 10
	metricsReviewsBurst     = 20
)

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
	if u, p, ok := req.BasicAuth(); ok && a.user != "" && a.password != "" {
		// Digests, so that the comparisons take the same time whatever
		// the lengths, and both always run.
		uh, ph := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
		wu, wp := sha256.Sum256([]byte(a.user)), sha256.Sum256([]byte(a.password))
		if subtle.ConstantTimeCompare(uh[:], wu[:])&subtle.ConstantTimeCompare(ph[:], wp[:]) == 1 {
			return 0, ""
		}
		return http.StatusUnauthorized, "Unauthorized"
	}
	token, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" || a.tokens == nil {
		return http.StatusUnauthorized, "Unauthorized: the stats user, or a bearer token allowed to get routers/metrics"
	}
	key := sha256.Sum256([]byte(token))
	if ans, ok := a.cached(key); ok {
		return ans.code, ans.message
	}
	// One review at a time per token: a scraper's burst, or many
	// requests with one stolen token, cost the API server one pair.
	v, _, _ := a.inflight.Do(string(key[:]), func() (any, error) {
		if a.reviews != nil && !a.reviews.Allow() {
			return authAnswer{code: http.StatusTooManyRequests, message: "Too many token reviews: try again"}, nil
		}
		ans := a.review(req.Context(), token)
		if ans.code != http.StatusInternalServerError {
			a.keep(key, ans)
		}
		return ans, nil
	})
	ans := v.(authAnswer)
	return ans.code, ans.message
}

func (a *metricsAuth) cached(key [sha256.Size]byte) (authAnswer, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ans, ok := a.answers[key]
	return ans, ok && time.Now().Before(ans.until)
}

// keep stores an answer; when the cache is full, expired answers go
// first, and only if none has expired does everything go.
func (a *metricsAuth) keep(key [sha256.Size]byte, ans authAnswer) {
	now := time.Now()
	ans.until = now.Add(metricsAuthTTL)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.answers == nil {
		a.answers = map[[sha256.Size]byte]authAnswer{}
	}
	if len(a.answers) >= maxMetricsAuthCache {
		maps.DeleteFunc(a.answers, func(_ [sha256.Size]byte, v authAnswer) bool { return now.After(v.until) })
	}
	if len(a.answers) >= maxMetricsAuthCache {
		clear(a.answers)
	}
	a.answers[key] = ans
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
