package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"

	"github.com/okd-ingress/okd-ingress/internal/router"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
	"github.com/okd-ingress/okd-ingress/internal/router/render"
	"github.com/okd-ingress/okd-ingress/internal/router/watch"
)

// pipeline runs the router's pure stages (router.Plan, as the router
// does) on a snapshot the benchmark builds instead of one read from
// informers, and supervises HAProxy as the router does.
type pipeline struct {
	// params.Config is the router's configuration.
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
	return pipeline{params: render.Params{
		Config: cfg, ConfigDir: cfg.ConfigDir, StatsSocket: haproxy.StatsSocket(cfg.RunDir),
		MetricsSocket:      "unix@" + filepath.Join(cfg.RunDir, "metrics.sock"),
		TLSSocket:          "unix@" + filepath.Join(cfg.RunDir, "tls.sock"), // as the router's
		DefaultCertificate: defaultCert, HardStopAfter: time.Hour,
	}}
}

// plan renders s with the router's own pipeline (router.Plan); prev keeps
// server slots stable, as in the router.
func (p pipeline) plan(s *snapshot, prev *model.Model) (*model.Model, render.Files, error) {
	snap := &watch.Snapshot{Routes: s.Routes, Services: s.Services, Slices: s.Slices}
	res, m, files, err := router.Plan(p.params, router.NofileLimit(), snap, prev, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	if len(res.Routes) != len(s.Routes) {
		// A synthetic route the router rejects would make every number wrong.
		for k, v := range res.Verdicts {
			if !v.Admitted {
				return nil, nil, fmt.Errorf("route %s not admitted: %s: %s", k, v.Reason, v.Message)
			}
		}
	}
	return m, files, nil
}

// supervisor returns the router's HAProxy supervisor for p's directories;
// nothing runs until its first Reload.
func (p pipeline) supervisor() (*haproxy.Supervisor, error) {
	for _, d := range []string{p.params.Config.ConfigDir, p.params.Config.RunDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	return haproxy.New(haproxy.Options{Binary: p.params.Config.HAProxyBinary, ConfigDir: p.params.Config.ConfigDir, RunDir: p.params.Config.RunDir,
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
