package routeapi

import (
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// insecurePolicies lists the insecureEdgeTerminationPolicy values each
// termination accepts. Passthrough cannot serve plain HTTP (the router never
// sees the plaintext), so it may only refuse or redirect.
var insecurePolicies = map[routev1.TLSTerminationType][]routev1.InsecureEdgeTerminationPolicyType{
	routev1.TLSTerminationEdge:        {"", routev1.InsecureEdgeTerminationPolicyNone, routev1.InsecureEdgeTerminationPolicyAllow, routev1.InsecureEdgeTerminationPolicyRedirect},
	routev1.TLSTerminationReencrypt:   {"", routev1.InsecureEdgeTerminationPolicyNone, routev1.InsecureEdgeTerminationPolicyAllow, routev1.InsecureEdgeTerminationPolicyRedirect},
	routev1.TLSTerminationPassthrough: {"", routev1.InsecureEdgeTerminationPolicyNone, routev1.InsecureEdgeTerminationPolicyRedirect},
}

func validateTLS(tls *routev1.TLSConfig, fld *field.Path) field.ErrorList {
	if tls == nil {
		return nil
	}
	allowed, ok := insecurePolicies[tls.Termination]
	if !ok {
		return field.ErrorList{field.NotSupported(fld.Child("termination"), tls.Termination,
			[]string{string(routev1.TLSTerminationEdge), string(routev1.TLSTerminationPassthrough), string(routev1.TLSTerminationReencrypt)})}
	}
	var errs field.ErrorList
	switch tls.Termination {
	case routev1.TLSTerminationPassthrough:
		errs = append(errs, mustBeEmpty(fld.Child("certificate"), tls.Certificate, "passthrough termination does not support certificates")...)
		errs = append(errs, mustBeEmpty(fld.Child("key"), tls.Key, "passthrough termination does not support certificates")...)
		errs = append(errs, mustBeEmpty(fld.Child("caCertificate"), tls.CACertificate, "passthrough termination does not support certificates")...)
		errs = append(errs, mustBeEmpty(fld.Child("destinationCACertificate"), tls.DestinationCACertificate, "passthrough termination does not support certificates")...)
		if tls.ExternalCertificate != nil {
			errs = append(errs, field.Invalid(fld.Child("externalCertificate"), tls.ExternalCertificate.Name, "passthrough termination does not support certificates"))
		}
	case routev1.TLSTerminationEdge:
		errs = append(errs, mustBeEmpty(fld.Child("destinationCACertificate"), tls.DestinationCACertificate,
			"destinationCACertificate is not allowed with edge termination")...)
	}
	if tls.Certificate != "" && tls.ExternalCertificate != nil {
		errs = append(errs, field.Invalid(fld.Child("externalCertificate"), tls.ExternalCertificate.Name,
			"cannot have both spec.tls.certificate and spec.tls.externalCertificate"))
	}
	if !slices.Contains(allowed, tls.InsecureEdgeTerminationPolicy) {
		if tls.Termination == routev1.TLSTerminationPassthrough && tls.InsecureEdgeTerminationPolicy == routev1.InsecureEdgeTerminationPolicyAllow {
			errs = append(errs, field.Invalid(fld.Child("insecureEdgeTerminationPolicy"), tls.InsecureEdgeTerminationPolicy,
				"cannot have both spec.tls.termination: passthrough and spec.tls.insecureEdgeTerminationPolicy: Allow"))
		} else {
			errs = append(errs, field.NotSupported(fld.Child("insecureEdgeTerminationPolicy"), tls.InsecureEdgeTerminationPolicy, policyStrings(allowed)))
		}
	}
	return errs
}

func mustBeEmpty(fld *field.Path, v, msg string) field.ErrorList {
	if v == "" {
		return nil
	}
	// The value is a certificate or key: never echo it into an error.
	return field.ErrorList{field.Invalid(fld, "redacted", msg)}
}

func policyStrings(list []routev1.InsecureEdgeTerminationPolicyType) []string {
	var out []string
	for _, v := range list {
		if v != "" {
			out = append(out, string(v))
		}
	}
	return out
}
