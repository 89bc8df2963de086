package names

// The router's environment contract (OKD's ROUTER_* variables, plus a few
// of this project's own): the operator writes them, the router reads them.
const (
	EnvDefaultCertificateDir                = "DEFAULT_CERTIFICATE_DIR"
	EnvDefaultCertificatePath               = "DEFAULT_CERTIFICATE_PATH"
	EnvDefaultDestinationCAPath             = "DEFAULT_DESTINATION_CA_PATH"
	EnvExtendedValidation                   = "EXTENDED_VALIDATION"
	EnvNamespaceLabels                      = "NAMESPACE_LABELS"
	EnvProjectLabels                        = "PROJECT_LABELS"
	EnvReloadInterval                       = "RELOAD_INTERVAL"
	EnvRouterAbortOnClose                   = "ROUTER_ABORT_ON_CLOSE"
	EnvRouterAllowWildcardRoutes            = "ROUTER_ALLOW_WILDCARD_ROUTES"
	EnvRouterBlueprintRoutePoolSize         = "ROUTER_BLUEPRINT_ROUTE_POOL_SIZE"
	EnvRouterBindAddress                    = "ROUTER_BIND_ADDRESS"
	EnvRouterBackendCheckInterval           = "ROUTER_BACKEND_CHECK_INTERVAL"
	EnvRouterBufSize                        = "ROUTER_BUF_SIZE"
	EnvRouterCanonicalHostname              = "ROUTER_CANONICAL_HOSTNAME"
	EnvRouterCaptureHTTPCookie              = "ROUTER_CAPTURE_HTTP_COOKIE"
	EnvRouterCaptureHTTPRequestHeaders      = "ROUTER_CAPTURE_HTTP_REQUEST_HEADERS"
	EnvRouterCaptureHTTPResponseHeaders     = "ROUTER_CAPTURE_HTTP_RESPONSE_HEADERS"
	EnvRouterCiphers                        = "ROUTER_CIPHERS"
	EnvRouterCipherSuites                   = "ROUTER_CIPHERSUITES"
	EnvRouterClientFinTimeout               = "ROUTER_CLIENT_FIN_TIMEOUT"
	EnvRouterConfigDir                      = "ROUTER_CONFIG_DIR"
	EnvRouterCookieKey                      = "ROUTER_COOKIE_KEY"
	EnvRouterCookieName                     = "ROUTER_COOKIE_NAME"
	EnvRouterCurves                         = "ROUTER_CURVES"
	EnvRouterDefaultClientTimeout           = "ROUTER_DEFAULT_CLIENT_TIMEOUT"
	EnvRouterDefaultConnectTimeout          = "ROUTER_DEFAULT_CONNECT_TIMEOUT"
	EnvRouterDefaultServerFinTimeout        = "ROUTER_DEFAULT_SERVER_FIN_TIMEOUT"
	EnvRouterDefaultServerTimeout           = "ROUTER_DEFAULT_SERVER_TIMEOUT"
	EnvRouterDefaultTunnelTimeout           = "ROUTER_DEFAULT_TUNNEL_TIMEOUT"
	EnvRouterDisableHTTP2                   = "ROUTER_DISABLE_HTTP2"
	EnvRouterDisableNamespaceOwnershipCheck = "ROUTER_DISABLE_NAMESPACE_OWNERSHIP_CHECK"
	EnvRouterDomain                         = "ROUTER_DOMAIN"
	EnvRouterDontLogNull                    = "ROUTER_DONT_LOG_NULL"
	EnvRouterEnableCompression              = "ROUTER_ENABLE_COMPRESSION"
	EnvRouterErrorFile404                   = "ROUTER_ERRORFILE_404"
	EnvRouterErrorFile503                   = "ROUTER_ERRORFILE_503"
	EnvRouterCompressionMIME                = "ROUTER_COMPRESSION_MIME"
	EnvRouterHTTPIgnoreProbes               = "ROUTER_HTTP_IGNORE_PROBES"
	EnvRouterGracefulShutdownDelay          = "ROUTER_GRACEFUL_SHUTDOWN_DELAY"
	EnvRouterIdleCloseOnResponse            = "ROUTER_IDLE_CLOSE_ON_RESPONSE"
	EnvRouterH1CaseAdjust                   = "ROUTER_H1_CASE_ADJUST"
	EnvRouterHTTPRequestHeaders             = "ROUTER_HTTP_REQUEST_HEADERS"
	EnvRouterHTTPResponseHeaders            = "ROUTER_HTTP_RESPONSE_HEADERS"
	EnvRouterHAProxyBinary                  = "ROUTER_HAPROXY_BINARY"
	EnvRouterHardStopAfter                  = "ROUTER_HARD_STOP_AFTER"
	EnvRouterAllowedDomains                 = "ROUTER_ALLOWED_DOMAINS"
	EnvRouterDeniedDomains                  = "ROUTER_DENIED_DOMAINS"
	EnvRouterInspectDelay                   = "ROUTER_INSPECT_DELAY"
	EnvRouterIPV4V6Mode                     = "ROUTER_IP_V4_V6_MODE"
	EnvRouterListenAddr                     = "ROUTER_LISTEN_ADDR"
	EnvRouterLoadBalanceAlgorithm           = "ROUTER_LOAD_BALANCE_ALGORITHM"
	EnvRouterLogFacility                    = "ROUTER_LOG_FACILITY"
	EnvRouterLogLevel                       = "ROUTER_LOG_LEVEL"
	EnvRouterLogMaxLength                   = "ROUTER_LOG_MAX_LENGTH"
	EnvRouterMaxConnections                 = "ROUTER_MAX_CONNECTIONS"
	EnvRouterMaxRewriteSize                 = "ROUTER_MAX_REWRITE_SIZE"
	EnvRouterMutualTLSAuth                  = "ROUTER_MUTUAL_TLS_AUTH"
	EnvRouterMutualTLSAuthCA                = "ROUTER_MUTUAL_TLS_AUTH_CA"
	EnvRouterMutualTLSAuthCRL               = "ROUTER_MUTUAL_TLS_AUTH_CRL"
	EnvRouterMutualTLSAuthFilter            = "ROUTER_MUTUAL_TLS_AUTH_FILTER"
	EnvRouterRunDir                         = "ROUTER_RUN_DIR"
	EnvRouterServiceHTTPSPort               = "ROUTER_SERVICE_HTTPS_PORT"
	EnvRouterServiceHTTPPort                = "ROUTER_SERVICE_HTTP_PORT"
	EnvRouterServiceName                    = "ROUTER_SERVICE_NAME"
	EnvRouterServiceNamespace               = "ROUTER_SERVICE_NAMESPACE"
	EnvRouterSetForwardedHeaders            = "ROUTER_SET_FORWARDED_HEADERS"
	EnvRouterSlowlorisHTTPKeepalive         = "ROUTER_SLOWLORIS_HTTP_KEEPALIVE"
	EnvRouterSlowlorisTimeout               = "ROUTER_SLOWLORIS_TIMEOUT"
	EnvRouterSyslogAddress                  = "ROUTER_SYSLOG_ADDRESS"
	EnvRouterSyslogFormat                   = "ROUTER_SYSLOG_FORMAT"
	EnvRouterTCPBalanceScheme               = "ROUTER_TCP_BALANCE_SCHEME"
	EnvRouterThreads                        = "ROUTER_THREADS"
	EnvRouterUniqueIDFormat                 = "ROUTER_UNIQUE_ID_FORMAT"
	EnvRouterUniqueIDHeaderName             = "ROUTER_UNIQUE_ID_HEADER_NAME"
	EnvRouterUpdateStatus                   = "ROUTER_UPDATE_STATUS"
	EnvRouterUseProxyProtocol               = "ROUTER_USE_PROXY_PROTOCOL"
	EnvRouteLabels                          = "ROUTE_LABELS"
	EnvSSLMinVersion                        = "SSL_MIN_VERSION"
	EnvStatsPort                            = "STATS_PORT"
	EnvStatsUsername                        = "STATS_USERNAME"
	EnvStatsPassword                        = "STATS_PASSWORD"
	EnvStatsUsernameFile                    = "STATS_USERNAME_FILE"
	EnvStatsPasswordFile                    = "STATS_PASSWORD_FILE"
	EnvRouterMetricsTLSCertFile             = "ROUTER_METRICS_TLS_CERT_FILE"
	EnvRouterMetricsTLSKeyFile              = "ROUTER_METRICS_TLS_KEY_FILE"
)

