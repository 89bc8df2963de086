package ingresscontroller

// What the operator itself needs, generated into config/rbac/role.yaml.
// Writes are confined to the router and operator namespaces; the manager's
// cache watches IngressControllers of the operator namespace and
// Deployments, PodDisruptionBudgets and ServiceAccounts of the router
// namespace only (internal/manager). It writes no RBAC: the routers'
// ServiceAccount is bound to roles installed with the manager
// (config/rbac/router_rbac.yaml), since a manager allowed to create
// ClusterRoleBindings could grant anyone what it holds.
//
// +kubebuilder:rbac:groups=operator.openshift.io,namespace=openshift-ingress-operator,resources=ingresscontrollers,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=operator.openshift.io,namespace=openshift-ingress-operator,resources=ingresscontrollers/status;ingresscontrollers/finalizers,verbs=get;update;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingressclasses,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=servicecidrs,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=nodes,verbs=list
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// Routes' status entries of a deleted or re-sharded IngressController are
// cleared, which needs the namespaces' labels for its old selector.
// +kubebuilder:rbac:groups=route.openshift.io,resources=routes/status,verbs=patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,namespace=openshift-ingress,resources=deployments,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=policy,namespace=openshift-ingress,resources=poddisruptionbudgets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",namespace=openshift-ingress,resources=services,verbs=create;update;patch;delete
// +kubebuilder:rbac:groups="",namespace=openshift-ingress,resources=serviceaccounts,verbs=get;list;watch;create
// +kubebuilder:rbac:groups="",namespace=openshift-ingress,resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",namespace=openshift-ingress,resources=pods,verbs=list
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=openshift-ingress,resources=leases,verbs=delete
// +kubebuilder:rbac:groups="",namespace=openshift-ingress,resources=configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",namespace=openshift-config,resources=configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="",namespace=openshift-ingress-operator,resources=secrets,verbs=get;create;update
// The default IngressController's canary (canary.go); its Route is written
// with the cluster-wide Route permissions of the Ingress controller, and
// patched (its port rotated) in the canary namespace only.
// +kubebuilder:rbac:groups=route.openshift.io,namespace=openshift-ingress-canary,resources=routes,verbs=patch
// +kubebuilder:rbac:groups=apps,namespace=openshift-ingress-canary,resources=daemonsets,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups="",namespace=openshift-ingress-canary,resources=services,verbs=create;patch
// +kubebuilder:rbac:groups=discovery.k8s.io,namespace=openshift-ingress,resources=endpointslices,verbs=list
// +kubebuilder:rbac:groups=externaldns.k8s.io,namespace=openshift-ingress-operator,resources=dnsendpoints,verbs=get;list;watch;create;update;patch;delete
