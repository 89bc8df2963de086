package router

import (
	"testing"

	"k8s.io/apimachinery/pkg/types"

	"github.com/okd-ingress/okd-ingress/internal/router/model"
)

func TestRelabel(t *testing.T) {
	labels := routeLabels(&model.Model{Backends: []*model.Backend{
		{Name: "be_http:ns:web", Route: types.NamespacedName{Namespace: "ns", Name: "web"}},
		{Name: "be_edge_http:ns:edge", Route: types.NamespacedName{Namespace: "ns", Name: "edge"}},
		{Name: "be_secure:ns:re", Route: types.NamespacedName{Namespace: "ns", Name: "re"}},
		{Name: "be_tcp:ns:pt", Route: types.NamespacedName{Namespace: "ns", Name: "pt"}},
		{Name: "_spare_3", Route: types.NamespacedName{Namespace: "other", Name: "new"}},
		{Name: "_spare_4"},
	}})
	for _, tc := range []struct{ in, want string }{
		{`haproxy_backend_http_responses_total{proxy="be_http:ns:web",code="2xx"} 12`,
			`haproxy_backend_http_responses_total{proxy="be_http:ns:web",code="2xx",backend="http",namespace="ns",route="web"} 12`},
		{`haproxy_backend_bytes_in_total{proxy="be_edge_http:ns:edge"} 1`,
			`haproxy_backend_bytes_in_total{proxy="be_edge_http:ns:edge",backend="https-edge",namespace="ns",route="edge"} 1`},
		{`haproxy_backend_status{proxy="be_secure:ns:re",state="UP"} 1`,
			`haproxy_backend_status{proxy="be_secure:ns:re",state="UP",backend="https",namespace="ns",route="re"} 1`},
		{`haproxy_server_current_sessions{proxy="be_tcp:ns:pt",server="s1"} 0`,
			`haproxy_server_current_sessions{proxy="be_tcp:ns:pt",server="s1",namespace="ns",route="pt"} 0`},
		{`haproxy_backend_connections_total{proxy="_spare_3"} 4`,
			`haproxy_backend_connections_total{proxy="_spare_3",backend="spare",namespace="other",route="new"} 4`},
		{`haproxy_backend_connections_total{proxy="_spare_4"} 0`, `haproxy_backend_connections_total{proxy="_spare_4",backend="other/_spare_4"} 0`},
		{`haproxy_server_current_sessions{proxy="_spare_4",server="s1"} 0`, `haproxy_server_current_sessions{proxy="_spare_4",server="s1"} 0`},
		{`haproxy_backend_connections_total{proxy="_not_found"} 2`, `haproxy_backend_connections_total{proxy="_not_found",backend="other/_not_found"} 2`},
		{`haproxy_frontend_http_requests_total{proxy="public"} 5`, `haproxy_frontend_http_requests_total{proxy="public",frontend="public"} 5`},
		{`haproxy_process_nbthread 1`, `haproxy_process_nbthread 1`},
		{`# HELP haproxy_backend_status Current status {proxy="x"}`, `# HELP haproxy_backend_status Current status {proxy="x"}`},
		{`haproxy_backend_x{noproxy="be_http:ns:web"} 1`, `haproxy_backend_x{noproxy="be_http:ns:web"} 1`},
		{``, ``},
	} {
		if got := relabel(tc.in, labels); got != tc.want {
			t.Errorf("relabel(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
