package router

import (
	"syscall"
	"time"

	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

// fdReserve is what HAProxy needs besides two descriptors per connection
// and one per health-checked server: listeners, CLI sockets, a poller and a
// wake-up pipe per thread.
const fdReserve = 100

// NofileLimit is the hard limit on open files, 0 when unknown or so large
// that it never binds.
func NofileLimit() int {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil || lim.Max > 1<<30 {
		return 0
	}
	return int(lim.Max)
}

// fitMaxConnections lowers maxconn to what the file-descriptor limit
// allows: HAProxy reserves about two descriptors per connection plus one
// per health-checked server, and refuses to start or reload when the limit
// is lower (even though `haproxy -c` passes), which would leave the router
// serving nothing, or stuck on an old configuration once routes grow. 0
// (HAProxy's automatic value) and a limit of 0 (none) keep want.
func fitMaxConnections(want, limit, checkedServers int) int {
	if want == 0 || limit == 0 {
		return want
	}
	if fit := (limit - fdReserve - checkedServers) / 2; want > fit {
		return max(fit, 1)
	}
	return want
}

// spareCheckedServers is how many checked servers the descriptor budget
// keeps for each spare: its servers are added at runtime, where HAProxy
// does not check the limit, so the budget is set aside at the reload.
const spareCheckedServers = 4

// checkedServers counts the servers HAProxy may health-check without a
// reload: every slot when checks are on (disabled slots carry the check
// too, and a backend with one server, unchecked, may gain a second), the servers a backend may gain at runtime (its capacity),
// and for a spare at least the servers a route that takes it is likely to
// bring. check is the router's interval; a route's own turns checks on
// for its backend.
func checkedServers(m *model.Model, check time.Duration) int {
	n := 0
	for _, b := range m.Backends {
		if b.CheckEvery(check) == 0 {
			continue
		}
		if model.IsSpare(b.Name) {
			n += max(len(b.Slots), spareCheckedServers)
			continue
		}
		n += max(len(b.Slots), b.Capacity)
	}
	return n
}
