package router

import (
	"strings"
	"testing"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

// backendWith builds a backend whose first filled slots hold servers.
func backendWith(name string, slots, filled int) *model.Backend {
	b := &model.Backend{Name: name}
	for i := range slots {
		s := model.Slot{Name: "s" + string(rune('1'+i))}
		if i < filled {
			srv := model.Server{Addr: "198.18.0.1", Port: int32(8080 + i), Weight: 1}
			s.Server = &srv
			b.Servers = append(b.Servers, srv)
		}
		b.Slots = append(b.Slots, s)
	}
	return b
}

// TestHealthState: a new worker turns off the checks of lone servers only,
// setting them up (a first check may have taken one down); in the same
// worker, a backend that gains a second server turns them on, one that
// loses it turns them off, added slots start off; nothing is sent twice;
// only the backends whose slots change are looked at; a backend without
// checks is left alone.
func TestHealthState(t *testing.T) {
	const check = 5 * time.Second
	steps := []struct {
		name     string
		worker   uint64
		backends []*model.Backend
		// changes name the backends (by index) whose slots change; added
		// slots are given by name, in the first backend.
		changes []int
		added   []string
		want    []string
	}{
		{"new worker", 1, []*model.Backend{backendWith("a", 2, 1), backendWith("b", 2, 2), backendWith("e", 2, 0)},
			nil, nil, []string{"disable health a/s1", "set server a/s1 health up"}},
		{"nothing changed", 1, []*model.Backend{backendWith("a", 2, 1), backendWith("b", 2, 2)}, nil, nil, nil},
		{"a gains a server, b loses one", 1, []*model.Backend{backendWith("a", 2, 2), backendWith("b", 2, 1)}, []int{0, 1}, nil,
			[]string{"enable health a/s1", "disable health b/s1", "set server b/s1 health up"}},
		{"a gains an added slot", 1, []*model.Backend{backendWith("a", 3, 3), backendWith("b", 2, 1)}, nil,
			[]string{"s3"}, []string{"enable health a/s3"}},
		{"b gains its second server back", 1, []*model.Backend{backendWith("a", 3, 3), backendWith("b", 2, 2)}, []int{1}, nil,
			[]string{"enable health b/s1"}},
		{"b loses it again, a changes: only b is looked at", 1, []*model.Backend{backendWith("a", 3, 1), backendWith("b", 2, 1)}, []int{1}, nil,
			[]string{"disable health b/s1", "set server b/s1 health up"}},
		{"a reload", 2, []*model.Backend{backendWith("a", 3, 1), backendWith("b", 2, 2)}, nil, nil,
			[]string{"disable health a/s1", "set server a/s1 health up"}},
	}
	var h healthState
	for _, st := range steps {
		m := &model.Model{Backends: st.backends}
		next := h.forWorker(st.worker)
		var changes []model.ServerChange
		for _, i := range st.changes {
			changes = append(changes, model.ServerChange{Backend: st.backends[i], Slot: "s1"})
		}
		for _, slot := range st.added {
			changes = append(changes, model.ServerChange{Backend: st.backends[0], Slot: slot, Added: true})
		}
		next.added(changes, check)
		got := next.commands(m, changes, check)
		if strings.Join(got, "\n") != strings.Join(st.want, "\n") {
			t.Errorf("%s: %q, want %q", st.name, got, st.want)
		}
		h = next
	}
	// After a failed try, every filled slot of a checked backend is told
	// again, and then no more.
	unsure := healthState{worker: 3, off: map[slotKey]bool{}, unsure: true}.forWorker(3)
	m := &model.Model{Backends: []*model.Backend{backendWith("a", 2, 1), backendWith("b", 3, 2)}}
	got := unsure.commands(m, nil, check)
	if want := []string{"disable health a/s1", "set server a/s1 health up", "enable health b/s1", "enable health b/s2"}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("unsure: %q, want %q", got, want)
	}
	if again := unsure.commands(m, nil, check); unsure.unsure || len(again) != 0 {
		t.Errorf("after telling every server: unsure %v, %q", unsure.unsure, again)
	}
	// A server of weight 0 takes no requests: its backend has one server.
	w := backendWith("w", 2, 2)
	w.Servers[1].Weight = 0
	lone := (healthState{}).forWorker(1)
	got = lone.commands(&model.Model{Backends: []*model.Backend{w}}, nil, check)
	if want := []string{"disable health w/s1", "set server w/s1 health up", "disable health w/s2", "set server w/s2 health up"}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("one server of weight 0: %q, want %q", got, want)
	}
	unchecked := &model.Model{Backends: []*model.Backend{backendWith("a", 2, 1)}}
	none := (healthState{}).forWorker(1)
	if got := none.commands(unchecked, nil, 0); len(got) != 0 {
		t.Errorf("without checks: %q", got)
	}
}