// The proxy variables Go's HTTP client reads (upper case first), which the
// operator hands its routers as OKD's hands them the cluster proxy's.
const (
	EnvHTTPProxy  = "HTTP_PROXY"
	EnvHTTPSProxy = "HTTPS_PROXY"
	EnvNoProxy    = "NO_PROXY"
)

// The access-log socket of the Container destination: HAProxy in the
// router container writes to it, the "logs" sidecar (the router image
// run as "logs") prints what arrives, for kubectl logs -c logs.
const (
	AccessLogVolume    = "access-log-socket"
	AccessLogSocketDir = "/var/lib/rsyslog"
	AccessLogSocket    = AccessLogSocketDir + "/rsyslog.sock"
)

// What the router container may write: the router image's directories for
// the generated config and HAProxy's sockets. Its root filesystem is
// read-only in the operator's Deployment, which mounts an emptyDir at each.
const (
	RouterConfigDir    = "/var/lib/haproxy/router"
	RouterRunDir       = "/var/lib/haproxy/run"
	RouterConfigVolume = "router-config"
	RouterRunVolume    = "router-run"
)

// The router container's API credentials: the projected volume a kubelet
// would mount in every container, mounted in that container only (the
// pod does not automount its token, so the logs sidecar has none).
const (
	APIAccessVolume     = "kube-api-access"
	ServiceAccountDir   = "/var/run/secrets/kubernetes.io/serviceaccount"
	APITokenExpiration  = 3607 // seconds; a kubelet's own projection asks for the same
	KubeRootCAConfigMap = "kube-root-ca.crt"
)
