package routeserver

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// TestTableNoHeaders: the columns come unless the request says NoHeaders,
// as a watch does after its first event.
func TestTableNoHeaders(t *testing.T) {
	r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Name: "web"}}
	for _, tc := range []struct {
		opts    *metav1.TableOptions
		columns int
	}{{nil, len(routeColumns)}, {&metav1.TableOptions{}, len(routeColumns)}, {&metav1.TableOptions{NoHeaders: true}, 0}} {
		var opts runtime.Object
		if tc.opts != nil {
			opts = tc.opts
		}
		table, err := tableConvertor{}.ConvertToTable(context.Background(), r, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(table.ColumnDefinitions) != tc.columns || len(table.Rows) != 1 {
			t.Errorf("options %+v: %d columns, %d rows; want %d and 1", tc.opts, len(table.ColumnDefinitions), len(table.Rows), tc.columns)
		}
	}
}
