package crl

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
}

// newCA makes a CA certificate that names points as its distribution points.
func newCA(t testing.TB, cn string, points ...string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, CRLDistributionPoints: points}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return testCA{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// list is a DER list by ca, valid from this to next, revoking serials.
func (ca testCA) list(t testing.TB, this, next time.Time, serials ...int64) []byte {
	t.Helper()
	var entries []x509.RevocationListEntry
	for _, s := range serials {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: this})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(this.Unix()),
		ThisUpdate: this, NextUpdate: next, RevokedCertificateEntries: entries}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestCheck(t *testing.T) {
	ca, other := newCA(t, "clients"), newCA(t, "others")
	impostor := testCA{cert: ca.cert, key: other.key} // the CA's name, another key
	rolled := newCA(t, "clients")                     // the CA's name, its new key
	good := ca.list(t, t0.Add(-time.Hour), t0.Add(time.Hour), 5)
	bundle := []*x509.Certificate{ca.cert, rolled.cert}
	for _, tc := range []struct {
		name, body, err string
	}{
		{name: "DER", body: string(good)},
		{name: "PEM", body: string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: good}))},
		{name: "a list of an issuer the bundle lacks (OpenSSL checks it against the client's chain)",
			body: string(other.list(t, t0.Add(-time.Hour), t0.Add(time.Hour)))},
		{name: "signed by another key under the bundle CA's name", body: string(impostor.list(t, t0.Add(-time.Hour), t0.Add(time.Hour))),
			err: "not signed by the bundle's CN=clients"},
		{name: "expired", body: string(ca.list(t, t0.Add(-2*time.Hour), t0.Add(-time.Hour))), err: "expired at 2026-12-01T11:00:00Z"},
		{name: "not valid yet (OpenSSL would refuse every client with it)", body: string(ca.list(t, t0.Add(time.Minute), t0.Add(time.Hour))),
			err: "valid only from 2026-12-01T12:01:00Z"},
		{name: "a key rollover: the bundle's other certificate of the name signs it",
			body: string(rolled.list(t, t0.Add(-time.Hour), t0.Add(time.Hour)))},
		{name: "a PEM certificate", body: string(ca.pem), err: `a PEM "CERTIFICATE" block`},
		{name: "an HTML error page", body: "<html>503</html>", err: "x509"},
		{name: "empty", body: "", err: "x509"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check([]byte(tc.body), bundle, t0)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("Check: %v, want an error with %q", err, tc.err)
			}
		})
	}
}

func TestRefreshAt(t *testing.T) {
	for _, tc := range []struct {
		name       string
		this, next time.Time
		want       time.Duration // after t0
	}{
		{"a day's list: within maxRefresh", t0.Add(-time.Hour), t0.Add(23 * time.Hour), maxRefresh},
		{"a list of ten minutes: when nine tenths are over", t0, t0.Add(10 * time.Minute), 9 * time.Minute},
		{"past nine tenths (the CA publishes late): a quarter of what is left", t0.Add(-95 * time.Minute), t0.Add(4 * time.Minute), time.Minute},
		{"past nine tenths of a week: within maxRefresh", t0.Add(-7 * 24 * time.Hour), t0.Add(12 * time.Hour), maxRefresh},
		{"about to expire: not in a loop", t0.Add(-time.Hour), t0.Add(time.Second), minRefresh},
		{"no nextUpdate", t0.Add(-time.Hour), time.Time{}, maxRefresh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := refreshAt(&x509.RevocationList{ThisUpdate: tc.this, NextUpdate: tc.next}, t0)
			if got.Sub(t0) != tc.want {
				t.Errorf("refreshAt = t0+%v, want t0+%v", got.Sub(t0), tc.want)
			}
		})
	}
}

