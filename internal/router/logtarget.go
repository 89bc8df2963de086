package router

import (
	"context"
	"net"
	"slices"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// logTargetCheck is how often the router looks up an access-log host name
// again: a syslog Service may be recreated with another address.
const logTargetCheck = 30 * time.Second

// logTargetLookup bounds one lookup of the access-log host name.
const logTargetLookup = 5 * time.Second

// withoutLogHostName returns l for the first render: nil (no access log)
// when its address is a host name, which resolveLogTarget fills in.
func withoutLogHostName(l *config.AccessLog) *config.AccessLog {
	if l == nil {
		return nil
	}
	if _, _, byName := config.LogHostName(l.Address); byName {
		return nil
	}
	return l
}

// resolveLogTarget looks up an access-log host name (OKD's API takes one)
// and has the next sync give HAProxy the address it has now. HAProxy
// would look the name up only when it starts, and refuse to start if it
// cannot: an access log must not cost the routes. Until a first answer
// the router serves without access logs; after one, a failed lookup keeps
// the address it had, and an address still among the answers is kept
// (DNS round robin must not reload HAProxy). It reports whether the
// address changed.
func (r *Router) resolveLogTarget(ctx context.Context) bool {
	host, port, byName := "", "", false
	if r.cfg.AccessLog != nil {
		host, port, byName = config.LogHostName(r.cfg.AccessLog.Address)
	}
	if !byName {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, logTargetLookup)
	defer cancel()
	lookup := r.lookupHost
	if lookup == nil {
		lookup = net.DefaultResolver.LookupNetIP
	}
	ips, err := lookup(ctx, "ip", host)
	if err == nil && len(ips) == 0 {
		err = &net.DNSError{Err: "no address", Name: host, IsNotFound: true}
	}
	served := r.params.Config.AccessLog
	if err != nil {
		if msg := err.Error(); msg != r.logTargetErr {
			r.logTargetErr = msg
			if served == nil {
				r.log.Error(err, "cannot resolve the access log's syslog host; serving without access logs until it resolves", "address", r.cfg.AccessLog.Address)
			} else {
				r.log.Error(err, "cannot resolve the access log's syslog host; still logging to the address it had", "address", r.cfg.AccessLog.Address, "to", served.Address)
			}
		}
		return false
	}
	r.logTargetErr = ""
	addrs := make([]string, len(ips))
	for i, ip := range ips {
		addrs[i] = net.JoinHostPort(ip.Unmap().String(), port)
	}
	if served != nil && slices.Contains(addrs, served.Address) {
		return false
	}
	l := *r.cfg.AccessLog
	l.Address = addrs[0]
	r.params.Config.AccessLog, r.stale = &l, true
	r.log.Info("the access log's syslog host resolved; reloading", "address", r.cfg.AccessLog.Address, "to", l.Address)
	return true
}
