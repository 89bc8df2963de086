package config

import (
	"bufio"
	"bytes"
	"fmt"
	"net/textproto"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/okd-ingress/okd-ingress/internal/names"
)

// MaxErrorPage is the largest error page the routers take: it must fit,
// with room to spare, in HAProxy's smallest buffer (tune.bufsize 16384).
const MaxErrorPage = 8192

var errorPageStatusLine = regexp.MustCompile(`^HTTP/1\.[01] ([0-9]{3})( [^\r\n]*)?\r?$`)

// ErrorPageError says why page is not a response HAProxy serves as an
// error page (an "errorfile"): a whole HTTP/1 response, status line,
// headers and body, whose body is as long as its Content-Length says, not
// chunked, at most MaxErrorPage bytes. HAProxy refuses a config with such
// a file, which would keep the router from ever serving.
func ErrorPageError(page []byte) error {
	if len(page) == 0 || len(page) > MaxErrorPage {
		return fmt.Errorf("%d bytes; want 1 to %d", len(page), MaxErrorPage)
	}
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(page)))
	line, err := r.ReadLine()
	if err != nil {
		return fmt.Errorf("no status line: %w", err)
	}
	m := errorPageStatusLine.FindStringSubmatch(line)
	if m == nil {
		return fmt.Errorf("status line %q: want HTTP/1.0 or HTTP/1.1, a status code and a reason", line)
	}
	status, _ := strconv.Atoi(m[1])
	if status < 200 || status > 599 {
		return fmt.Errorf("status %d: want 200 to 599", status)
	}
	hdr, err := r.ReadMIMEHeader()
	if err != nil {
		return fmt.Errorf("headers: %w", err)
	}
	body := page[headEnd(page):]
	if te := hdr.Get("Transfer-Encoding"); te != "" {
		return fmt.Errorf("Transfer-Encoding %q: HAProxy serves no chunked error page; give a Content-Length", te)
	}
	if cl := hdr.Values("Content-Length"); len(cl) > 0 {
		n, err := strconv.Atoi(strings.TrimSpace(cl[0]))
		if err != nil || len(cl) > 1 || n != len(body) {
			return fmt.Errorf("Content-Length %v, but the body has %d bytes", cl, len(body))
		}
	} else if len(body) > 0 && (status == 204 || status == 304) {
		return fmt.Errorf("status %d has no body", status)
	}
	return nil
}

// headEnd is where the body starts, after the blank line (CRLF or LF).
func headEnd(page []byte) int {
	crlf, lf := bytes.Index(page, []byte("\r\n\r\n")), bytes.Index(page, []byte("\n\n"))
	switch {
	case crlf >= 0 && (lf < 0 || crlf+2 <= lf):
		return crlf + 4
	case lf >= 0:
		return lf + 2
	}
	return len(page)
}

// errorPage reads an error page (ROUTER_ERRORFILE_503 or _404) as the
// router starts. A page it cannot read or that HAProxy would refuse is
// left out, with a warning: the operator reports it too, and a router
// that refused to start would stop serving every route for a page.
func (e *envReader) errorPage(name string, c *Config) []byte {
	v, ok := e.get(name)
	if !ok {
		return nil
	}
	page, err := os.ReadFile(v)
	if err == nil {
		err = ErrorPageError(page)
	}
	if err != nil {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s=%s: %v; the router's own page is served", name, v, err))
		return nil
	}
	return page
}

// errorFiles reads both error pages.
func (e *envReader) errorFiles(c *Config) {
	c.ErrorPage503 = e.errorPage(names.EnvRouterErrorFile503, c)
	c.ErrorPage404 = e.errorPage(names.EnvRouterErrorFile404, c)
}