func TestNewFindsPoints(t *testing.T) {
	none := newCA(t, "none")
	m, skipped, err := New(none.pem, Options{})
	if err != nil || m != nil || skipped != nil {
		t.Fatalf("a bundle naming no lists: %v, %v, %v; want no manager", m, skipped, err)
	}
	ldap := newCA(t, "ldap", "ldap://ldap.example.com/cn=clients", "http://crl.example.com/a.crl")
	m, skipped, err = New(bytes.Join([][]byte{none.pem, ldap.pem}, nil), Options{})
	if err != nil || m == nil {
		t.Fatalf("New: %v, %v", m, err)
	}
	if len(skipped) != 1 || skipped[0] != "ldap://ldap.example.com/cn=clients" {
		t.Errorf("skipped %q", skipped)
	}
	if len(m.sources) != 1 || len(m.sources[0].points) != 1 {
		t.Errorf("sources %+v", m.sources)
	}
	if _, _, err := New([]byte("not PEM"), Options{}); err == nil {
		t.Error("New took a bundle that is not one")
	}
}

// server serves lists by path; a path with no list answers 503.
type server struct {
	mu    sync.Mutex
	lists map[string][]byte
	hits  map[string]int
}

func (s *server) set(path string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists[path] = body
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[r.URL.Path]++
	if b, ok := s.lists[r.URL.Path]; ok {
		_, _ = w.Write(b)
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
}

// TestManager: a list missing keeps the placeholder and is retried with a
// growing wait; once served it replaces the placeholder (re-encoded) and
// Changed says so; a certificate's second point serves when the first
// fails; a failed refresh keeps the list held.
func TestManager(t *testing.T) {
	srv := &server{lists: map[string][]byte{}, hits: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	a := newCA(t, "a", ts.URL+"/a.crl")
	b := newCA(t, "b", ts.URL+"/down.crl", ts.URL+"/b.crl")
	now := t0
	m, _, err := New(append(a.pem, b.pem...), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	next := m.FetchDue(ctx)
	if !bytes.Equal(m.PEM(), m.placeholder) || len(m.Missing()) != 2 {
		t.Fatalf("nothing served: want the placeholder and two missing, got %d missing", len(m.Missing()))
	}
	if next.Sub(now) != firstRetry {
		t.Errorf("first retry in %v, want %v", next.Sub(now), firstRetry)
	}
	checkPlaceholder(t, m.PEM(), a.cert)
	select {
	case <-m.Changed():
		t.Error("Changed with nothing fetched")
	default:
	}
	now = next
	if next = m.FetchDue(ctx); next.Sub(now) != 2*firstRetry {
		t.Errorf("second retry in %v, want %v", next.Sub(now), 2*firstRetry)
	}

	now = next
	srv.set("/a.crl", a.list(t, now.Add(-time.Minute), now.Add(24*time.Hour), 7))
	srv.set("/b.crl", pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: b.list(t, now.Add(-time.Minute), now.Add(10*time.Minute))}))
	next = m.FetchDue(ctx)
	if missing := m.Missing(); len(missing) != 0 {
		t.Fatalf("missing %q", missing)
	}
	select {
	case <-m.Changed():
	default:
		t.Error("no Changed after the lists came in")
	}
	lists := parsePEM(t, m.PEM())
	if len(lists) != 2 || lists[0].Issuer.CommonName != "a" || lists[1].Issuer.CommonName != "b" {
		t.Fatalf("PEM holds %d lists", len(lists))
	}
	if next.Sub(now) != 8*time.Minute+54*time.Second { // b's: a tenth of its 11 minutes before it expires
		t.Errorf("next fetch in %v", next.Sub(now))
	}

	// b's points go down: its list is kept, and retried.
	srv.set("/b.crl", []byte("gone"))
	now = next
	held := m.PEM()
	m.FetchDue(ctx)
	if !bytes.Equal(m.PEM(), held) {
		t.Error("a failed refresh dropped a list held")
	}
	if srv.hits["/a.crl"] != 3 {
		t.Errorf("a's list fetched %d times, want 3 (not due at b's refresh)", srv.hits["/a.crl"])
	}
}

// TestOlderListRefused: a list issued before the one held (a stale mirror
// or cache) does not replace it: that would undo revocations.
func TestOlderListRefused(t *testing.T) {
	ca := newCA(t, "a", "http://crl.example.com/a.crl")
	m, _, err := New(ca.pem, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	parse := func(der []byte) *x509.RevocationList {
		l, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	newer := parse(ca.list(t, t0.Add(-time.Minute), t0.Add(time.Hour), 1, 2))
	old := parse(ca.list(t, t0.Add(-time.Hour), t0.Add(time.Hour), 1))
	s := m.sources[0]
	m.record(s, newer, nil)
	m.record(s, old, nil)
	if s.list != newer || s.lastErr == nil || !strings.Contains(s.lastErr.Error(), "older than the one held") {
		t.Errorf("held %v, error %v; want the newer list kept and the older refused", s.list.ThisUpdate, s.lastErr)
	}
	m.record(s, newer, nil)
	if s.lastErr != nil {
		t.Errorf("the same list again: %v", s.lastErr)
	}
	// Once the held list expires, any good list goes (a CA that started
	// its numbering anew, say).
	expired := parse(ca.list(t, t0.Add(-30*time.Minute), t0.Add(-time.Minute), 1, 2, 3)) // issued after old
	s.list = expired
	m.record(s, old, nil)
	if s.list != old || s.lastErr != nil {
		t.Errorf("after the held list expired: held %v, error %v", s.list.ThisUpdate, s.lastErr)
	}
}

func parsePEM(t *testing.T, b []byte) []*x509.RevocationList {
	t.Helper()
	var out []*x509.RevocationList
	for rest := b; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return out
		}
		l, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
}

// checkPlaceholder: the placeholder parses, has expired, and is not from
// the bundle's CA.
func checkPlaceholder(t *testing.T, b []byte, ca *x509.Certificate) {
	t.Helper()
	lists := parsePEM(t, b)
	if len(lists) != 1 {
		t.Fatalf("placeholder: %d lists", len(lists))
	}
	if l := lists[0]; !l.NextUpdate.Before(t0) || bytes.Equal(l.RawIssuer, ca.RawSubject) {
		t.Errorf("placeholder from %s, nextUpdate %s", l.Issuer, l.NextUpdate)
	}
}

// FuzzCheck: whatever a server sends, Check fails or gives a list that is
// valid at t0 and, when the bundle's CA names its issuer, signed by that
// CA; and Manager.PEM (all that reaches HAProxy's file and runtime API)
// carries that list alone, re-encoded: base64 lines between the markers,
// nothing a server could smuggle in around them.
func FuzzCheck(f *testing.F) {
	ca, other := newCA(f, "fuzz"), newCA(f, "other")
	good := ca.list(f, t0.Add(-time.Hour), t0.Add(time.Hour), 1, 2)
	f.Add(good)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: good}))
	f.Add(append(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: good}), "\n\ncommit ssl crl-file /x\n"...))
	f.Add([]byte("-----BEGIN X509 CRL-----\nshow info\n-----END X509 CRL-----\n"))
	f.Add(ca.pem)
	// Lists Check must refuse: a flipped signature byte, expired, not yet
	// valid, and the CA's name signed by another key.
	flipped := bytes.Clone(good)
	flipped[len(flipped)-1] ^= 1
	f.Add(flipped)
	f.Add(ca.list(f, t0.Add(-2*time.Hour), t0.Add(-time.Hour)))
	f.Add(ca.list(f, t0.Add(time.Hour), t0.Add(2*time.Hour)))
	f.Add(testCA{cert: ca.cert, key: other.key}.list(f, t0.Add(-time.Hour), t0.Add(time.Hour)))
	bundle := []*x509.Certificate{ca.cert}
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := Check(body, bundle, t0)
		if err != nil {
			return
		}
		if bytes.Equal(list.RawIssuer, ca.cert.RawSubject) {
			if err := list.CheckSignatureFrom(ca.cert); err != nil {
				t.Fatalf("accepted a list under the bundle CA's name that it did not sign: %v", err)
			}
		}
		if list.ThisUpdate.After(t0) || !list.NextUpdate.IsZero() && list.NextUpdate.Before(t0) {
			t.Fatalf("accepted a list valid from %s to %s at %s", list.ThisUpdate, list.NextUpdate, t0)
		}
		m := &Manager{sources: []*source{{list: list}}}
		out := m.PEM()
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		for i, l := range lines {
			switch {
			case i == 0 && l == "-----BEGIN X509 CRL-----", i == len(lines)-1 && l == "-----END X509 CRL-----":
			case i > 0 && i < len(lines)-1 && base64Line.MatchString(l):
			default:
				t.Fatalf("line %d of the PEM form: %q", i, l)
			}
		}
		block, rest := pem.Decode(out)
		if block == nil || len(rest) != 0 || !bytes.Equal(block.Bytes, list.Raw) {
			t.Fatalf("the PEM form is not the list alone: %q", out)
		}
	})
}

