package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"

	"github.com/okd-ingress/okd-ingress/internal/router"
	"github.com/okd-ingress/okd-ingress/internal/router/admission"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/internal/router/render"
)

// pipeline runs the router's pure stages exactly as Router.plan does
// (admission.Admit, model.Build, model.AssignSlots, render.Render), on a
// snapshot the benchmark builds instead of one read from informers.
type pipeline struct {
	cfg    config.Config
	params render.Params
}

// newPipeline configures the router as the operator deploys it
// (config.Defaults), serving on addr, with its files under dir; checks
// false turns backend health checks off (ROUTER_BACKEND_CHECK_INTERVAL=0).
func newPipeline(haproxyBin, addr, dir string, threads int, defaultCert []byte, checks bool) pipeline {
	cfg := config.Defaults()
	if !checks {
		cfg.Timeouts.HealthCheck = 0
	}
	cfg.Domain = "apps.bench.test"
	cfg.BindAddress = addr
	cfg.HAProxyBinary = haproxyBin
	cfg.ConfigDir, cfg.RunDir = filepath.Join(dir, "conf"), filepath.Join(dir, "run")
	cfg.Threads = threads
	sum := sha256.Sum256([]byte(cfg.RunDir))
	return pipeline{cfg: cfg, params: render.Params{
		Config: cfg, ConfigDir: cfg.ConfigDir, StatsSocket: haproxy.StatsSocket(cfg.RunDir),
		MetricsSocket:      "unix@" + filepath.Join(cfg.RunDir, "metrics.sock"),
		TLSSocket:          "abns@bench-" + hex.EncodeToString(sum[:6]) + "-tls",
		DefaultCertificate: defaultCert, HardStopAfter: time.Hour,
	}}
}

// plan renders s; prev keeps server slots stable, as in the router.
func (p pipeline) plan(s *snapshot, prev *model.Model) (*model.Model, render.Files, error) {
	res := admission.Admit(s.Routes, admission.Policy{
		Domain: p.cfg.Domain, InterNamespaceAllowed: p.cfg.InterNamespaceAllowed,
		AllowWildcards: p.cfg.AllowWildcards, VerifyChains: p.cfg.ExtendedValidation,
	})
	if len(res.Routes) != len(s.Routes) {
		// A synthetic route the router rejects would make every number wrong.
		for k, v := range res.Verdicts {
			if !v.Admitted {
				return nil, nil, fmt.Errorf("route %s not admitted: %s: %s", k, v.Reason, v.Message)
			}
		}
	}
	m := model.Build(model.Input{Routes: res.Routes, Services: s.Services, Slices: s.Slices, Options: model.Options{
		BalanceHTTP: p.cfg.BalanceHTTP, BalanceTCP: p.cfg.BalanceTCP, DisableHTTP2: p.cfg.DisableHTTP2,
		DefaultDestinationCA: p.cfg.DefaultDestinationCA,
	}})
	model.AssignSlots(prev, m)
	params := p.params
	params.Config.MaxConnections = router.FitMaxConnections(p.cfg.MaxConnections, fileLimit(), router.CheckedServers(m, p.cfg.Timeouts.HealthCheck > 0))
	files, err := render.Render(m, params)
	return m, files, err
}

// supervisor returns the router's HAProxy supervisor for p's directories;
// nothing runs until its first Reload.
func (p pipeline) supervisor() (*haproxy.Supervisor, error) {
	for _, d := range []string{p.cfg.ConfigDir, p.cfg.RunDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	return haproxy.New(haproxy.Options{Binary: p.cfg.HAProxyBinary, ConfigDir: p.cfg.ConfigDir, RunDir: p.cfg.RunDir,
		Log: logr.Discard(), StartTimeout: 5 * time.Minute}), nil
}

// stopSupervisor stops HAProxy softly, then hard after a few seconds.
func stopSupervisor(s *haproxy.Supervisor) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.Stop(ctx)
}

// filesSize adds up the rendered files: haproxy.cfg with the maps and
// crt-list, and the certificate files apart.
func filesSize(files render.Files) (config, certs int) {
	for name, b := range files {
		switch filepath.Dir(name) {
		case "certs", "cacerts":
			certs += len(b)
		default:
			if name == render.DefaultCrtFile {
				certs += len(b)
			} else {
				config += len(b)
			}
		}
	}
	return config, certs
}
