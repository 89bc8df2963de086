package config

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/names"
)

// MutualTLS is how the router asks TLS clients for certificates (the
// IngressController's clientTLS) on the connections it terminates itself:
// edge and reencrypt routes and the default certificate. Passthrough
// connections reach the pods untouched.
type MutualTLS struct {
	// Required refuses the handshake of a client that presents no
	// certificate (ROUTER_MUTUAL_TLS_AUTH=required); with optional, such a
	// client gets in. A certificate the CA does not verify is refused
	// either way.
	Required bool
	// CA is the PEM bundle that verifies client certificates, read when
	// the router starts (ROUTER_MUTUAL_TLS_AUTH_CA).
	CA []byte
	// CRL, when set, are PEM certificate revocation lists, read when the
	// router starts (ROUTER_MUTUAL_TLS_AUTH_CRL). OpenSSL then wants a
	// list from the issuer of every certificate of a client's chain.
	// Unset, the router fetches the lists CA's certificates name, if any
	// (package crl).
	CRL []byte
	// SubjectFilter, when set, is a regular expression that a client
	// certificate's subject, in OpenSSL's one-line form
	// ("/C=US/O=Example/CN=client"), must match, or the request gets 403
	// (ROUTER_MUTUAL_TLS_AUTH_FILTER). A request without a certificate
	// matches nothing.
	SubjectFilter string
}

// MaxSubjectFilter bounds ROUTER_MUTUAL_TLS_AUTH_FILTER: HAProxy reads a
// configuration line of at most 64 kB.
const MaxSubjectFilter = 16384

// mutualTLS reads the client-certificate policy. Every part is checked,
// and a part the router cannot use stops it: serving without the check
// an admin asked for would let in clients the admin meant to keep out.
func (e *envReader) mutualTLS(dst **MutualTLS) {
	v, ok := e.get(names.EnvRouterMutualTLSAuth)
	if !ok || v == "none" {
		return
	}
	if v != "required" && v != "optional" {
		e.fail(names.EnvRouterMutualTLSAuth, v, "want required, optional or none")
		return
	}
	m := &MutualTLS{Required: v == "required"}
	m.CA = e.pemFile(names.EnvRouterMutualTLSAuthCA, ClientCAError, true)
	m.CRL = e.pemFile(names.EnvRouterMutualTLSAuthCRL, crlError, false)
	if f, ok := e.get(names.EnvRouterMutualTLSAuthFilter); ok {
		if err := SubjectFilterError(f); err != nil {
			e.fail(names.EnvRouterMutualTLSAuthFilter, f, err.Error())
		}
		m.SubjectFilter = f
	}
	if e.err == nil {
		*dst = m
	}
}

// caPath takes the path of a CA bundle and what it holds, once checked:
// a path that holds none would fail every reload.
func (e *envReader) caPath(name string, dst *string, bundle *[]byte) {
	path, _ := e.get(name)
	if b := e.pemFile(name, ClientCAError, false); b != nil {
		*dst, *bundle = path, b
	}
}

// pemFile reads the file the variable name gives and checks it.
func (e *envReader) pemFile(name string, check func([]byte) error, required bool) []byte {
	path, ok := e.get(name)
	if !ok {
		if required {
			e.fail(name, "", "required with "+names.EnvRouterMutualTLSAuth)
		}
		return nil
	}
	b, err := os.ReadFile(path)
	if err == nil {
		err = check(b)
	}
	if err != nil {
		e.fail(name, path, err.Error())
		return nil
	}
	return b
}

// ClientCAError says why bundle is not a CA bundle HAProxy can verify
// certificates with (clients', or reencrypt backends'): PEM certificates
// only, at least one.
func ClientCAError(bundle []byte) error {
	_, err := certs.ParseCertificates(bundle)
	return err
}

// crlError says why b is not a PEM list of certificate revocation lists.
func crlError(b []byte) error {
	n := 0
	for rest := bytes.TrimSpace(b); len(rest) > 0; rest = bytes.TrimSpace(rest) {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil || block.Type != "X509 CRL" {
			return fmt.Errorf("PEM block %d: want an X509 CRL", n+1)
		}
		if _, err := x509.ParseRevocationList(block.Bytes); err != nil {
			return fmt.Errorf("PEM block %d: %w", n+1, err)
		}
		n++
	}
	if n == 0 {
		return errors.New("no certificate revocation list")
	}
	return nil
}

// SubjectFilterError says why f is not a subject filter the router takes:
// a regular expression in the syntax Go and PCRE2 (HAProxy's engine) read
// alike, of printable ASCII.
func SubjectFilterError(f string) error {
	if len(f) == 0 || len(f) > MaxSubjectFilter {
		return fmt.Errorf("%d bytes; want 1 to %d", len(f), MaxSubjectFilter)
	}
	for _, c := range []byte(f) {
		if c < 0x20 || c > 0x7e {
			return fmt.Errorf("byte %#x: want printable ASCII", c)
		}
	}
	re, err := syntax.Parse(f, syntax.Perl)
	if err != nil {
		return err
	}
	if repeatsEmptyWidth(re) {
		return errors.New("a quantifier after an anchor or a word boundary, which PCRE2 refuses")
	}
	if dup := duplicateName(re, map[string]bool{}); dup != "" {
		return fmt.Errorf("group name %q used twice, which PCRE2 refuses", dup)
	}
	if m := wideEscape.FindString(f); m != "" {
		return fmt.Errorf("%q: HAProxy matches bytes; write a byte as \\xNN", m)
	}
	return classSyntaxError(f)
}

