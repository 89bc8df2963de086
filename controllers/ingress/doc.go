// Package ingress turns Kubernetes Ingresses into Routes, as OKD's
// ingress-to-route controller does (reference/ingress-to-route.md §1), and
// reports the routers that admitted them in the Ingress status.
//
// The conversion (Convert), the update of an existing Route (Merge) and the
// Ingress status (LoadBalancer) are pure functions; the reconciler only
// reads, compares and writes, through the API server, so that the Route
// webhook defaults and validates generated Routes as it does users' ones.
//
// Where this controller differs from OKD, on purpose:
//
//   - pathType: Exact paths are converted, not skipped. Every generated Route
//     carries the Ingress path's pathType in the annotation
//     router.okd-ingress.io/path-type (ImplementationSpecific when unset),
//     and the router matches Exact, Prefix and ImplementationSpecific paths
//     as Kubernetes defines them.
//   - spec.defaultBackend, in a namespace a cluster administrator labelled
//     router.okd-ingress.io/default-backend=allowed, becomes a Route annotated
//     router.okd-ingress.io/default-backend: "true", with no host of its own:
//     the API generates one (<route>-<namespace>.<domain>) and the
//     controller keeps it on updates. Routers answer requests for hosts no
//     route serves with the oldest such Route (a served host's unmatched
//     paths get 404: they are its namespace's); newer Ingresses with a
//     default backend get an event naming the one in use. The unmatched
//     paths of the Ingress's own hosts get 404, as on OKD (which ignores
//     spec.defaultBackend): a Route generated for "/" on each host would
//     outrank a user's Route without a path on that host. In other
//     namespaces it is not used, as on OKD, and the Ingress gets a warning
//     event: this controller writes the Route with its own rights, which
//     would let any Ingress author answer every host no route serves.
//   - A spec.tls entry that lists a rule's host without a secretName enables
//     edge TLS with the router's default certificate, as Kubernetes
//     documents, instead of deleting the Route as OKD does.
//   - A Route is paired with an Ingress path by host, path and whether the
//     path type is Exact: a change between Prefix and ImplementationSpecific
//     updates the Route (OKD ignores path types; an Exact path of the same
//     value has a Route of its own).
//   - Passthrough with path "/" gives a Route without a path (the same
//     traffic: passthrough serves a whole host); any other path with
//     passthrough is reported and gives no Route, instead of a Route the
//     API refuses.
//   - User-owned fields are kept on updates, as in OKD (to.weight,
//     tls.insecureEdgeTerminationPolicy, tls.caCertificate,
//     tls.destinationCACertificate without the destination-CA annotation),
//     and so are httpHeaders, which an Ingress cannot express. Those a
//     passthrough Route cannot carry (caCertificate, the Allow policy) are
//     dropped when the termination annotation turns a Route to
//     passthrough; OKD keeps them, the API refuses its update, and the
//     Route stays edge.
//   - A path the Route API refuses (characters outside a URI path's, such
//     as a regular expression's "[", "|" or "?") gives a warning event
//     and no Route; OKD makes the Route.
//   - Wildcard Routes are compared like others (OKD re-patches them on every
//     sync and never reports their routers in the Ingress status).
//   - Owner references with apiVersion extensions/v1beta1 are recognised
//     (OKD only knows a misspelt extensions.k8s.io/v1beta1, kept too).
//   - IngressClass changes reconcile the Ingresses of that class.
//   - The Ingress status is recomputed from the Routes that exist, not
//     patched incrementally, so hostnames of routers that stopped admitting
//     a Route leave it, and so do, from an Ingress that names our class,
//     entries another controller wrote (an IP, an empty entry); one that
//     names no class, which another controller may serve too, keeps those
//     without a hostname, before ours. (OKD keeps their hostnames, and
//     rewrites IP-only ones as empty entries.)
//   - A Route the API refuses gives a warning event with the API's message.
package ingress
