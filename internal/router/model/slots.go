package model

import "strconv"

// minSlots is the fewest server lines a backend gets: a Deployment scaled
// from 1 to 3 replicas must not need a reload.
const minSlots = 4

// slotCount is the number of server lines for n endpoints: half again as
// many, rounded up to a multiple of four, so that growth rarely reloads.
func slotCount(n int) int {
	want := n + n/2
	return max(minSlots, (want+3)/4*4)
}

// AssignSlots places each backend's servers into server slots. A backend
// that prev also has keeps its slot count when its servers fit, and each
// server that prev had stays in its slot, so that endpoint changes become
// a few runtime commands and established connections keep their server.
// A backend that outgrows its slots gets more (which needs a reload). A
// spare has no empty slots to begin with: its servers are added at
// runtime as routes need them, and its slots never shrink (a server that
// may still carry connections is emptied, not deleted).
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

func assign(b, prev *Backend) {
	n := slotCount(len(b.Servers))
	switch {
	case IsSpare(b.Name) && prev != nil:
		n = max(len(prev.Slots), len(b.Servers))
	case IsSpare(b.Name):
		n = len(b.Servers)
	case prev != nil && len(prev.Slots) >= len(b.Servers):
		n = len(prev.Slots)
	}
	b.Slots = make([]Slot, n)
	for i := range b.Slots {
		b.Slots[i].Name = "s" + strconv.Itoa(i+1)
	}
	placed := map[string]bool{}
	if prev != nil && (len(prev.Slots) == n || IsSpare(b.Name)) {
		current := map[string]int{}
		for i := range b.Servers {
			current[b.Servers[i].Key()] = i
		}
		for i, s := range prev.Slots {
			if s.Server == nil {
				continue
			}
			if j, ok := current[s.Server.Key()]; ok {
				b.Slots[i].Server = &b.Servers[j]
				placed[s.Server.Key()] = true
			}
		}
	}
	free := 0
	for i := range b.Servers {
		if placed[b.Servers[i].Key()] {
			continue
		}
		for b.Slots[free].Server != nil {
			free++
		}
		b.Slots[free].Server = &b.Servers[i]
	}
}

// ServerChange is one slot whose server changed, to apply at runtime.
type ServerChange struct {
	Backend string
	Slot    string
	// Server is the new server; nil empties the slot.
	Server *Server
	// Prev is the slot's server before; nil: the slot was empty.
	Prev *Server
	// Added: the slot is new in a spare; HAProxy does not have it yet.
	Added bool
}

// ServerChanges lists the slot changes from prev to next for backends whose
// slots have the same names in both, and the slots a spare gained; other
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
				out = append(out, ServerChange{Backend: b.Name, Slot: s.Name, Server: s.Server, Added: true})
			case !sameServer(s.Server, p.Slots[i].Server):
				out = append(out, ServerChange{Backend: b.Name, Slot: s.Name, Server: s.Server, Prev: p.Slots[i].Server})
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