// wideEscape is a character escape beyond a byte (\x{...}, \400 and up),
// which PCRE2 refuses without UTF mode.
var wideEscape = regexp.MustCompile(`\\(x\{|[4-7][0-7]{2})`)

// quantifier is a counted repetition as PCRE2 reads one; nothingToRepeat,
// a pattern's prefix after which there is nothing for it to repeat;
// leadingZero, a count Go does not read as one ("{01}", "{1,02}"), so the
// whole stays text to Go.
var (
	quantifier      = regexp.MustCompile(`^\{[0-9]+(,[0-9]*)?\}`)
	nothingToRepeat = regexp.MustCompile(`(^|[(|]|\(\?[a-zA-Z-]*[:)])$`)
	leadingZero     = regexp.MustCompile(`[{,]0[0-9]`)
)

// posixClass is a POSIX class, as it may stand within a class.
var posixClass = regexp.MustCompile(`^\[:\^?(alnum|alpha|ascii|blank|cntrl|digit|graph|lower|print|punct|space|upper|word|xdigit):\]`)

// classSyntaxError walks f's character classes, where Go and PCRE2 part:
// PCRE2 refuses a range with a class escape (\d, \w, \s, \p{…}) or a
// POSIX class at either end ("[\d-z]", which Go reads as a digit, "-" or
// "z"), and reads "[:", "[." and "[=" as POSIX class syntax: at a class's
// start ("[:alpha:]" outside a class), and within one unless it is a
// POSIX class. It also refuses \Q without \E, which would swallow the
// patterns joined after it.
func classSyntaxError(f string) error {
	inClass, first, prevClass := false, 0, false
	rangeErr := errors.New("a range with a class escape or a POSIX class at one end, which PCRE2 refuses: write the hyphen as \\-")
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == '\\' && i+1 < len(f) {
			n := f[i+1]
			if n == 'Q' {
				end := strings.Index(f[i+2:], `\E`)
				if end < 0 {
					return errors.New(`\Q without \E`)
				}
				i += 2 + end + 1
				prevClass = false
				continue
			}
			isClass := strings.IndexByte("dDwWsSpP", n) >= 0
			if inClass && isClass && i-1 > first && f[i-1] == '-' && f[i-2] != '\\' {
				return rangeErr
			}
			i++
			if (n == 'p' || n == 'P') && i+1 < len(f) {
				if f[i+1] == '{' {
					i += max(strings.IndexByte(f[i:], '}'), 1)
				} else {
					i++
				}
			}
			prevClass = inClass && isClass
			continue
		}
		if !inClass {
			if q := quantifier.FindString(f[i:]); c == '{' && q != "" {
				switch {
				case nothingToRepeat.MatchString(f[:i]):
					return fmt.Errorf("%q with nothing before it: Go reads it as text, PCRE2 refuses it; write \\{", q)
				case leadingZero.MatchString(q):
					return fmt.Errorf("%q with a leading zero: Go reads it as text, PCRE2 as a repetition; write \\{ or the count without the zero", q)
				}
			}
			if c == '[' {
				j := i + 1
				if j < len(f) && f[j] == '^' {
					j++
				}
				if looksPOSIX(f, j) {
					return fmt.Errorf("%q at a class's start: PCRE2 reads it as a POSIX class outside a class", f[i:j+1])
				}
				inClass, first, prevClass = true, j, false
				if j < len(f) && f[j] == ']' {
					j++ // a literal "]" first
				}
				i = j - 1
			}
			continue
		}
		switch {
		case c == ']':
			inClass = false
		case c == '[' && looksPOSIX(f, i+1):
			m := posixClass.FindString(f[i:])
			if m == "" {
				return fmt.Errorf("%q in a class: PCRE2 reads it as POSIX class syntax", f[i:i+2])
			}
			if i-1 > first && f[i-1] == '-' && f[i-2] != '\\' {
				return rangeErr
			}
			i += len(m) - 1
			prevClass = true
			continue
		case c == '-' && prevClass && i+1 < len(f) && f[i+1] != ']':
			return rangeErr
		}
		prevClass = false
	}
	return nil
}

// looksPOSIX tells whether PCRE2 reads f[j:], after a "[", as POSIX
// class syntax: ":", "." or "=", then that character and "]" before any
// other "]".
func looksPOSIX(f string, j int) bool {
	if j >= len(f) || strings.IndexByte(":.=", f[j]) < 0 {
		return false
	}
	t := f[j]
	for k := j + 1; k+1 < len(f); k++ {
		switch {
		case f[k] == '\\' && (f[k+1] == ']' || f[k+1] == '\\'):
			k++
		case f[k] == '[' && f[k+1] == t, f[k] == ']':
			return false
		case f[k] == t && f[k+1] == ']':
			return true
		}
	}
	return false
}

// duplicateName finds a group name used twice: Go takes it, PCRE2 not.
func duplicateName(re *syntax.Regexp, seen map[string]bool) string {
	if re.Op == syntax.OpCapture && re.Name != "" {
		if seen[re.Name] {
			return re.Name
		}
		seen[re.Name] = true
	}
	for _, sub := range re.Sub {
		if d := duplicateName(sub, seen); d != "" {
			return d
		}
	}
	return ""
}

// repeatsEmptyWidth finds a quantifier on an anchor or word boundary
// ("^*", "$+", "\\b?"): Go takes it, PCRE2 does not.
func repeatsEmptyWidth(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		switch re.Sub[0].Op {
		case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
			syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpEmptyMatch:
			return true
		}
	}
	for _, sub := range re.Sub {
		if repeatsEmptyWidth(sub) {
			return true
		}
	}
	return false
}
