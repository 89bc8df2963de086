package ingresscontroller

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	operatorv1 "github.com/okd-ingress/okd-ingress/api/operator/v1"
	"github.com/okd-ingress/okd-ingress/internal/names"
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
	if _, refused := compressTypes(s.HTTPCompression); len(refused) > 0 {
		out = append(out, fmt.Sprintf("spec.httpCompression.mimeTypes (not compressed: %q, which the routers take only in printable ASCII)", refused))
	}
	if h := s.HTTPHeaders; h != nil {
		if u := h.UniqueId; u != nil && u.Name != "" {
			add(!config.ValidUniqueIDHeader(u.Name), fmt.Sprintf("spec.httpHeaders.uniqueId.name (no request ID header is added: %q is not a header a route's action could set)", u.Name))
			if err := config.UniqueIDFormatError(u.Format); u.Format != "" && err != nil {
				out = append(out, "spec.httpHeaders.uniqueId.format (HAProxy's format is used instead: "+err.Error()+")")
			}
		}
		if h.Actions != nil {
			out = append(out, refusedActions(h.Actions.Request, false, "request")...)
			out = append(out, refusedActions(h.Actions.Response, true, "response")...)
		}
	}
	// Only a Custom profile's names are the admin's: what OpenSSL lacks of
	// a named profile (OKD's) is left out silently.
	if p := s.TLSSecurityProfile; p != nil && p.Type == operatorv1.TLSProfileCustomType {
		if _, _, unknown := splitCiphers(effectiveTLSProfile(p).Ciphers); len(unknown) > 0 {
			out = append(out, fmt.Sprintf("spec.tlsSecurityProfile.custom.ciphers (not offered: %q, which are not TLS ciphers HAProxy knows)", unknown))
		}
	}
	out = append(out, headerBuffers(s.TuningOptions).ignored...)
	if t := s.TuningOptions; t != nil && t.HealthCheckInterval != nil && t.HealthCheckInterval.Duration > 0 && t.HealthCheckInterval.Duration < minHealthCheckInterval {
		out = append(out, "spec.tuningOptions.healthCheckInterval (below 1s: the routers' 5s is used, as OKD ignores it too)")
	}
	out = append(out, ignoredOverrides(s.UnsupportedConfigOverrides.Raw)...)
	if f := accessLogFormat(s); f != "" {
		if err := config.LogFormatError(f); err != nil {
			out = append(out, "spec.logging.access.httpLogFormat (HAProxy's HTTP log format is used instead: "+err.Error()+")")
		}
	}
	return out
}

// ignoredAnnotations lists the annotations of ic, of those OKD reads,
// whose value has no effect, each with why.
func ignoredAnnotations(ic *operatorv1.IngressController) []string {
	var out []string
	v, set := ic.Annotations[names.HardStopAfterAnnotation]
	if _, ok := hardStopAfter(ic); set && !ok {
		out = append(out, fmt.Sprintf("metadata.annotations[%s] (ROUTER_HARD_STOP_AFTER is not set: %q is not an HAProxy time "+
			"from 1ms to 2147483647ms, digits with an optional unit us, ms, s, m, h or d, such as 30m)", names.HardStopAfterAnnotation, v))
	}
	if _, valid := http2Enabled(ic); !valid {
		out = append(out, fmt.Sprintf("metadata.annotations[%s] (HTTP/2 stays on: %q is not true or false)",
			names.EnableHTTP2Annotation, ic.Annotations[names.EnableHTTP2Annotation]))
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
		msg: "These fields do not take effect as written: " + strings.Join(fields, "; ")}
}

// overrides are the unsupportedConfigOverrides okd-ingress reads: of OKD's
// keys, only loadBalancingAlgorithm changes anything here (the routers
// already change servers without reloads, which dynamicConfigManager and
// maxDynamicServers turn on in OKD's).
type overrides struct {
	LoadBalancingAlgorithm string `json:"loadBalancingAlgorithm"`
}

// parseOverrides reads the overrides; a key it does not use, or a value
// it cannot, is named in ignored.
func parseOverrides(raw []byte) (o overrides, ignored []string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return o, nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return o, []string{"spec.unsupportedConfigOverrides (not a JSON object: " + err.Error() + ")"}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if k != "loadBalancingAlgorithm" {
			ignored = append(ignored, "spec.unsupportedConfigOverrides."+k+" (no effect in okd-ingress)")
			continue
		}
		switch err := json.Unmarshal(keys[k], &o.LoadBalancingAlgorithm); {
		case err == nil && o.LoadBalancingAlgorithm == "leastconn":
		case err == nil && o.LoadBalancingAlgorithm == "random": // the default, said again
			o.LoadBalancingAlgorithm = ""
		default:
			o.LoadBalancingAlgorithm = ""
			ignored = append(ignored, "spec.unsupportedConfigOverrides.loadBalancingAlgorithm (only \"leastconn\" is read, as in OKD)")
		}
	}
	return o, ignored
}

func ignoredOverrides(raw []byte) []string {
	_, ignored := parseOverrides(raw)
	return ignored
}
