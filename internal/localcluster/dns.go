package localcluster

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/okd-ingress/okd-ingress/config"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// DNSOptions configure the cluster's DNS (StartDNS).
type DNSOptions struct {
	// Address is where CoreDNS answers, on port 53: an address every
	// network namespace of the cluster reaches.
	Address net.IP
	// Zone is the DNS zone of the apps domains (okd.test for
	// apps.okd.test); ExternalDNS writes no record outside it.
	Zone string
	// Interval, when set, makes ExternalDNS sync only that often, as it
	// does by default (1m); when zero it syncs on every change of a
	// DNSEndpoint, at most once a second (--events).
	Interval time.Duration
}

// DNS is the cluster's DNS as the local stack runs it: CoreDNS answers
// cluster.local from the API server (Services by name, as a cluster's DNS)
// and the apps zone from etcd, where ExternalDNS, with the permissions of
// config/components/externaldns, writes the operator's wildcard records.
type DNS struct {
	// Server is CoreDNS's address, host:53.
	Server string
}

// corefile serves cluster.local and the apps zone on one address.
// CoreDNS's etcd plugin serves no wildcard records (coredns/coredns#4314):
// it reads "*" in a query as "any name", so each query for a name one label
// under a domain is rewritten to "*.<domain>", which finds the record
// ExternalDNS stored for *.<domain>, and the answer is renamed back. Names
// two or more labels under a domain therefore do not resolve here, nor does
// a domain nested in another managed domain keep its records apart; a
// cloud DNS provider has neither limit.
var corefile = template.Must(template.New("Corefile").Parse(`cluster.local:53 {
    bind {{.Address}}
    errors
    kubernetes cluster.local {
        kubeconfig {{.Kubeconfig}}
    }
}
{{.Zone}}:53 {
    bind {{.Address}}
    errors
    rewrite stop {
        name regex ^[^.*]+\.(.+\.{{.ZoneRegex}})\.$ *.{1}.
        answer auto
    }
    etcd {{.Zone}} {
        path /skydns
        endpoint {{.Etcd}}
    }
}
.:53 {
    bind {{.Address}}
    errors
}
`))

// StartDNS runs CoreDNS and ExternalDNS beside the control plane (with
// the simulated components: Stop stops them too), and returns once both
// answer.
func (c *Cluster) StartDNS(o DNSOptions) (*DNS, error) {
	bins, err := binsDir("dns-dir", "coredns", "external-dns")
	if err != nil {
		return nil, err
	}
	if c.SimDir == "" {
		if err := c.makeSimDir(""); err != nil {
			return nil, err
		}
	}
	admin, err := c.writeComponentKubeconfig()
	if err != nil {
		return nil, err
	}
	etcd := c.Env.ControlPlane.Etcd.URL.String()
	var conf bytes.Buffer
	if err := corefile.Execute(&conf, map[string]string{
		"Address": o.Address.String(), "Kubeconfig": admin, "Zone": o.Zone,
		"ZoneRegex": strings.ReplaceAll(o.Zone, ".", `\.`), "Etcd": etcd,
	}); err != nil {
		return nil, err
	}
	confPath := filepath.Join(c.SimDir, "Corefile")
	if err := os.WriteFile(confPath, conf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	server := net.JoinHostPort(o.Address.String(), "53")
	ctx, cancel := context.WithTimeout(context.Background(), startupTimeout)
	defer cancel()
	coredns, err := startProcess(c.SimDir, "coredns", filepath.Join(bins, "coredns"), "-conf", confPath)
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, coredns)
	if err := coredns.waitReady(ctx, func(ctx context.Context) error {
		_, err := Resolve(ctx, server, "kubernetes.default.svc.cluster.local")
		return err
	}); err != nil {
		return nil, err
	}
	return &DNS{Server: server}, c.startExternalDNS(ctx, bins, etcd, o)
}

// startExternalDNS runs ExternalDNS with the coredns provider (records in
// etcd under /skydns) and the RBAC of config/components/externaldns.
func (c *Cluster) startExternalDNS(ctx context.Context, bins, etcd string, o DNSOptions) error {
	if err := c.apply(ctx, config.ExternalDNSRBAC); err != nil {
		return err
	}
	u, err := c.Env.AddUser(envtest.User{
		Name:   "system:serviceaccount:" + names.OperatorNamespace + ":okd-ingress-external-dns",
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + names.OperatorNamespace, "system:authenticated"},
	}, nil)
	if err != nil {
		return err
	}
	data, err := u.KubeConfig()
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(c.SimDir, "external-dns.kubeconfig")
	if err := os.WriteFile(kubeconfig, data, 0o600); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	metrics := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{"--kubeconfig=" + kubeconfig, "--source=crd", "--crd-source-apiversion=externaldns.k8s.io/v1alpha1",
		"--crd-source-kind=DNSEndpoint", "--namespace=" + names.OperatorNamespace, "--provider=coredns",
		"--domain-filter=" + o.Zone, "--registry=txt", "--txt-owner-id=okd-local", "--policy=sync", "--metrics-address=" + metrics}
	if o.Interval > 0 {
		args = append(args, "--interval="+o.Interval.String())
	} else {
		// React to a new record at once, not at the next interval.
		args = append(args, "--events", "--min-event-sync-interval=1s", "--interval=30s")
	}
	p, err := startProcessEnv(c.SimDir, "external-dns", filepath.Join(bins, "external-dns"), []string{"ETCD_URLS=" + etcd}, args...)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	return p.waitReady(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+metrics+"/healthz", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("healthz: %s", resp.Status)
		}
		return nil
	})
}

// Resolve asks server for name's addresses.
func Resolve(ctx context.Context, server, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
	return r.LookupHost(ctx, name)
}
