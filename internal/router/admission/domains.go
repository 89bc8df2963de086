package admission

import (
	"fmt"
	"strings"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

// domainProblem applies the router's allowed and denied domains
// (ROUTER_ALLOWED_DOMAINS, ROUTER_DENIED_DOMAINS) to the hosts a route
// serves, as OKD does: a host is in a domain when it is the domain or
// below it, a denied domain wins over an allowed one, and with allowed
// domains set a host must be in one of them. It returns "" when the route
// may be served.
//
// OKD looks at spec.host alone. A wildcard route with host www.example.com
// serves every host of example.com, though, so here the whole of
// *.example.com must be allowed, and no denied domain may lie within it:
// otherwise ROUTER_ALLOWED_DOMAINS=www.example.com would let a wildcard
// route serve shop.example.com, and a denied secret.example.com would be
// served by it.
func domainProblem(host string, wildcard bool, allowed, denied []string) string {
	served := host
	if wildcard {
		served = parentDomain(host)
	}
	for _, d := range denied {
		switch {
		case inDomain(host, d):
			return fmt.Sprintf("host %s is in the domain %s, which this router denies (%s)", host, d, names.EnvRouterDeniedDomains)
		case wildcard && (inDomain(served, d) || parentDomain(d) == served):
			return fmt.Sprintf("the wildcard route would serve hosts *.%s of the domain %s, which this router denies (%s)",
				served, d, names.EnvRouterDeniedDomains)
		}
	}
	if len(allowed) == 0 {
		return ""
	}
	for _, d := range allowed {
		if inDomain(served, d) {
			return ""
		}
	}
	return fmt.Sprintf("host %s is not in a domain this router allows (%s: %s)",
		hostKey(host, wildcard), names.EnvRouterAllowedDomains, strings.Join(allowed, ", "))
}

// inDomain reports whether host is domain or a name below it, comparing
// whole labels: shop.example.com is in example.com, myexample.com is not.
func inDomain(host, domain string) bool {
	return host == domain || strings.HasSuffix(host, "."+domain)
}
