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
	// all: every backend is looked at (a new worker); otherwise only
	// those whose slots change, as only they can gain or lose a server.
	all bool
	// unsure: a try failed partway; every server is told again.
	unsure bool
}

// forWorker returns h to change for the worker numbered worker: h itself,
// changed in place (setServers drops it when a try fails), or an empty
// state for a new worker.
func (h healthState) forWorker(worker uint64) healthState {
	if worker == h.worker && h.off != nil {
		return h
	}
	return healthState{worker: worker, off: map[slotKey]bool{}, all: true}
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
// and off for a lone server (model.HealthChecked), recording it in h: in
// every backend of m for a new worker or after a failed try, else in the
// backends changes touch. Empty slots are left as they are: in
// maintenance nothing is checked, and a slot is looked at again when it is
// filled.
func (h *healthState) commands(m *model.Model, changes []model.ServerChange, check time.Duration) []string {
	backends := m.Backends
	if !h.all && !h.unsure {
		backends = changed(changes)
	}
	var cmds []string
	for _, b := range backends {
		cmds = append(cmds, h.backendCommands(b, check)...)
	}
	h.all, h.unsure = false, false // once the commands ran: setServers keeps h only then
	return cmds
}

// backendCommands sets the checks of b's filled slots as its server count
// wants them, where h does not record them so already.
func (h *healthState) backendCommands(b *model.Backend, check time.Duration) []string {
	if b.CheckEvery(check) == 0 {
		return nil
	}
	want := b.HealthChecked(check)
	var cmds []string
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
	return cmds
}

// changed lists the backends of changes once each (a backend's changes
// are listed together).
func changed(changes []model.ServerChange) []*model.Backend {
	var out []*model.Backend
	for _, c := range changes {
		if len(out) == 0 || out[len(out)-1] != c.Backend {
			out = append(out, c.Backend)
		}
	}
	return out
}
