package routeserver

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// tableConvertor prints Routes as `oc get routes` does on OKD.
type tableConvertor struct{}

var routeColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Name of the route"},
	{Name: "Host/Port", Type: "string", Description: "Host the routers serve the route at, or why none does"},
	{Name: "Path", Type: "string", Description: "Path prefix of the route"},
	{Name: "Services", Type: "string", Description: "Backends with their share of the traffic"},
	{Name: "Port", Type: "string", Description: "Target port of the endpoints"},
	{Name: "Termination", Type: "string", Description: "TLS termination and insecure edge termination policy"},
	{Name: "Wildcard", Type: "string", Description: "Wildcard policy"},
}

func (tableConvertor) ConvertToTable(_ context.Context, obj runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{}
	// A watch asks for the columns with its first event only.
	if o, ok := tableOptions.(*metav1.TableOptions); !ok || !o.NoHeaders {
		table.ColumnDefinitions = routeColumns
	}
	var routes []routev1.Route
	switch o := obj.(type) {
	case *routev1.Route:
		routes = []routev1.Route{*o}
	case *routev1.RouteList:
		routes = o.Items
		table.ResourceVersion, table.Continue, table.RemainingItemCount = o.ResourceVersion, o.Continue, o.RemainingItemCount
	default:
		return nil, fmt.Errorf("cannot print %T as a route table", obj)
	}
	if m, err := meta.ListAccessor(obj); err == nil && table.ResourceVersion == "" {
		table.ResourceVersion = m.GetResourceVersion()
	}
	for i := range routes {
		r := &routes[i]
		table.Rows = append(table.Rows, metav1.TableRow{
			Cells:  []any{r.Name, hostColumn(r), r.Spec.Path, servicesColumn(r), portColumn(r), terminationColumn(r), string(r.Spec.WildcardPolicy)},
			Object: runtime.RawExtension{Object: r},
		})
	}
	return table, nil
}

// hostColumn is the host admitted by the routers, with OKD's summaries: the
// rejection reason when no router admitted it, "Pending" when routers have
// seen it but none decided, and counts of further routers.
func hostColumn(r *routev1.Route) string {
	host, matched, reason := r.Spec.Host, false, ""
	admitted, rejected := 0, 0
	for _, in := range r.Status.Ingress {
		c := admittedCondition(in)
		switch {
		case c == nil:
		case c.Status == corev1.ConditionTrue:
			admitted++
			if !matched {
				matched, host = in.Host == r.Spec.Host, in.Host
			}
		case c.Status == corev1.ConditionFalse:
			rejected++
			reason = c.Reason
		}
	}
	switch {
	case r.Status.Ingress == nil:
	case admitted == 0 && rejected > 0:
		return reason
	case rejected > 0:
		return fmt.Sprintf("%s ... %d rejected", host, rejected)
	case admitted == 0:
		return "Pending"
	case admitted > 1:
		return fmt.Sprintf("%s ... %d more", host, admitted-1)
	}
	return host
}

func admittedCondition(in routev1.RouteIngress) *routev1.RouteIngressCondition {
	for i := range in.Conditions {
		if in.Conditions[i].Type == routev1.RouteAdmitted {
			return &in.Conditions[i]
		}
	}
	return nil
}

// servicesColumn lists the backends, each with its share of the traffic when
// there is more than one.
func servicesColumn(r *routev1.Route) string {
	backends := append([]routev1.RouteTargetReference{r.Spec.To}, r.Spec.AlternateBackends...)
	var total int32
	for _, b := range backends {
		if b.Weight != nil {
			total += *b.Weight
		}
	}
	out := make([]string, 0, len(backends))
	for _, b := range backends {
		switch {
		case b.Weight == nil, len(backends) == 1 && total != 0:
			out = append(out, b.Name)
		case total == 0:
			out = append(out, b.Name+"(0%)")
		default:
			out = append(out, fmt.Sprintf("%s(%d%%)", b.Name, *b.Weight*100/total))
		}
	}
	return strings.Join(out, ",")
}

func portColumn(r *routev1.Route) string {
	if r.Spec.Port == nil {
		return "<all>"
	}
	return r.Spec.Port.TargetPort.String()
}

// terminationColumn is termination/insecurePolicy, as OKD prints it.
func terminationColumn(r *routev1.Route) string {
	if r.Spec.TLS == nil {
		return ""
	}
	term, policy := string(r.Spec.TLS.Termination), string(r.Spec.TLS.InsecureEdgeTerminationPolicy)
	switch {
	case term != "" && policy != "":
		return term + "/" + policy
	case term != "":
		return term
	case policy != "":
		return "default/" + policy
	}
	return ""
}
