package router

import (
	"time"

	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

// slotKey names a server of the running worker.
type slotKey struct{ backend, slot string }

// healthState is which servers of one HAProxy worker have their health
// checks turned off. A server line with "check" starts with them on, a
// server added at runtime with them off; the files do not say which the
// router turned off, so a new worker starts from the lines again.
type healthState struct {
	worker uint64
	off    map[slotKey]bool
	// unsure: a try failed partway; every server is told again.
	unsure bool
}

// forWorker returns a copy of h to change for the worker numbered worker:
// empty when that is a new worker.
func (h healthState) forWorker(worker uint64) healthState {
	next := healthState{worker: worker, off: map[slotKey]bool{}}
	if worker == h.worker {
		next.unsure = h.unsure
		for k, v := range h.off {
			next.off[k] = v
		}
	}
	return next
}

// added records the slots added at runtime with their checks off.
func (h healthState) added(changes []model.ServerChange, check time.Duration) {
	for _, c := range changes {
		if c.Added && c.Backend.CheckEvery(check) > 0 {
			h.off[slotKey{c.Backend.Name, c.Slot}] = true
		}
	}
}

// commands turns checks on for the servers of backends with more than one
// and off for a lone server (model.HealthChecked), recording it in h.
// Empty slots are left as they are: in maintenance nothing is checked,
// and a slot is looked at again when it is filled.
func (h *healthState) commands(m *model.Model, check time.Duration) []string {
	var cmds []string
	for _, b := range m.Backends {
		if b.CheckEvery(check) == 0 {
			continue
		}
		want := b.HealthChecked(check)
		for _, s := range b.Slots {
			k := slotKey{b.Name, s.Name}
			if s.Server == nil || h.off[k] == !want && !h.unsure {
				continue
			}
			cmds = append(cmds, haproxy.HealthCommands(b.Name, s.Name, want)...)
			if want {
				delete(h.off, k)
			} else {
				h.off[k] = true
			}
		}
	}
	h.unsure = false // once the commands ran: setServers keeps h only then
	return cmds
}
