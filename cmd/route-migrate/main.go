// Command route-migrate moves every Route between the Route CRD and the
// aggregated Route API server, keeping names, hosts, specs, status and which
// Route holds each contested host, while routers keep serving:
//
//	route-migrate --to aggregated   # CRD → Route API server (config/default)
//	route-migrate --to crd          # Route API server → CRD (config/crd-mode)
//
// Route writes are refused while it runs (a ValidatingAdmissionPolicy); every
// Route is written to a backup file first. It needs cluster-admin rights.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/okd-ingress/okd-ingress/config"
	"github.com/okd-ingress/okd-ingress/internal/manager"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routemigrate"
)

func main() {
	stamp := time.Now().UTC().Format("20060102-150405")
	to := flag.String("to", "", "where the Routes go: aggregated (the Route API server) or crd")
	o := routemigrate.Options{Logf: func(f string, a ...any) { fmt.Printf(f+"\n", a...) }, WebhookManifest: config.Webhooks}
	flag.StringVar(&o.Namespace, "namespace", names.OperatorNamespace, "namespace of the Route API server and the manager")
	flag.StringVar(&o.BackupFile, "backup", "routes-"+stamp+".json", "file that receives every Route before the move")
	flag.StringVar(&o.WebhooksFile, "webhooks-file", "route-webhooks.json", "file that keeps the Route webhook configurations between a move to aggregated and a move back")
	port := flag.Int("service-port", 443, "port of the Route API server's Service")
	flag.Parse()
	o.ServicePort = int32(*port)
	target := routemigrate.Target(*to)
	if target != routemigrate.ToAggregated && target != routemigrate.ToCRD {
		fmt.Fprintln(os.Stderr, "route-migrate: --to must be aggregated or crd")
		os.Exit(2)
	}
	crd, err := routesCRD()
	if err != nil {
		fmt.Fprintln(os.Stderr, "route-migrate:", err)
		os.Exit(1)
	}
	o.CRD = crd
	cfg, err := ctrl.GetConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "route-migrate:", err)
		os.Exit(1)
	}
	m, err := routemigrate.New(cfg, manager.Scheme(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "route-migrate:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := m.Run(ctx, target); err != nil {
		fmt.Fprintln(os.Stderr, "route-migrate:", err)
		os.Exit(1)
	}
}

// routesCRD is the Route CRD of config/crd, for a move back to the CRD on a
// cluster that has none.
func routesCRD() (*apiextensionsv1.CustomResourceDefinition, error) {
	data, err := config.CRDs.ReadFile(filepath.Join("crd", "bases", "route.openshift.io_routes.yaml"))
	if err != nil {
		return nil, err
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	return crd, utilyaml.Unmarshal(data, crd)
}
