package canary

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProbe(t *testing.T) {
	canary := httptest.NewTLSServer(Handler(8080))
	defer canary.Close()
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no route", http.StatusServiceUnavailable)
	}))
	defer other.Close()
	addr := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "https://") }
	ctx := context.Background()
	if err := Probe(ctx, addr(canary), "canary-openshift-ingress-canary.apps.example.com", 8080); err != nil {
		t.Errorf("canary on its port: %v", err)
	}
	if err := Probe(ctx, addr(canary), "canary.apps.example.com", 8888); err == nil || !strings.Contains(err.Error(), "port") {
		t.Errorf("canary on the other port: got %v, want a port mismatch", err)
	}
	if err := Probe(ctx, addr(other), "canary.apps.example.com", 8080); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("another server: got %v, want status 503", err)
	}
	if err := Probe(ctx, "127.0.0.1:1", "canary.apps.example.com", 8080); err == nil {
		t.Error("nothing listening: got no error")
	}
}

func TestCheckAnswer(t *testing.T) {
	for _, tc := range []struct {
		name         string
		status       int
		port, body   string
		wantErrMatch string
	}{
		{"the canary", 200, "8080", Body, ""},
		{"another app", 200, "", "hello\n", "not the canary's"},
		{"the router's 503 page", 503, "", "<html>Application is not available</html>", "status 503"},
		{"the other port", 200, "8888", Body, `port "8888"`},
		{"a redirect", 302, "", "", "status 302"},
	} {
		err := checkAnswer(tc.status, tc.port, tc.body, 8080)
		if tc.wantErrMatch == "" && err != nil || tc.wantErrMatch != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErrMatch)) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.wantErrMatch)
		}
	}
}