var base64Line = regexp.MustCompile(`^[A-Za-z0-9+/]{1,64}={0,2}$`)

// hanging serves nothing until the test ends: a point behind a firewall
// that takes connections, or a server stuck.
func hanging(t *testing.T) *httptest.Server {
	done := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); ts.Close() })
	return ts
}

// TestSlowPointHoldsNoOther: one CA's point that never answers does not
// hold back another CA's list within a starting router's first wait, and
// a certificate's second point serves when its first does not answer.
func TestSlowPointHoldsNoOther(t *testing.T) {
	defer func(h time.Duration) { headerTimeout = h }(headerTimeout)
	headerTimeout = time.Second
	stuck := hanging(t)
	srv := &server{lists: map[string][]byte{}, hits: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	a := newCA(t, "a", stuck.URL+"/a.crl")
	d := newCA(t, "d", stuck.URL+"/d.crl")
	b := newCA(t, "b", ts.URL+"/b.crl")
	c := newCA(t, "c", stuck.URL+"/c.crl", ts.URL+"/c.crl")
	srv.set("/b.crl", b.list(t, t0.Add(-time.Minute), t0.Add(time.Hour)))
	srv.set("/c.crl", c.list(t, t0.Add(-time.Minute), t0.Add(time.Hour)))
	m, _, err := New(slices.Concat(a.pem, d.pem, b.pem, c.pem), Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	// The first wait, shortened as headerTimeout is: 2.5 times it, as in
	// production (one after another, c's second point would come too late).
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	m.FetchDue(ctx)
	missing := m.Missing()
	if len(missing) != 2 || !strings.HasPrefix(missing[0], "CN=a: ") || !strings.HasPrefix(missing[1], "CN=d: ") {
		t.Fatalf("missing %q, want a's and d's lists alone", missing)
	}
	if lists := parsePEM(t, m.PEM()); len(lists) != 2 {
		t.Errorf("PEM holds %d lists, want b's and c's", len(lists))
	}
}

// TestExpiredListMissing: a list held past its nextUpdate (its CA stopped
// publishing) has OpenSSL refuse that CA's clients, so it counts as
// missing; it is kept until a good one replaces it.
func TestExpiredListMissing(t *testing.T) {
	srv := &server{lists: map[string][]byte{}, hits: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	a := newCA(t, "a", ts.URL+"/a.crl")
	now := t0
	m, _, err := New(a.pem, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv.set("/a.crl", a.list(t, now.Add(-time.Minute), now.Add(time.Hour)))
	m.FetchDue(context.Background())
	if missing := m.Missing(); len(missing) != 0 {
		t.Fatalf("missing %q", missing)
	}
	srv.set("/a.crl", []byte("gone"))
	now = now.Add(2 * time.Hour)
	if missing := m.Missing(); len(missing) != 1 || !strings.Contains(missing[0], "expired at 2026-12-01T13:00:00Z") {
		t.Errorf("missing %q, want a's expired list", missing)
	}
	m.FetchDue(context.Background())
	if missing := m.Missing(); len(missing) != 1 || !strings.Contains(missing[0], "expired at") || !strings.Contains(missing[0], "/a.crl") {
		t.Errorf("missing %q, want a's expired list and the failed fetch", missing)
	}
	if len(parsePEM(t, m.PEM())) != 1 {
		t.Error("the expired list left the file: the placeholder covers no real CA")
	}
}
