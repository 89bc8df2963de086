// Package routeapi holds the rules of the Route API as plain Go functions:
// defaulting, validation, host generation and the routes/custom-host
// permission checks, matching OKD's route.openshift.io behaviour.
//
// The admission webhook calls these functions today; an aggregated API server
// for route.openshift.io will call the same functions from its strategy. The
// CRD's OpenAPI and CEL rules repeat a subset of them so that a cluster without
// the webhook still rejects the worst input, but no rule lives only in CEL or
// only in a webhook handler.
package routeapi
