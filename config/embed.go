// Package config embeds the manifests that tests and the local stack install
// into a fresh API server, so that they use exactly what a cluster gets.
package config

import "embed"

// CRDs holds the generated CustomResourceDefinitions.
//
//go:embed crd/bases/*.yaml
var CRDs embed.FS

// Webhooks holds the Route webhook configurations.
//
//go:embed webhook/webhooks.yaml
var Webhooks []byte

// CustomHostRoles holds the ClusterRoles that grant routes/custom-host.
//
//go:embed rbac/custom_host_roles.yaml
var CustomHostRoles []byte

// RouteAPIService is the APIService of route.openshift.io/v1 for the
// aggregated install.
//
//go:embed route-apiserver/apiservice.yaml
var RouteAPIService []byte

// RouteAPIServerRBAC is the Route API server's ServiceAccount and RBAC.
//
//go:embed route-apiserver/rbac.yaml
var RouteAPIServerRBAC []byte

// ExternalDNSRBAC is ExternalDNS's ServiceAccount and RBAC: the local stack
// runs ExternalDNS with exactly these permissions.
//
//go:embed components/externaldns/rbac.yaml
var ExternalDNSRBAC []byte
