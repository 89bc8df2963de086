package main

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
)

// pod is a fast backend: a few bytes per answer, so that the router, not
// the backend, is what a data-plane benchmark measures (the echo pods of
// the e2e suites marshal JSON). It serves HTTP on framework.HTTPPort and,
// with a certificate, TLS on framework.HTTPSPort, and remembers when it
// got its first request, which is when an endpoint became reachable.
type pod struct {
	Name, Addr string
	first      atomic.Int64 // unix nanoseconds of the first request, 0 before
	last       atomic.Int64 // unix nanoseconds of the latest request
	servers    []*http.Server
}

var okBody = []byte("ok\n")

// startPod serves on addr until Close.
func startPod(name, addr string, cert *tls.Certificate) (*pod, error) {
	p := &pod{Name: name, Addr: addr}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().UnixNano()
		p.first.CompareAndSwap(0, now)
		p.last.Store(now)
		w.Header().Set("X-Pod", name)
		if r.URL.Path == seenPath {
			w.Header().Set("X-Seen", seenHeaders(r.Header))
		}
		w.Header().Set("Content-Length", "3")
		_, _ = w.Write(okBody)
	})
	if err := p.serve(net.JoinHostPort(addr, strconv.Itoa(framework.HTTPPort)), h, nil); err != nil {
		return nil, err
	}
	if cert != nil {
		cfg := &tls.Config{Certificates: []tls.Certificate{*cert}, NextProtos: []string{"http/1.1"}}
		if err := p.serve(net.JoinHostPort(addr, strconv.Itoa(framework.HTTPSPort)), h, cfg); err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

func (p *pod) serve(addr string, h http.Handler, cfg *tls.Config) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if cfg != nil {
		l = tls.NewListener(l, cfg)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	p.servers = append(p.servers, srv)
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // closed under it: nothing to report
		}
	}()
	return nil
}

// FirstHit is when the pod answered its first request (zero before).
func (p *pod) FirstHit() time.Time {
	if n := p.first.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Idle is how long ago the pod answered its latest request.
func (p *pod) Idle() time.Duration { return time.Since(time.Unix(0, p.last.Load())) }

// Close stops the pod and drops its connections.
func (p *pod) Close() {
	for _, s := range p.servers {
		_ = s.Close()
	}
}

// seenPath asks a pod which request headers it got (X-Seen): a data-plane
// baseline that claims to send what the router sends is checked with it.
const seenPath = "/seen-headers"

// seenHeaders lists the names of the forwarded headers in h, sorted.
func seenHeaders(h http.Header) string {
	var names []string
	for k := range h {
		if strings.HasPrefix(k, "X-Forwarded-") || k == "Forwarded" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

// newPodAddr is a fresh pod address in the namespace's test range.
func newPodAddr() string { return framework.NewAddr(framework.PodNet) }

// createService creates a Service and its EndpointSlice with pods as ready
// endpoints, as the EndpointSlice controller would.
func createService(ctx context.Context, c client.Client, ns, name string, pods ...*pod) (*discoveryv1.EndpointSlice, error) {
	svc, sl := serviceFor(ns, name, podAddrs(pods), framework.HTTPPort, framework.HTTPSPort)
	if err := c.Create(ctx, svc); err != nil {
		return nil, err
	}
	return sl, c.Create(ctx, sl)
}

// setPods makes pods the ready endpoints of a slice created by createService.
func setPods(ctx context.Context, c client.Client, sl *discoveryv1.EndpointSlice, pods ...*pod) error {
	setEndpoints(sl, podAddrs(pods))
	return c.Update(ctx, sl)
}

func podAddrs(pods []*pod) []string {
	out := make([]string, 0, len(pods))
	for _, p := range pods {
		out = append(out, p.Addr)
	}
	return out
}

// createApp creates a synthetic application through the API.
func createApp(ctx context.Context, c client.Client, a app) error {
	for _, obj := range []client.Object{a.Service.DeepCopy(), a.Slice.DeepCopy(), a.Route.DeepCopy()} {
		obj.SetUID("")
		obj.SetCreationTimestamp(metav1.Time{})
		if err := c.Create(ctx, obj); err != nil {
			return err
		}
	}
	return nil
}

// createNamespace creates a namespace with labels.
func createNamespace(ctx context.Context, c client.Client, name string, labels map[string]string) error {
	ns := &corev1.Namespace{}
	ns.Name, ns.Labels = name, labels
	return c.Create(ctx, ns)
}
