package manager

// The manager's permissions, generated into config/rbac/role.yaml.
//
// Webhooks: authorize users for routes/custom-host, read the type of a
// Route's external certificate Secret, and keep the CA bundle of its own
// webhook configurations current: those by name only, since patching
// another product's webhooks or APIServices would let the manager's
// credentials intercept or silence any API.
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=mutatingwebhookconfigurations;validatingwebhookconfigurations,verbs=get;patch,resourceNames=okd-ingress-mutating;okd-ingress-validating
//
// Aggregated Route API: keep the CA bundle of its APIService current.
// +kubebuilder:rbac:groups=apiregistration.k8s.io,resources=apiservices,verbs=get;patch,resourceNames=v1.route.openshift.io
//
// Its own namespace: the webhook certificate Secret, leader election.
// +kubebuilder:rbac:groups="",namespace=openshift-ingress-operator,resources=secrets,verbs=create;update
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=openshift-ingress-operator,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",namespace=openshift-ingress-operator,resources=events,verbs=create;patch
//
// The Route API server's etcd member, by name: restarted when it predates
// the CA it must trust (etcdcert); deleting it changes nothing it runs.
// +kubebuilder:rbac:groups="",namespace=openshift-ingress-operator,resources=pods,verbs=get;delete,resourceNames=okd-ingress-route-etcd-0
