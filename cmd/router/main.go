// Command router serves Routes through HAProxy, one process per router pod.
// Its settings come from the ROUTER_* environment that the operator sets
// (OKD's contract); a few flags override them for local runs.
//
//	router                 run the router
//	router render [maps]   print the haproxy.cfg (and map files) it would serve, then exit
//	router logs            the "logs" sidecar: print the access log HAProxy sends to
//	                       ROUTER_SYSLOG_ADDRESS (a unix socket), a line per message
//	router serve-healthcheck
//	                       the canary DaemonSet's server (internal/canary): answer on
//	                       ports 8080 and 8888, for the operator's canary check
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/okd-ingress/okd-ingress/internal/canary"
	"github.com/okd-ingress/okd-ingress/internal/manager"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/router"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
	"github.com/okd-ingress/okd-ingress/internal/router/logrelay"
	"github.com/okd-ingress/okd-ingress/internal/router/render"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "logs" {
		os.Exit(relayLogs())
	}
	if len(os.Args) > 1 && os.Args[1] == "serve-healthcheck" {
		os.Exit(serveHealthcheck())
	}
	cfg := config.Defaults()
	if err := cfg.FromOSEnv(); err != nil {
		fmt.Fprintln(os.Stderr, "router:", err)
		os.Exit(2)
	}
	flag.StringVar(&cfg.HAProxyBinary, "haproxy", cfg.HAProxyBinary, "haproxy binary (ROUTER_HAPROXY_BINARY)")
	flag.StringVar(&cfg.ConfigDir, "config-dir", cfg.ConfigDir, "directory for haproxy.cfg, maps and certificates (ROUTER_CONFIG_DIR)")
	flag.StringVar(&cfg.RunDir, "run-dir", cfg.RunDir, "directory for HAProxy's sockets (ROUTER_RUN_DIR)")
	flag.StringVar(&cfg.StatsAddress, "stats-address", cfg.StatsAddress, "address for /healthz, /healthz/ready and /metrics (ROUTER_LISTEN_ADDR)")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("router").WithValues("router", cfg.RouterName)
	for _, w := range cfg.Warnings {
		log.Info("setting not used: " + w)
	}

	restCfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "no cluster configuration")
		os.Exit(1)
	}
	// Status writes come in bursts (a thousand routes applied at once).
	restCfg.QPS, restCfg.Burst = 100, 200
	r, err := router.New(restCfg, manager.Scheme(), cfg, log)
	if err != nil {
		log.Error(err, "setting up the router")
		os.Exit(1)
	}
	ctx := ctrl.SetupSignalHandler()
	if flag.Arg(0) == "render" {
		files, err := r.RenderOnce(ctx)
		if err != nil {
			log.Error(err, "rendering")
			os.Exit(1)
		}
		printFiles(files, flag.Arg(1) == "maps")
		return
	}
	if err := r.Run(ctx); err != nil {
		log.Error(err, "router stopped")
		os.Exit(1)
	}
}

// relayLogs runs the "logs" sidecar until it is stopped.
func relayLogs() int {
	path := os.Getenv(names.EnvRouterSyslogAddress)
	if path == "" {
		path = names.AccessLogSocket
	}
	conn, err := logrelay.Listen(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "router logs:", err)
		return 1
	}
	// Stopped with the router, it prints what the router logs while it
	// drains, until 10 s pass without a message.
	if err := logrelay.Serve(ctrl.SetupSignalHandler(), conn, os.Stdout, 10*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "router logs:", err)
		return 1
	}
	return 0
}

func serveHealthcheck() int {
	fmt.Fprintf(os.Stderr, "serving the canary healthcheck on ports %v\n", canary.Ports)
	if err := canary.Serve(ctrl.SetupSignalHandler()); err != nil {
		fmt.Fprintln(os.Stderr, "serve-healthcheck:", err)
		return 1
	}
	return 0
}

func printFiles(files render.Files, withMaps bool) {
	os.Stdout.Write(files[render.ConfigFile])
	if !withMaps {
		return
	}
	var names []string
	for n := range files {
		if strings.HasPrefix(n, render.MapDir+"/") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("\n# %s\n%s", n, files[n])
	}
}
