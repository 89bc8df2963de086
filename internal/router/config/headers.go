package config

import (
	"net/url"
	"strings"

	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/routeapi"
)

// HeaderAction is a router-wide change to a request or response header
// (the IngressController's httpHeaders.actions): Set to Value, or Delete.
type HeaderAction struct {
	Name, Value string
	Delete      bool
}

// headerActions reads OKD's encoding of the IngressController's header
// actions: "name:value:Set" or "name:Delete", each part URL-encoded,
// separated by commas. Each is checked as a route's own action is.
func (e *envReader) headerActions(name string, response bool, dst *[]HeaderAction) {
	v, ok := e.get(name)
	if !ok {
		return
	}
	var out []HeaderAction
	for _, item := range strings.Split(v, ",") {
		a, ok := parseHeaderAction(item, response)
		if !ok {
			e.fail(name, v, "want name:value:Set or name:Delete items separated by commas, URL-encoded, each a header action a route "+
				"could have (not Host); values are text or %[req.hdr(name)], %[res.hdr(name)], %[ssl_c_der] with lower and base64")
			return
		}
		out = append(out, a)
	}
	*dst = out
}

func parseHeaderAction(item string, response bool) (HeaderAction, bool) {
	parts := strings.Split(item, ":")
	dec := make([]string, len(parts))
	for i, p := range parts {
		d, err := url.QueryUnescape(p)
		if err != nil {
			return HeaderAction{}, false
		}
		dec[i] = d
	}
	var a HeaderAction
	switch {
	case len(dec) == 2 && dec[1] == "Delete":
		a = HeaderAction{Name: dec[0], Delete: true}
	case len(dec) == 3 && dec[2] == "Set":
		a = HeaderAction{Name: dec[0], Value: dec[1]}
	default:
		return HeaderAction{}, false
	}
	return a, routeapi.ValidHeaderAction(a.Name, a.Value, !a.Delete, response)
}

// EncodeHeaderActions writes actions as headerActions reads them.
func EncodeHeaderActions(actions []HeaderAction) string {
	items := make([]string, len(actions))
	for i, a := range actions {
		if a.Delete {
			items[i] = url.QueryEscape(a.Name) + ":Delete"
		} else {
			items[i] = url.QueryEscape(a.Name) + ":" + url.QueryEscape(a.Value) + ":Set"
		}
	}
	return strings.Join(items, ",")
}

// UniqueID is a request header the router adds with a value of its own
// per request (the IngressController's httpHeaders.uniqueId), for tracing.
type UniqueID struct {
	Header string
	Format string // a log format; HAProxy's default when empty
}

// DefaultUniqueIDFormat is HAProxy's and OKD's: the client and frontend
// addresses, a timestamp, a request counter and the process.
const DefaultUniqueIDFormat = "%{+X}o %ci:%cp_%fi:%fp_%Ts_%rt:%pid"

// uniqueID reads ROUTER_UNIQUE_ID_HEADER_NAME and ROUTER_UNIQUE_ID_FORMAT
// (Go-quoted, as OKD's operator writes it, like the log format).
func (e *envReader) uniqueID(dst **UniqueID) {
	name, ok := e.get(names.EnvRouterUniqueIDHeaderName)
	if !ok {
		return
	}
	if !ValidUniqueIDHeader(name) {
		e.fail(names.EnvRouterUniqueIDHeaderName, name, "want an HTTP header name that a route's header action could set (not Host)")
		return
	}
	u := &UniqueID{Header: name, Format: DefaultUniqueIDFormat}
	e.quotedFormat(names.EnvRouterUniqueIDFormat, &u.Format, UniqueIDFormatError)
	*dst = u
}

// ValidUniqueIDHeader reports whether the router adds a unique ID under
// name: a header a route's action could set.
func ValidUniqueIDHeader(name string) bool { return routeapi.ValidHeaderAction(name, "x", true, false) }

// caseAdjust reads ROUTER_H1_CASE_ADJUST: header names, comma-separated,
// each an HTTP token, none twice.
func (e *envReader) caseAdjust(dst *[]string) {
	v, ok := e.get(names.EnvRouterH1CaseAdjust)
	if !ok {
		return
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range strings.Split(v, ",") {
		n = strings.TrimSpace(n)
		if !tokenGrammar.MatchString(n) || seen[strings.ToLower(n)] {
			e.fail(names.EnvRouterH1CaseAdjust, v, "want header names separated by commas, each an HTTP token, none twice")
			return
		}
		seen[strings.ToLower(n)] = true
		out = append(out, n)
	}
	*dst = out
}
