package router

import (
	"strings"

	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

// proxyLabels are the labels OKD's router gives the series of a route's
// backend: backend (its kind), namespace and route. HAProxy's own exporter
// names a series by proxy (and server) only; the router adds these, so
// that queries and dashboards written for OKD's labels find the routes.
type proxyLabels struct{ backend, namespace, route string }

// routeLabels maps the served model's backends to their labels, a spare
// by the route that holds it.
func routeLabels(m *model.Model) map[string]proxyLabels {
	if m == nil {
		return nil
	}
	out := make(map[string]proxyLabels, len(m.Backends))
	for _, b := range m.Backends {
		if b.Route.Name != "" {
			out[b.Name] = proxyLabels{backend: backendKind(b.Name), namespace: b.Route.Namespace, route: b.Route.Name}
		}
	}
	return out
}

// backendKind is OKD's backend label for a backend's name.
func backendKind(name string) string {
	prefix, _, _ := strings.Cut(name, ":")
	switch {
	case prefix == model.HTTPBackendPrefix:
		return "http"
	case prefix == model.EdgeBackendPrefix:
		return "https-edge"
	case prefix == model.ReencryptBackendPrefix:
		return "https"
	case prefix == model.PassthroughBackendPrefix:
		return "tcp"
	case model.IsSpare(name):
		// A route that went live without a reload; its kind shows once
		// the next reload gives it a backend of its own.
		return "spare"
	}
	return "other/" + name
}

// relabel adds OKD's labels to one line of HAProxy's exporter output:
// frontend to frontend series; backend, namespace and route to a route's
// backend series (backend "other/<proxy>" to the router's own backends);
// namespace and route to a route's server series. Names and namespaces
// are DNS labels, and proxy names the router's own: nothing to escape.
func relabel(line string, byProxy map[string]proxyLabels) string {
	if line == "" || line[0] == '#' {
		return line
	}
	open, end := strings.IndexByte(line, '{'), strings.LastIndexByte(line, '}')
	if open < 0 || end < open {
		return line
	}
	proxy, ok := labelValue(line[open+1:end], "proxy")
	if !ok {
		return line
	}
	name := line[:open]
	l, known := byProxy[proxy]
	var add string
	switch {
	case strings.HasPrefix(name, "haproxy_frontend_"):
		add = `frontend="` + proxy + `"`
	case strings.HasPrefix(name, "haproxy_backend_") && known:
		add = `backend="` + l.backend + `",namespace="` + l.namespace + `",route="` + l.route + `"`
	case strings.HasPrefix(name, "haproxy_backend_"):
		add = `backend="other/` + proxy + `"`
	case strings.HasPrefix(name, "haproxy_server_") && known:
		add = `namespace="` + l.namespace + `",route="` + l.route + `"`
	default:
		return line
	}
	return line[:end] + "," + add + line[end:]
}

// labelValue reads one label's value from a series' label set.
func labelValue(labels, name string) (string, bool) {
	for rest := labels; rest != ""; {
		i := strings.Index(rest, name+`="`)
		if i < 0 {
			return "", false
		}
		if i == 0 || rest[i-1] == ',' {
			v := rest[i+len(name)+2:]
			if j := strings.IndexByte(v, '"'); j >= 0 {
				return v[:j], true
			}
			return "", false
		}
		rest = rest[i+len(name)+2:]
	}
	return "", false
}
