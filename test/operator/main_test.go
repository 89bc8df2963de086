// Package operator tests the IngressController controller against a real
// kube-apiserver with the manager running: the exact objects it creates for
// each publishing strategy, the default certificate and its renewal, domain
// admission, status and scaling, deletion and selector changes. No
// controller manager runs, so router Deployments never roll out by
// themselves; tests that need a finished rollout write the Deployment's
// status themselves.
package operator

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/controllers/ingresscontroller"
	"github.com/okd-ingress/okd-ingress/internal/localcluster"
	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/syncbuf"
)

// clusterDomain is the manager's apps domain. The platform is AWS for the
// whole suite (it is per manager): IngressControllers without a strategy
// get an External load balancer, and Internal ones AWS's annotation.
const clusterDomain = "apps.op.test"

var (
	cluster *localcluster.Cluster
	k8s     client.Client
	ctx     = context.Background()
	mgrLog  lockedBuffer
)

func TestMain(m *testing.M) {
	var err error
	cluster, err = localcluster.Start(localcluster.Options{
		Domain: clusterDomain, Manager: true, Log: &mgrLog,
		Operator: ingresscontroller.Options{Platform: ingresscontroller.PlatformAWS, RouterImage: "okd-ingress:test", MinReadySeconds: 30},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the control plane:", err)
		os.Exit(1)
	}
	k8s = cluster.Client
	code := m.Run()
	if os.Getenv("SHOW_MANAGER_LOG") != "" {
		fmt.Fprintf(os.Stderr, "--- manager log ---\n%s\n", mgrLog.tail(1<<20))
	} else if code != 0 {
		fmt.Fprintf(os.Stderr, "--- manager log (last 40 lines; SHOW_MANAGER_LOG=1 shows all) ---\n%s\n", mgrLog.tail(40))
	}
	if err := cluster.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
	}
	os.Exit(code)
}

// lockedBuffer is the manager's log, of which a failed run prints the end.
type lockedBuffer struct{ syncbuf.Buffer }

func (b *lockedBuffer) tail(n int) string {
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// converge is how long the operator may take to react.
const converge = 30 * time.Second

// eventually polls f until it returns nil, failing the test with f's last
// error after timeout.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(converge)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, converge, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type icMod func(*operatorv1.IngressController)

func domain(d string) icMod { return func(ic *operatorv1.IngressController) { ic.Spec.Domain = d } }
func replicas(n int32) icMod {
	return func(ic *operatorv1.IngressController) { ic.Spec.Replicas = &n }
}
func strategy(s operatorv1.EndpointPublishingStrategy) icMod {
	return func(ic *operatorv1.IngressController) { ic.Spec.EndpointPublishingStrategy = &s }
}

// createIC creates an IngressController in the operator namespace and
// deletes it when the test ends.
func createIC(t *testing.T, name string, mods ...icMod) *operatorv1.IngressController {
	t.Helper()
	ic := &operatorv1.IngressController{ObjectMeta: metav1.ObjectMeta{Namespace: names.OperatorNamespace, Name: name}}
	for _, m := range mods {
		m(ic)
	}
	must(t, k8s.Create(ctx, ic))
	t.Cleanup(func() { _ = client.IgnoreNotFound(k8s.Delete(ctx, ic)) })
	return ic
}

func getIC(name string) (*operatorv1.IngressController, error) {
	ic := &operatorv1.IngressController{}
	return ic, k8s.Get(ctx, client.ObjectKey{Namespace: names.OperatorNamespace, Name: name}, ic)
}

// updateIC applies f to the latest IngressController, retrying on conflicts.
func updateIC(t *testing.T, name string, f func(*operatorv1.IngressController)) {
	t.Helper()
	eventually(t, "updating IngressController "+name, func() error {
		ic, err := getIC(name)
		if err != nil {
			return err
		}
		f(ic)
		return k8s.Update(ctx, ic)
	})
}

// touch changes an annotation, which makes the operator reconcile.
func touch(t *testing.T, name string) {
	t.Helper()
	updateIC(t, name, func(ic *operatorv1.IngressController) {
		if ic.Annotations == nil {
			ic.Annotations = map[string]string{}
		}
		ic.Annotations["test.okd-ingress.io/touched"] = time.Now().Format(time.RFC3339Nano)
	})
}

func condition(ic *operatorv1.IngressController, typ string) *operatorv1.OperatorCondition {
	for i := range ic.Status.Conditions {
		if ic.Status.Conditions[i].Type == typ {
			return &ic.Status.Conditions[i]
		}
	}
	return nil
}

// admittedIC waits for the IngressController's Admitted condition to be status.
func admittedIC(t *testing.T, name string, status operatorv1.ConditionStatus) *operatorv1.IngressController {
	t.Helper()
	var ic *operatorv1.IngressController
	eventually(t, name+" Admitted="+string(status), func() error {
		var err error
		if ic, err = getIC(name); err != nil {
			return err
		}
		if c := condition(ic, "Admitted"); c == nil || c.Status != status {
			return fmt.Errorf("Admitted = %+v", c)
		}
		return nil
	})
	return ic
}

// operand gets an object of the router namespace once it exists.
func operand(t *testing.T, name string, obj client.Object) {
	t.Helper()
	eventually(t, fmt.Sprintf("%T %s", obj, name), func() error {
		return k8s.Get(ctx, client.ObjectKey{Namespace: names.RouterNamespace, Name: name}, obj)
	})
}

func deployment(t *testing.T, ic string) *appsv1.Deployment {
	t.Helper()
	d := &appsv1.Deployment{}
	operand(t, names.RouterDeployment(ic), d)
	return d
}

// gone reports nil once the object does not exist.
func gone(obj client.Object, ns, name string) func() error {
	return func() error {
		err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("%T %s/%s still exists", obj, ns, name)
	}
}

func envOf(d *appsv1.Deployment) map[string]string {
	m := map[string]string{}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		m[e.Name] = e.Value
		if f := e.ValueFrom; f != nil && f.SecretKeyRef != nil {
			m[e.Name] = "secret " + f.SecretKeyRef.Name + " " + f.SecretKeyRef.Key
		}
	}
	return m
}

var nsSeq sync.Mutex
var nsCount int

// newNamespace creates a namespace with labels for one test.
func newNamespace(t *testing.T, prefix string, labels map[string]string) string {
	t.Helper()
	nsSeq.Lock()
	nsCount++
	name := fmt.Sprintf("%s-%d", prefix, nsCount)
	nsSeq.Unlock()
	must(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}))
	return name
}
