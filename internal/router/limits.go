package router

import (
	"syscall"

	"github.com/go-logr/logr"
)

// fitMaxConnections lowers maxconn to what the process's file-descriptor
// limit allows: HAProxy refuses to start when it cannot get about two
// descriptors per connection, which would leave the router serving
// nothing. A lowered value is logged; 0 (HAProxy's automatic value) is kept.
func fitMaxConnections(want int, log logr.Logger) int {
	var lim syscall.Rlimit
	if want == 0 || syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil || lim.Max > 1<<30 {
		return want
	}
	const reserve = 100 // listeners, sockets, files
	if limit := (int(lim.Max) - reserve) / 2; want > limit {
		log.Info("lowering maxconn to fit the file-descriptor limit", "wanted", want, "maxconn", limit, "nofile", lim.Max)
		return max(limit, 1)
	}
	return want
}
