package model

import "strconv"

// minSlots is the least capacity a backend gets: a Deployment scaled from
// 1 to 3 replicas must not need a reload.
const minSlots = 4

// slotCount is the capacity for n endpoints: half again as many, rounded
// up to a multiple of four, so that growth rarely reloads.
func slotCount(n int) int {
	want := n + n/2
	return max(minSlots, (want+3)/4*4)
}

// AssignSlots places each backend's servers into server slots. Each
// server that prev had stays in its slot, so that endpoint changes become
// a few runtime commands and established connections keep their server.
//
// A backend gets no empty slots: its servers are added at runtime as
// endpoints come (every balance algorithm the router takes lets HAProxy
// add servers), up to its Capacity, and its slots never shrink (a server
// that may still carry connections is emptied, not deleted, until a
// reload: Compact). A backend that outgrows its capacity gets more (which
// needs a reload). Empty server lines cost every reload their parsing and
// HAProxy memory for each: a quarter of a reload of plain routes with one
// endpoint each, and a third of the worker's memory.
func AssignSlots(prev, next *Model) {
	old := map[string]*Backend{}
	if prev != nil {
		for _, b := range prev.Backends {
			old[b.Name] = b
		}
	}
	for _, b := range next.Backends {
		assign(b, old[b.Name])
	}
}

// slotsFor is how many slots b gets after prev, and its Capacity.
func slotsFor(b, prev *Backend) (n, capacity int) {
	switch {
	case IsSpare(b.Name):
		capacity = SpareServerLimit // a route with more needs its own backend (fitsSpare)
	case prev != nil && prev.Capacity >= len(b.Servers):
		capacity = prev.Capacity
	default:
		capacity = slotCount(len(b.Servers))
	}
	n = len(b.Servers)
	if prev != nil {
		n = max(n, len(prev.Slots))
	}
	return n, capacity
}

func assign(b, prev *Backend) {
	n, capacity := slotsFor(b, prev)
	b.Capacity = capacity
	b.Slots = make([]Slot, n)
	for i := range b.Slots {
		b.Slots[i].Name = slotName(i)
	}
	placed := map[string]bool{}
	kept := 0 // slots that HAProxy already has, with their names
	if prev != nil {
		kept = len(prev.Slots)
		current := map[string]int{}
		for i := range b.Servers {
			current[b.Servers[i].Key()] = i
		}
		for i, s := range prev.Slots {
			b.Slots[i].Line = s.Line
			if s.Server == nil {
				continue
			}
			if j, ok := current[s.Server.Key()]; ok && b.Servers[j].Line == s.Line {
				b.Slots[i].Server = &b.Servers[j]
				placed[s.Server.Key()] = true
			}
		}
	}
	for i := range b.Servers {
		if !placed[b.Servers[i].Key()] {
			place(b, &b.Servers[i], kept)
		}
	}
	nameEmptySlots(b)
}

// place puts s into the first free slot that may take it: a slot HAProxy
// has (the first kept) only if its line is the same; else a new one.
// A backend that needs more slots than it has reloads (Resized).
func place(b *Backend, s *Server, kept int) {
	for i := range b.Slots {
		sl := &b.Slots[i]
		if sl.Server == nil && (i >= kept || sl.Line == s.Line) {
			sl.Server, sl.Line = s, s.Line
			return
		}
	}
	b.Slots = append(b.Slots, Slot{Name: slotName(len(b.Slots)), Server: s, Line: s.Line})
	b.Capacity = max(b.Capacity, len(b.Slots))
}

// nameEmptySlots gives the empty slots of a backend whose servers each
// check their Service's name the route's own Service's, so that no server
// line goes without a check (a runtime "set server addr" keeps the line's).
func nameEmptySlots(b *Backend) {
	if b.Reencrypt == nil || b.Reencrypt.ServiceHost == "" {
		return
	}
	for i := range b.Slots {
		if b.Slots[i].Server == nil && b.Slots[i].VerifyHost == "" {
			b.Slots[i].VerifyHost = b.Reencrypt.ServiceHost
		}
	}
}

// Compact drops the emptied server lines of m's backends and numbers the
// rest anew. Only for a model that goes live by a reload: the
// new HAProxy process starts with exactly the servers its config names,
// so no connection holds an emptied one, whereas a running process knows
// its servers by name. Capacity stays, so endpoints that come back are
// added at runtime as before.
func Compact(m *Model) {
	for _, b := range m.Backends {
		kept := b.Slots[:0]
		for _, s := range b.Slots {
			if s.Server != nil {
				s.Name = slotName(len(kept))
				kept = append(kept, s)
			}
		}
		b.Slots = kept
	}
}

// slotName names a backend's i-th slot (from 0): s1, s2, … A running
// HAProxy knows servers by these names, so every model numbers them alike.
func slotName(i int) string { return "s" + strconv.Itoa(i+1) }

// ServerChange is one slot whose server changed, to apply at runtime.
type ServerChange struct {
	// Backend is the slot's backend in the new model (its name, and the
	// options a server added to it is given).
	Backend *Backend
	Slot    string
	// Server is the new server; nil empties the slot.
	Server *Server
	// Prev is the slot's server before; nil: the slot was empty.
	Prev *Server
	// Added: the slot is new; HAProxy does not have it yet.
	Added bool
	// Line is what the slot's line says (an added slot's options).
	Line Line
}

// ServerChanges lists the slot changes from prev to next for backends whose
// slots have the same names in both, and the slots a backend gained; other
// differences need a reload.
func ServerChanges(prev, next *Model) []ServerChange {
	old := map[string]*Backend{}
	for _, b := range prev.Backends {
		old[b.Name] = b
	}
	var out []ServerChange
	for _, b := range next.Backends {
		p := old[b.Name]
		if p == nil || !sameSlotCount(p, b) {
			continue
		}
		for i, s := range b.Slots {
			switch {
			case i >= len(p.Slots):
				out = append(out, ServerChange{Backend: b, Slot: s.Name, Server: s.Server, Added: true, Line: s.Line})
			case !sameServer(s.Server, p.Slots[i].Server):
				out = append(out, ServerChange{Backend: b, Slot: s.Name, Server: s.Server, Prev: p.Slots[i].Server})
			}
		}
	}
	return out
}

func sameServer(a, b *Server) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
