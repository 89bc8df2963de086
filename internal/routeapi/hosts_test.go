package routeapi

import (
	"strings"
	"testing"
)

func TestValidateDomain(t *testing.T) {
	for domain, want := range map[string]string{
		"apps.okd.test":                  "",
		"apps":                           "",
		"Apps.okd.test":                  "a lowercase RFC 1123 subdomain",
		"apps.okd.test.":                 "a lowercase RFC 1123 subdomain",
		"apps..test":                     "a lowercase RFC 1123 subdomain",
		strings.Repeat("a", 64) + ".com": "label",
		"":                               "a lowercase RFC 1123 subdomain",
	} {
		err := ValidateDomain(domain)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("ValidateDomain(%q) = %v, want an error containing %q", domain, err, want)
		}
	}
}
