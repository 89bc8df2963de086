package ingress

// The Ingress controller's permissions, generated into config/rbac/role.yaml.
// Generated Routes set spec.host and certificates, which the Route webhook
// allows only to holders of routes/custom-host, as OKD's API does. Secrets
// are listed and watched for their metadata only (changes trigger a sync),
// and read one by one.
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingressclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=route.openshift.io,resources=routes,verbs=get;list;watch;create;update;delete
// +kubebuilder:rbac:groups=route.openshift.io,resources=routes/custom-host,verbs=create;update
// An Ingress's spec.defaultBackend becomes a Route the routers answer
// unmatched requests with, which the Route API allows only to holders of
// routes/default-backend across the cluster.
// +kubebuilder:rbac:groups=route.openshift.io,resources=routes/default-backend,verbs=create
// Namespaces are read for their labels only: whether an administrator
// allowed the default backends of their Ingresses.
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
