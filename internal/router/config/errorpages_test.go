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

// TestErrorFilesFromEnv: a page the router takes is kept by path; one
// HAProxy would refuse, or a path it cannot read, stops the router.
func TestErrorFilesFromEnv(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "503.http"), filepath.Join(dir, "404.http")
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(good, []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown"), 0o644))
	must(os.WriteFile(bad, []byte("HTTP/1.1 404 Not Found\r\nContent-Length: 40\r\n\r\nshort"), 0o644))
	read := func(env map[string]string) (Config, error) {
		c := Defaults()
		return c, c.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	}
	c, err := read(map[string]string{"ROUTER_ERRORFILE_503": good})
	if err != nil || c.ErrorFile503 != good || c.ErrorFile404 != "" {
		t.Errorf("good page: %q %q %v", c.ErrorFile503, c.ErrorFile404, err)
	}
	for _, env := range []map[string]string{
		{"ROUTER_ERRORFILE_404": bad},
		{"ROUTER_ERRORFILE_503": filepath.Join(dir, "missing.http")},
		{"ROUTER_ERRORFILE_503": good + "\n  stats enable"},
		{"ROUTER_ERRORFILE_404": "relative.http"},
	} {
		if _, err := read(env); err == nil {
			t.Errorf("%v: taken", env)
		}
	}
}
