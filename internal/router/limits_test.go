package router

import (
	"testing"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

func TestFitMaxConnections(t *testing.T) {
	for _, c := range []struct {
		want, limit, checked, out int
	}{
		{want: 50000, limit: 0, out: 50000},                       // no limit
		{want: 0, limit: 20000, out: 0},                           // HAProxy's automatic value
		{want: 5000, limit: 20000, checked: 400, out: 5000},       // fits
		{want: 50000, limit: 20000, out: 9950},                    // (20000-100)/2
		{want: 50000, limit: 20000, checked: 1000, out: 9450},     // each checked server takes a descriptor
		{want: 50000, limit: 20000, checked: 30000, out: 1},       // never 0 or negative
		{want: 50000, limit: 1 << 20, checked: 30000, out: 50000}, // a container's usual limit
	} {
		if got := fitMaxConnections(c.want, c.limit, c.checked); got != c.out {
			t.Errorf("fitMaxConnections(%d, %d, %d) = %d, want %d", c.want, c.limit, c.checked, got, c.out)
		}
	}
	m := &model.Model{Backends: []*model.Backend{{Name: "be_http:ns:a", Slots: make([]model.Slot, 4)}, {Name: "be_http:ns:b", Slots: make([]model.Slot, 2)}}}
	if n := checkedServers(m, time.Second); n != 6 {
		t.Errorf("checkedServers = %d, want 6", n)
	}
	// Spares get servers at runtime: the budget keeps four each, or
	// what one already has.
	model.AddSpares(m, 2, "random")
	m.Backends[0].Slots = make([]model.Slot, 6)
	if n := checkedServers(m, time.Second); n != 6+6+4 {
		t.Errorf("checkedServers with two spares, one holding six servers = %d, want 16", n)
	}
	if n := checkedServers(m, 0); n != 0 {
		t.Errorf("checkedServers without checks = %d, want 0", n)
	}
	// A route's own interval checks its servers even so.
	m.Backends = append(m.Backends, &model.Backend{Name: "be_http:ns:c", Slots: make([]model.Slot, 3), CheckInterval: time.Second})
	if n := checkedServers(m, 0); n != 3 {
		t.Errorf("checkedServers without checks but a route's own interval = %d, want 3", n)
	}
}
