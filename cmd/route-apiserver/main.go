// Command route-apiserver serves route.openshift.io/v1 as an aggregated API
// server, as OKD's openshift-apiserver does: the main API server proxies
// /apis/route.openshift.io to it (APIService v1.route.openshift.io), and it
// stores Routes in etcd. Authentication and authorization are delegated to
// the main API server.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"
	genericapiserver "k8s.io/apiserver/pkg/server"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/component-base/cli/globalflag"

	"github.com/okd-ingress/okd-ingress/internal/routeserver"
)

func main() {
	o := routeserver.NewOptions()
	fs := pflag.NewFlagSet("route-apiserver", pflag.ExitOnError)
	o.AddFlags(fs)
	globalflag.AddGlobalFlags(fs, "route-apiserver")
	// The generic server's features (watch lists, list snapshots, ...), to
	// turn off one that misbehaves.
	utilfeature.DefaultMutableFeatureGate.AddFlag(fs)
	if err := fs.Parse(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "route-apiserver:", err)
		os.Exit(2)
	}
	if help, _ := fs.GetBool("help"); help {
		fmt.Fprintln(os.Stdout, "Usage of route-apiserver:")
		fs.SetOutput(os.Stdout)
		fs.PrintDefaults()
		return
	}
	ctx := genericapiserver.SetupSignalContext()
	if err := routeserver.Run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "route-apiserver:", err)
		os.Exit(1)
	}
}
