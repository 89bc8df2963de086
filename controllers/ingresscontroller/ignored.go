package ingresscontroller

import (
	"bytes"
	"fmt"
	"strings"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// FieldsSupportedConditionType is present, False, while the spec sets
// fields that have no effect: fields of OKD's API that okd-ingress does
// not implement, and values the routers cannot take. It counts towards
// Degraded at once: the routers do not do all the spec asks.
const FieldsSupportedConditionType = "FieldsSupported"

// ignoredFields lists the fields of s that are set but have no effect,
// each with what that means for traffic. OKD's manifests must apply
// unchanged, so the API takes them; status and an event say that they
// do nothing, rather than leave an admin to find out from the traffic.
func ignoredFields(s *operatorv1.IngressControllerSpec) []string {
	var out []string
	add := func(set bool, field string) {
		if set {
			out = append(out, field)
		}
	}
	add(s.ClientTLS != nil, "spec.clientTLS (not implemented: client certificates are neither requested nor checked)")
	if h := s.HTTPHeaders; h != nil {
		if u := h.UniqueId; u != nil && u.Name != "" && u.Format != "" {
			if err := uniqueIDFormatError(u.Format); err != nil {
				out = append(out, "spec.httpHeaders.uniqueId.format (HAProxy's format is used instead: "+err.Error()+")")
			}
		}
		if h.Actions != nil {
			out = append(out, refusedActions(h.Actions.Request, false, "request")...)
			out = append(out, refusedActions(h.Actions.Response, true, "response")...)
		}
	}
	raw := bytes.TrimSpace(s.UnsupportedConfigOverrides.Raw)
	add(len(raw) > 0 && !bytes.Equal(raw, []byte("null")) && !bytes.Equal(raw, []byte("{}")), "spec.unsupportedConfigOverrides (not implemented)")
	if f := accessLogFormat(s); f != "" {
		if err := config.LogFormatError(f); err != nil {
			out = append(out, "spec.logging.access.httpLogFormat (HAProxy's HTTP log format is used instead: "+err.Error()+")")
		}
	}
	return out
}

func refusedActions(list []operatorv1.IngressControllerHTTPHeader, response bool, side string) []string {
	_, refused := headerActions(list, response)
	out := make([]string, len(refused))
	for i, n := range refused {
		out[i] = fmt.Sprintf("spec.httpHeaders.actions.%s[%d] (not used: header %q may not be changed, or its value is not one a route's header action may have)",
			side, n, list[n].Name)
	}
	return out
}

func accessLogFormat(s *operatorv1.IngressControllerSpec) string {
	if s.Logging == nil || s.Logging.Access == nil {
		return ""
	}
	return s.Logging.Access.HttpLogFormat
}

// ignoredCond is the FieldsSupported condition, for a spec with fields
// that do nothing.
func ignoredCond(fields []string) cond {
	return cond{t: FieldsSupportedConditionType, reason: "FieldsIgnored",
		msg: "These fields have no effect: " + strings.Join(fields, "; ")}
}
