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

// errorFile reads the path of an error page (ROUTER_ERRORFILE_503,
// ROUTER_ERRORFILE_404) and checks the file now, so that a router given a
// page HAProxy would refuse stops with a message instead of never
// becoming ready.
func (e *envReader) errorFile(name string, dst *string) {
	v, ok := e.get(name)
	if !ok {
		return
	}
	if !socketPathGrammar.MatchString(v) {
		e.fail(name, v, "want an absolute path")
		return
	}
	page, err := os.ReadFile(v)
	if err == nil {
		err = ErrorPageError(page)
	}
	if err != nil {
		e.fail(name, v, err.Error())
		return
	}
	*dst = v
}

// errorFiles reads both error pages.
func (e *envReader) errorFiles(c *Config) {
	e.errorFile(names.EnvRouterErrorFile503, &c.ErrorFile503)
	e.errorFile(names.EnvRouterErrorFile404, &c.ErrorFile404)
}
