package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestErrorPageError(t *testing.T) {
	page := func(head, body string) string { return head + "\r\n\r\n" + body }
	for _, tc := range []struct {
		name, page, wantErr string
	}{
		{name: "OKD's sample 503", page: page("HTTP/1.0 503 Service Unavailable\r\nPragma: no-cache\r\nCache-Control: private, max-age=0, no-cache, no-store\r\nConnection: close\r\nContent-Type: text/html", "<html><body>down</body></html>")},
		{name: "a body as long as its Content-Length", page: page("HTTP/1.1 404 Not Found\r\nContent-Length: 9", "not here\n")},
		{name: "LF line ends", page: "HTTP/1.1 404 Not Found\nContent-Length: 2\n\nno"},
		{name: "a body longer than its Content-Length", page: page("HTTP/1.1 404 Not Found\r\nContent-Length: 3", "not here"), wantErr: "but the body has 8 bytes"},
		{name: "chunked", page: page("HTTP/1.1 503 x\r\nTransfer-Encoding: chunked", "3\r\nabc\r\n0\r\n\r\n"), wantErr: "chunked"},
		{name: "HTTP/2", page: page("HTTP/2 503 x", ""), wantErr: "status line"},
		{name: "no status line", page: "<html>oops</html>", wantErr: "status line"},
		{name: "an informational status", page: page("HTTP/1.1 100 Continue", ""), wantErr: "want 200 to 599"},
		{name: "a body after 304", page: page("HTTP/1.1 304 Not Modified", "x"), wantErr: "has no body"},
		{name: "empty", page: "", wantErr: "want 1 to"},
		{name: "too long", page: page("HTTP/1.1 503 x", strings.Repeat("x", MaxErrorPage)), wantErr: "want 1 to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ErrorPageError([]byte(tc.page))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
			}
		})
	}
}

// TestErrorPagesFromEnv: a page the router takes is read in as the router
// starts; one HAProxy would refuse, or a file it cannot read, is left out
// with a warning, and the router still starts.
func TestErrorPagesFromEnv(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "503.http"), filepath.Join(dir, "404.http")
	page := []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown")
	if err := os.WriteFile(good, page, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("HTTP/1.1 404 Not Found\r\nContent-Length: 40\r\n\r\nshort"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		env           map[string]string
		want503, want []byte
		warning       string
	}{
		{name: "a good page", env: map[string]string{"ROUTER_ERRORFILE_503": good}, want503: page},
		{name: "a page HAProxy would refuse", env: map[string]string{"ROUTER_ERRORFILE_404": bad}, warning: "ROUTER_ERRORFILE_404=" + bad + ": Content-Length"},
		{name: "a missing file", env: map[string]string{"ROUTER_ERRORFILE_503": filepath.Join(dir, "gone.http")}, warning: "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults()
			if err := c.FromEnv(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }); err != nil {
				t.Fatalf("the router does not start: %v", err)
			}
			if string(c.ErrorPage503) != string(tc.want503) || c.ErrorPage404 != nil {
				t.Errorf("pages %q %q", c.ErrorPage503, c.ErrorPage404)
			}
			if got := strings.Join(c.Warnings, "; "); (tc.warning == "") != (got == "") || !strings.Contains(got, tc.warning) {
				t.Errorf("warnings %q, want one naming %q", got, tc.warning)
			}
		})
	}
}
