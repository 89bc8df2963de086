package routeapi

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// Routers give a contested host to the oldest Route. A Route moved between
// the Route CRD and the Route API server is created anew, so the move keeps
// its original creation time and UID in the annotation
// route.okd-ingress.io/created ("<RFC 3339 time> <UID>"), and its age is
// read from there. Backdating a Route would take hosts from others, so only
// a user allowed to `create routes/migrate` across the cluster (cluster
// admins; a grant in one namespace does not count) may set or change
// the annotation, and no one may remove it (KeepCreated).

// FormatCreated is the annotation's value for a creation time and UID.
func FormatCreated(t time.Time, uid string) string {
	return t.UTC().Format(time.RFC3339) + " " + uid
}

// parseCreated reads the annotation's value.
func parseCreated(v string) (time.Time, string, error) {
	ts, uid, ok := strings.Cut(v, " ")
	if !ok || uid == "" || strings.ContainsAny(uid, " \t\r\n") {
		return time.Time{}, "", fmt.Errorf(`want "<RFC 3339 time> <UID>"`)
	}
	t, err := time.Parse(time.RFC3339, ts)
	return t, uid, err
}

// Age is what orders a Route among others claiming a host: its creation
// time and UID, or those of the annotation when it carries a valid one.
func Age(r *routev1.Route) (metav1.Time, string) {
	if v, ok := r.Annotations[names.CreatedAnnotation]; ok {
		if t, uid, err := parseCreated(v); err == nil {
			return metav1.NewTime(t), uid
		}
	}
	return r.CreationTimestamp, string(r.UID)
}

// Older orders Routes as routers admit them, oldest first: by age, then by
// namespace and name.
func Older(a, b *routev1.Route) bool {
	ta, ua := Age(a)
	tb, ub := Age(b)
	if !ta.Equal(&tb) {
		return ta.Before(&tb)
	}
	if ua != ub {
		return ua < ub
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}

// KeepCreated runs on update, before validation: an update that leaves the
// created annotation out keeps the stored value, as KeepHost keeps the
// host. `kubectl replace`, `helm upgrade --force` or a controller that
// writes annotations wholesale would otherwise drop it, and a moved Route
// would lose its age to the move's time and its host to a later Route.
// No one, not even a migration, removes it this way: an update cannot tell
// a deliberate removal from a forgotten field, and removal would only ever
// make the Route younger. A user allowed `create routes/migrate` who wants
// the Route's own age back sets the annotation to it (FormatCreated of its
// creation time and UID).
func KeepCreated(r, old *routev1.Route) {
	v, had := old.Annotations[names.CreatedAnnotation]
	if _, set := r.Annotations[names.CreatedAnnotation]; !had || set {
		return
	}
	if r.Annotations == nil {
		r.Annotations = map[string]string{}
	}
	r.Annotations[names.CreatedAnnotation] = v
}

// validateCreated lets only a migration set or change the created
// annotation (old is nil on creation); KeepCreated has already put back
// one an update left out.
func validateCreated(ctx context.Context, r, old *routev1.Route, access Access) field.ErrorList {
	v, set := r.Annotations[names.CreatedAnnotation]
	if !set {
		return nil
	}
	if old != nil {
		// Compared with presence: an empty value added is a change.
		if was, had := old.Annotations[names.CreatedAnnotation]; had && was == v {
			return nil
		}
	}
	fld := field.NewPath("metadata", "annotations").Key(names.CreatedAnnotation)
	if _, _, err := parseCreated(v); err != nil {
		return field.ErrorList{field.Invalid(fld, v, err.Error())}
	}
	return requireAccess(ctx, access, migrate, fld,
		"only a Route migration (create routes/migrate, granted across the cluster) may set this annotation: it decides which Route keeps a contested host")
}
