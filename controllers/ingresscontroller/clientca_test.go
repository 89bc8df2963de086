package ingresscontroller

import (
	"strings"
	"testing"
)

// The allowed subjects reach the routers joined as OKD joins them; a
// pattern the routers refuse is left out and named, and with none left
// the filter lets no client in, never every client.
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
		{name: "one refused", patterns: []string{`CN=(?!admin)`, `O=Example`}, want: `(?:(?:O=Example))`,
			problems: []string{`allowedSubjectPatterns[0] "CN=(?!admin)" is left out`}},
		{name: "each taken, not together", patterns: []string{`(?P<n>a)`, `(?P<n>b)`}, want: matchNothing,
			problems: []string{`the patterns together: group name "n" used twice`}},
		{name: "together too long", patterns: []string{strings.Repeat("a", 9000), strings.Repeat("b", 9000)}, want: matchNothing,
			problems: []string{"the patterns together: 18013 bytes"}},
		{name: "all refused", patterns: []string{`[\d-z]`, ""}, want: matchNothing,
			problems: []string{"allowedSubjectPatterns[0]", "allowedSubjectPatterns[1]", "no client is let in"}},
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
