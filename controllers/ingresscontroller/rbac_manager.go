package ingresscontroller

// What the operator itself needs, generated into config/rbac/role.yaml.
// Writes are confined to the router and operator namespaces; the manager's
// cache watches Deployments and PodDisruptionBudgets of the router
// namespace only.
//
// +kubebuilder:rbac:groups=operator.openshift.io,resources=ingresscontrollers,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=operator.openshift.io,resources=ingresscontrollers/status;ingresscontrollers/finalizers,verbs=get;update;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingressclasses,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=servicecidrs,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=nodes,verbs=list
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles;clusterrolebindings,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=apps,namespace=openshift-ingress,resources=deployments,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=policy,namespace=openshift-ingress,resources=poddisruptionbudgets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",namespace=openshift-ingress,resources=services;serviceaccounts,verbs=create;update;patch;delete
// +kubebuilder:rbac:groups="",namespace=openshift-ingress,resources=serviceaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups="",namespace=openshift-ingress,resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",namespace=openshift-ingress,resources=pods,verbs=list
// +kubebuilder:rbac:groups="",namespace=openshift-ingress,resources=configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",namespace=openshift-config,resources=configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,namespace=openshift-ingress,resources=roles;rolebindings,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups="",namespace=openshift-ingress-operator,resources=secrets,verbs=get;create;update
// +kubebuilder:rbac:groups=externaldns.k8s.io,namespace=openshift-ingress-operator,resources=dnsendpoints,verbs=get;list;watch;create;update;patch;delete
