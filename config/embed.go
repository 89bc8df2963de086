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

// RBAC holds config/rbac but its kustomization: the manager's and the
// routers' ServiceAccounts, roles and bindings, and the roles for users.
// The local stack and the tests run the manager and the routers with
// exactly these.
//
//go:embed rbac/service_account.yaml rbac/role.yaml rbac/role_binding.yaml rbac/router_rbac.yaml
//go:embed rbac/custom_host_roles.yaml rbac/router_metrics_role.yaml
var RBAC embed.FS

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

// AdmissionPolicies keep privileged pods out of the router namespace and
// hold the manager's writes to what RBAC cannot narrow.
//
//go:embed manager/router_pod_policy.yaml manager/manager_policy.yaml
var AdmissionPolicies embed.FS
