package ingresscontroller

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

// The allowed subjects reach the routers joined as OKD joins them; a
// pattern the routers refuse is named (admission rejects the spec), and
// the filter then lets no client in, never every client.
func TestSubjectFilter(t *testing.T) {
	for _, tc := range []struct {
		name     string
		patterns []string
		want     string
		problems []string // each names this
	}{
		{name: "none: no filter"},
		{name: "one", patterns: []string{`^/CN=ops$`}, want: `(?:(?:^/CN=ops$))`},
		// (?i) in the first stays there: joined bare, OKD's way, it
		// would make the second case-blind too.
		{name: "two", patterns: []string{`^/CN=ops(?i)`, `O=Example`}, want: `(?:(?:^/CN=ops(?i))|(?:O=Example))`},
		{name: "one refused: none taken (admission rejects the spec)", patterns: []string{`CN=(?!admin)`, `O=Example`}, want: matchNothing,
			problems: []string{`[0] "CN=(?!admin)": error parsing regexp`}},
		{name: "each taken, not together", patterns: []string{`(?P<n>a)`, `(?P<n>b)`}, want: matchNothing,
			problems: []string{`the patterns together: group name "n" used twice`}},
		{name: "together too long", patterns: []string{strings.Repeat("a", 9000), strings.Repeat("b", 9000)}, want: matchNothing,
			problems: []string{"the patterns together: 18013 bytes"}},
		{name: "all refused", patterns: []string{`[\d-z]`, ""}, want: matchNothing,
			problems: []string{"[0] ", "[1] "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, problems := subjectFilter(tc.patterns)
			if got != tc.want || len(problems) != len(tc.problems) {
				t.Fatalf("filter %q, problems %q; want %q and %d problems", got, problems, tc.want, len(tc.problems))
			}
			for i, p := range tc.problems {
				if !strings.Contains(problems[i], p) {
					t.Errorf("problem %q does not name %q", problems[i], p)
				}
			}
		})
	}
}

// While the bundle is not usable, the routers keep the check of their pod
// template; a new IngressController's wait for a usable bundle.
func TestHeldClientCA(t *testing.T) {
	want := clientCA{Policy: "required", Filter: "(?:(?:new))"}
	template := func(policy, filter, version string) *corev1.PodTemplateSpec {
		tmpl := &corev1.PodTemplateSpec{}
		tmpl.Spec.Containers = []corev1.Container{{Name: "router"}}
		if policy != "" {
			addClientCA(&tmpl.Spec, "ic", clientCA{Policy: policy})
			env := map[string]string{}
			addMutualTLS(env, clientCA{Policy: policy, Filter: filter})
			for k, v := range env {
				tmpl.Spec.Containers[0].Env = append(tmpl.Spec.Containers[0].Env, corev1.EnvVar{Name: k, Value: literalEnv(v)})
			}
			tmpl.Annotations = map[string]string{names.ClientCAVersionAnnotation: version}
		}
		return tmpl
	}
	for _, tc := range []struct {
		name string
		tmpl *corev1.PodTemplateSpec
		held clientCA // without Problems
		now  string
	}{
		{name: "no routers yet: they wait", held: want, now: "router pods wait for a usable bundle"},
		{name: "routers waiting already", tmpl: template("optional", "", ""), held: want, now: "router pods wait"},
		{name: "routers with a check keep it", tmpl: template("optional", "(?:(?:^/CN=a$))", "v1"),
			held: clientCA{Policy: "optional", Filter: "(?:(?:^/CN=a$))", Version: "v1"}, now: "keep the client-certificate check they have"},
		{name: "routers without a check go on without", tmpl: template("", "", ""), held: clientCA{},
			now: "serve without client certificates, as they do"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := heldClientCA(tc.tmpl, want, "ConfigMap openshift-config/x does not exist")
			problems := got.Problems
			got.Problems = nil
			if !reflect.DeepEqual(got, tc.held) {
				t.Errorf("held %+v, want %+v", got, tc.held)
			}
			if len(problems) != 1 || !strings.Contains(problems[0], "ConfigMap openshift-config/x does not exist; ") || !strings.Contains(problems[0], tc.now) {
				t.Errorf("problems %q, want one saying %q", problems, tc.now)
			}
		})
	}
}
