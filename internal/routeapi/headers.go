package routeapi

import (
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

const (
	maxHeaderActions     = 20
	maxHeaderNameLength  = 255
	maxHeaderValueLength = 16384
)

// headerNamePattern is an HTTP token (RFC 9110 §5.6.2).
var headerNamePattern = regexp.MustCompile("^[-!#$%&'*+.0-9A-Z^_`a-z|~]+$")

// headerValuePattern builds the grammar of a Set value: literal text without
// '%' or control characters, "%%", or one HAProxy sample expression from a
// small allowed set — the header fetcher of the request or response side and
// ssl_c_der, with only the lower and base64 converters. Anything else could
// reach HAProxy as a directive or an arbitrary sample fetch.
func headerValuePattern(fetcher string) *regexp.Regexp {
	return regexp.MustCompile(`^(?:%(?:%|(?:\{[+-]?[QXE](?:,[+-]?[QXE])*\})?\[(?:` + fetcher +
		`\.hdr\([0-9A-Za-z-]+\)|ssl_c_der)(?:,(?:lower|base64))*\])|[^%[:cntrl:]])+$`)
}

var (
	requestValuePattern  = headerValuePattern("req")
	responseValuePattern = headerValuePattern("res")
	// RequestHeaderValuePattern and ResponseHeaderValuePattern are exported for
	// the CRD's CEL rules' tests and for the router, which re-checks values.
	RequestHeaderValuePattern  = requestValuePattern.String()
	ResponseHeaderValuePattern = responseValuePattern.String()
)

// protectedHeaders may not be changed by header actions: they carry
// security-relevant state that the router or the browser owns.
var protectedHeaders = map[string]bool{
	"strict-transport-security": true,
	"proxy":                     true,
	"cookie":                    true,
	"set-cookie":                true,
}

func validateHeaders(h *routev1.RouteHTTPHeaders, fld *field.Path) field.ErrorList {
	if h == nil {
		return nil
	}
	fld = fld.Child("actions")
	errs := validateHeaderList(h.Actions.Request, requestValuePattern, "req.hdr", fld.Child("request"))
	return append(errs, validateHeaderList(h.Actions.Response, responseValuePattern, "res.hdr", fld.Child("response"))...)
}

func validateHeaderList(list []routev1.RouteHTTPHeader, valuePattern *regexp.Regexp, fetcher string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(list) > maxHeaderActions {
		errs = append(errs, field.TooMany(fld, len(list), maxHeaderActions))
	}
	seen := map[string]bool{}
	for i, h := range list {
		p := fld.Index(i)
		errs = append(errs, validateHeaderName(h.Name, p.Child("name"))...)
		if lower := strings.ToLower(h.Name); seen[lower] {
			errs = append(errs, field.Duplicate(p.Child("name"), h.Name))
		} else {
			seen[lower] = true
		}
		errs = append(errs, validateHeaderAction(h.Action, valuePattern, fetcher, p.Child("action"))...)
	}
	return errs
}

func validateHeaderName(name string, fld *field.Path) field.ErrorList {
	switch {
	case name == "":
		return field.ErrorList{field.Required(fld, "a header name is required")}
	case len(name) > maxHeaderNameLength:
		return field.ErrorList{field.TooLong(fld, "", maxHeaderNameLength)}
	case !headerNamePattern.MatchString(name):
		return field.ErrorList{field.Invalid(fld, name, "a header name must be an HTTP token: letters, digits and !#$%&'*+-.^_`|~")}
	case protectedHeaders[strings.ToLower(name)]:
		return field.ErrorList{field.Forbidden(fld, strings.ToLower(name)+" header may not be modified via header actions")}
	}
	return nil
}

func validateHeaderAction(a routev1.RouteHTTPHeaderActionUnion, valuePattern *regexp.Regexp, fetcher string, fld *field.Path) field.ErrorList {
	switch a.Type {
	case routev1.Delete:
		if a.Set != nil {
			return field.ErrorList{field.Invalid(fld.Child("set"), "", "set is required when type is Set, and forbidden otherwise")}
		}
		return nil
	case routev1.Set:
	default:
		return field.ErrorList{field.NotSupported(fld.Child("type"), a.Type, []string{string(routev1.Set), string(routev1.Delete)})}
	}
	if a.Set == nil {
		return field.ErrorList{field.Required(fld.Child("set"), "set is required when type is Set, and forbidden otherwise")}
	}
	v, p := a.Set.Value, fld.Child("set", "value")
	switch {
	case v == "":
		return field.ErrorList{field.Required(p, "a header value is required")}
	case len(v) > maxHeaderValueLength:
		return field.ErrorList{field.TooLong(p, "", maxHeaderValueLength)}
	case !valuePattern.MatchString(v):
		return field.ErrorList{field.Invalid(p, v, "the value must be literal text without control characters or a single '%' "+
			"(write %% for one), or HAProxy samples of the form %["+fetcher+"(<name>)] or %[ssl_c_der], "+
			"optionally followed by the converters ,lower and ,base64")}
	}
	return nil
}

// ValidHeaderAction reports whether a router-wide header action (the
// IngressController's httpHeaders.actions, which the router re-checks from
// its environment) may be rendered: a name a route's action may change,
// other than Host, and for Set a value of the same grammar as a route's.
func ValidHeaderAction(name, value string, set, response bool) bool {
	if validateHeaderName(name, field.NewPath("name")) != nil || strings.EqualFold(name, "host") {
		return false
	}
	if !set {
		return value == ""
	}
	pattern := requestValuePattern
	if response {
		pattern = responseValuePattern
	}
	return value != "" && len(value) <= maxHeaderValueLength && pattern.MatchString(value)
}
