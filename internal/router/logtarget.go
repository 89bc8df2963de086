package router

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// logTargetCheck is how often the router looks up an access-log host name
// again: a syslog Service may be recreated with another address.
const logTargetCheck = 30 * time.Second

// logTargetLookup bounds one lookup of the access-log host name;
// firstLogLookupWait how long a starting router waits for the first.
const (
	logTargetLookup    = 5 * time.Second
	firstLogLookupWait = time.Second
)

// logLookup is one answer for the access log's host name.
type logLookup struct {
	addrs []netip.Addr
	err   error
}

// withoutLogHostName returns l for the first render: nil (no access log)
// when its address is a host name, which applyLogTarget fills in.
func withoutLogHostName(l *config.AccessLog) *config.AccessLog {
	if l == nil {
		return nil
	}
	if _, _, byName := config.LogHostName(l.Address); byName {
		return nil
	}
	return l
}

// logHost is the access log's host name; "" when its address is not one.
func (r *Router) logHost() string {
	if r.cfg.AccessLog == nil {
		return ""
	}
	host, _, _ := config.LogHostName(r.cfg.AccessLog.Address)
	return host
}

// lookupLogHost looks the access log's host name up once.
func lookupLogHost(ctx context.Context, host string) logLookup {
	ctx, cancel := context.WithTimeout(ctx, logTargetLookup)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	return logLookup{addrs: addrs, err: err}
}

// watchLogHost looks the access log's host name up now and every
// logTargetCheck, and hands each answer to the sync loop: a slow DNS
// server must not hold up the routes.
func watchLogHost(ctx context.Context, host string, out chan<- logLookup) {
	for {
		answer := lookupLogHost(ctx, host)
		select {
		case out <- answer:
		case <-ctx.Done():
			return
		}
		select {
		case <-time.After(logTargetCheck):
		case <-ctx.Done():
			return
		}
	}
}

// applyLogTarget has the next sync give HAProxy the address an answer for
// the access log's host name gives (OKD's API takes a name). HAProxy would
// look the name up only when it starts, and refuse to start if it cannot:
// an access log must not cost the routes. Until a first answer the router
// serves without access logs; after one, a failed lookup keeps the
// address it had, and an address still among the answers is kept (DNS
// round robin must not reload HAProxy). It reports whether the address
// changed.
func (r *Router) applyLogTarget(res logLookup) bool {
	want := r.cfg.AccessLog
	_, port, _ := config.LogHostName(want.Address)
	var addrs []string
	for _, ip := range res.addrs {
		if ip.Zone() == "" { // a zone has no place in HAProxy's address
			addrs = append(addrs, net.JoinHostPort(ip.Unmap().String(), port))
		}
	}
	err := res.err
	if err == nil && len(addrs) == 0 {
		err = &net.DNSError{Err: "no usable address", Name: r.logHost(), IsNotFound: true}
	}
	served := r.params.Config.AccessLog
	if err != nil {
		if msg := err.Error(); msg != r.logTargetErr {
			r.logTargetErr = msg
			if served == nil {
				r.log.Error(err, "cannot resolve the access log's syslog host; serving without access logs until it resolves", "address", want.Address)
			} else {
				r.log.Error(err, "cannot resolve the access log's syslog host; still logging to the address it had", "address", want.Address, "to", served.Address)
			}
		}
		return false
	}
	r.logTargetErr = ""
	if served != nil && slices.Contains(addrs, served.Address) {
		return false
	}
	l := *want
	l.Address = addrs[0]
	r.params.Config.AccessLog, r.stale = &l, true
	r.log.Info("the access log's syslog host resolved; reloading", "address", want.Address, "to", l.Address)
	return true
}
