package router

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"

	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
)

// curveProbeTimeout bounds the TLS groups probe at start: a few runs of
// haproxy -c, well under a second each.
const curveProbeTimeout = 30 * time.Second

// offeredCurves is the part of cfg.Curves that this HAProxy's OpenSSL
// takes, probed in dir. The operator sends one list to routers of every
// image, and HAProxy will not start on a group its OpenSSL lacks: a router
// on an older OpenSSL offers the groups it has, and says which it dropped.
func offeredCurves(cfg config.Config, dir string, log logr.Logger) (string, error) {
	if cfg.Curves == "" {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), curveProbeTimeout)
	defer cancel()
	kept, dropped, err := haproxy.SupportedCurves(ctx, cfg.HAProxyBinary, dir, cfg.Curves)
	if err != nil {
		return "", fmt.Errorf("probing which TLS groups of %s HAProxy takes: %w", names.EnvRouterCurves, err)
	}
	if len(dropped) > 0 {
		openssl, _ := haproxy.RunningOpenSSL(ctx, cfg.HAProxyBinary)
		log.Info("dropping TLS groups this HAProxy's OpenSSL does not support", "dropped", dropped, "offered", kept, "openssl", openssl)
	}
	if kept == "" {
		log.Info("offering OpenSSL's default TLS groups: this HAProxy's OpenSSL supports none of "+names.EnvRouterCurves, "groups", cfg.Curves)
	}
	return kept, nil
}
