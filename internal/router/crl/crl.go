// Package crl keeps the certificate revocation lists that a client CA
// bundle's certificates name in their CRL distribution points, as OKD's
// router does: it fetches each list over HTTP, checks it, refreshes it
// before it expires, and gives HAProxy the lists as one PEM file.
//
// HAProxy, given a crl-file, has OpenSSL check every certificate of a
// client's chain against a list from its issuer, and refuses a client when
// a list is missing or expired. So until a list is fetched the file holds
// a placeholder that covers no real CA: clients are refused, never let in
// unchecked, while routes without client certificates serve as usual.
package crl

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/okd-ingress/okd-ingress/internal/certs"
)

const (
	// MaxSize bounds a fetched list: large CAs publish lists of a few MB.
	MaxSize = 32 << 20
	// maxRefresh bounds the time between two fetches of a list, so that a
	// revocation the CA publishes early (before the list's nextUpdate) is
	// seen within it.
	maxRefresh = time.Hour
	// minRefresh keeps a list whose validity is short from being fetched
	// in a loop.
	minRefresh = 10 * time.Second
	// firstRetry and maxRetry bound the wait after a failed fetch.
	firstRetry, maxRetry = 5 * time.Second, 5 * time.Minute
	fetchTimeout         = 30 * time.Second
	// maxFetches bounds the lists fetched at once: each source is fetched
	// on its own, so that one slow point delays only its own list.
	maxFetches = 8
)

// A point that does not connect, or that connects and does not answer,
// gives way to the certificate's next point well within fetchTimeout, and
// within a starting router's first wait (firstCRLWait, 10 s: 2.5 times
// headerTimeout, as in TestSlowPointHoldsNoOther). Variables for the tests.
var dialTimeout, headerTimeout = 3 * time.Second, 4 * time.Second

// source is one certificate of the bundle that names distribution points.
type source struct {
	subject string
	points  []string // http and https URLs, in the certificate's order
	// Written under Manager.mu by FetchDue's fetch of this source only;
	// FetchDue reads them without, before its fetches start and after
	// they end.
	list     *x509.RevocationList // the last good list; nil before one
	failures int
	due      time.Time
	lastErr  error
}

// expired tells whether the list held has passed its nextUpdate: OpenSSL
// then refuses the clients it covers, as with none.
func (s *source) expired(now time.Time) bool {
	return s.list != nil && !s.list.NextUpdate.IsZero() && s.list.NextUpdate.Before(now)
}

// Options tune a Manager; the zero value is for production.
type Options struct {
	Log    logr.Logger
	Client *http.Client // nil: newClient's, with HTTP(S)_PROXY and NO_PROXY from the environment
	Now    func() time.Time
}

// Manager keeps the lists of one bundle.
type Manager struct {
	opts        Options
	bundle      []*x509.Certificate
	placeholder []byte

	sources []*source // fixed by New
	mu      sync.Mutex
	changed chan struct{}
}

// New returns a Manager for the lists bundle names, or nil when its
// certificates name none. Distribution points other than http and https
// (ldap, say) are reported in skipped; a certificate that names only such
// points gets no list, so its clients are refused.
func New(bundle []byte, opts Options) (m *Manager, skipped []string, err error) {
	list, err := certs.ParseCertificates(bundle)
	if err != nil {
		return nil, nil, err
	}
	var sources []*source
	for _, c := range list {
		s := &source{subject: c.Subject.String()}
		for _, p := range c.CRLDistributionPoints {
			if u, err := url.Parse(p); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
				s.points = append(s.points, p)
			} else {
				skipped = append(skipped, p)
			}
		}
		if len(c.CRLDistributionPoints) > 0 {
			sources = append(sources, s)
		}
	}
	if len(sources) == 0 {
		return nil, skipped, nil
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Client == nil {
		opts.Client = newClient()
	}
	ph, err := placeholder()
	if err != nil {
		return nil, nil, err
	}
	return &Manager{opts: opts, bundle: list, placeholder: ph, sources: sources, changed: make(chan struct{}, 1)}, skipped, nil
}

// newClient fetches through the environment's proxy, within fetchTimeout
// in all, and gives up on a point early when it does not connect or
// answer.
func newClient() *http.Client {
	return &http.Client{Timeout: fetchTimeout, Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   dialTimeout,
		ResponseHeaderTimeout: headerTimeout,
	}}
}

// PEM is the file HAProxy's crl-file names: every list fetched, in the
// bundle's order, re-encoded (never the bytes a server sent), or the
// placeholder while there is none.
func (m *Manager) PEM() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b bytes.Buffer
	var seen [][]byte
	for _, s := range m.sources {
		if s.list == nil || slices.ContainsFunc(seen, func(d []byte) bool { return bytes.Equal(d, s.list.Raw) }) {
			continue
		}
		seen = append(seen, s.list.Raw)
		_ = pem.Encode(&b, &pem.Block{Type: "X509 CRL", Bytes: s.list.Raw})
	}
	if b.Len() == 0 {
		return m.placeholder
	}
	return b.Bytes()
}

// Missing names the certificates whose clients are refused for want of a
// list: none fetched, or the one held expired; each with the last error.
// Empty when every list is in and valid.
func (m *Manager) Missing() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.opts.Now()
	var out []string
	for _, s := range m.sources {
		switch {
		case s.list == nil:
			out = append(out, fmt.Sprintf("%s: %v", s.subject, s.lastErr))
		case s.expired(now):
			msg := fmt.Sprintf("%s: the list held expired at %s", s.subject, s.list.NextUpdate.UTC().Format(time.RFC3339))
			if s.lastErr != nil {
				msg += fmt.Sprintf("; %v", s.lastErr)
			}
			out = append(out, msg)
		}
	}
	return out
}

// Changed receives after a fetch that changed PEM.
func (m *Manager) Changed() <-chan struct{} { return m.changed }

// Run fetches every list, then each again when it is due, until ctx ends.
func (m *Manager) Run(ctx context.Context) {
	for {
		next := m.FetchDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
	}
}

// FetchDue fetches the lists that are due, each on its own (a point that
// never answers must not hold back another CA's list, nor a starting
// router's first wait), and returns when the next one will be.
func (m *Manager) FetchDue(ctx context.Context) time.Time {
	before := m.PEM()
	now := m.opts.Now()
	var wg sync.WaitGroup
	slots := make(chan struct{}, maxFetches)
	for _, s := range m.sources {
		if s.due.After(now) {
			continue
		}
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			list, err := m.fetch(ctx, s.points)
			m.mu.Lock()
			m.record(s, list, err)
			m.mu.Unlock()
		})
	}
	wg.Wait()
	if !bytes.Equal(before, m.PEM()) {
		select {
		case m.changed <- struct{}{}:
		default:
		}
	}
	next := m.sources[0].due
	for _, s := range m.sources[1:] {
		if s.due.Before(next) {
			next = s.due
		}
	}
	return next
}

// record keeps a good list, or the error and the time to retry; a list
// held before stays until a good one replaces it (an expired one then has
// OpenSSL refuse the clients it covers, as it should).
func (m *Manager) record(s *source, list *x509.RevocationList, err error) {
	now := m.opts.Now()
	if err == nil && s.list != nil && supersedes(s.list, list, now) {
		err = fmt.Errorf("the list served (of %s, number %v) is older than the one held (of %s, number %v)",
			list.ThisUpdate.UTC().Format(time.RFC3339), list.Number, s.list.ThisUpdate.UTC().Format(time.RFC3339), s.list.Number)
	}
	if err != nil {
		s.lastErr, s.failures = err, s.failures+1
		s.due = now.Add(min(maxRetry, firstRetry<<min(s.failures-1, 10)))
		msg := "fetching a client CA's revocation list failed; clients of that CA are refused until it is in"
		if s.list != nil && !s.expired(now) {
			msg = "fetching a client CA's revocation list failed; the list held serves until it expires"
		}
		m.opts.Log.Error(err, msg, "certificate", s.subject, "retry", s.due.Sub(now).Round(time.Second))
		return
	}
	if s.list == nil || !bytes.Equal(s.list.Raw, list.Raw) {
		m.opts.Log.Info("client CA revocation list fetched", "certificate", s.subject, "issuer", list.Issuer.String(),
			"revoked", len(list.RevokedCertificateEntries), "nextUpdate", list.NextUpdate)
	}
	s.list, s.lastErr, s.failures = list, nil, 0
	s.due = refreshAt(list, now)
}

// supersedes tells whether held, still valid, was issued after list by
// the same issuer (list comes from a stale mirror or cache, or a replay):
// by CRL number when both have one, else by thisUpdate. Taking list would
// undo the revocations made since. Once held expires, or for another
// issuer (the CA was replaced), any good list goes.
func supersedes(held, list *x509.RevocationList, now time.Time) bool {
	if !bytes.Equal(held.RawIssuer, list.RawIssuer) || !held.NextUpdate.IsZero() && held.NextUpdate.Before(now) {
		return false
	}
	if held.Number != nil && list.Number != nil {
		return list.Number.Cmp(held.Number) < 0
	}
	return list.ThisUpdate.Before(held.ThisUpdate)
}

// refreshAt is when to fetch list again: when nine tenths of its validity
// are over, so that the next one is in before it expires, and within
// maxRefresh. Past that point (the CA publishes late, as many do within
// an overlap), a quarter of the time left, so that fetches come closer as
// it nears its end without coming every few seconds for hours.
func refreshAt(list *x509.RevocationList, now time.Time) time.Time {
	wait := maxRefresh
	if !list.NextUpdate.IsZero() {
		until := list.NextUpdate.Add(-list.NextUpdate.Sub(list.ThisUpdate) / 10).Sub(now)
		if until <= 0 {
			until = list.NextUpdate.Sub(now) / 4
		}
		wait = min(wait, until)
	}
	return now.Add(max(wait, minRefresh))
}

// fetch tries points in order until one gives a good list.
func (m *Manager) fetch(ctx context.Context, points []string) (*x509.RevocationList, error) {
	if len(points) == 0 {
		return nil, errors.New("no http or https distribution point")
	}
	var errs []error
	for _, p := range points {
		list, err := m.fetchOne(ctx, p)
		if err == nil {
			return list, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", p, err))
	}
	return nil, errors.Join(errs...)
}

func (m *Manager) fetchOne(ctx context.Context, point string) (*x509.RevocationList, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, point, nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.opts.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxSize {
		return nil, fmt.Errorf("more than %d bytes", MaxSize)
	}
	return Check(body, m.bundle, m.opts.Now())
}

// Check parses a fetched list, DER or PEM, and checks it: signed by the
// bundle's certificate of its issuer's name when the bundle holds one (a
// list from an intermediate CA the clients send may be signed by one the
// bundle lacks; OpenSSL checks it then), and not expired.
func Check(body []byte, bundle []*x509.Certificate, now time.Time) (*x509.RevocationList, error) {
	der := body
	if b, _ := pem.Decode(body); b != nil {
		if b.Type != "X509 CRL" {
			return nil, fmt.Errorf("a PEM %q block, not an X509 CRL", b.Type)
		}
		der = b.Bytes
	}
	list, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, err
	}
	if err := signedByBundle(list, bundle); err != nil {
		return nil, err
	}
	switch {
	case list.ThisUpdate.After(now):
		// OpenSSL would refuse it as not yet valid, and every client with it.
		return nil, fmt.Errorf("the list of %s is valid only from %s", list.Issuer, list.ThisUpdate.UTC().Format(time.RFC3339))
	case !list.NextUpdate.IsZero() && list.NextUpdate.Before(now):
		return nil, fmt.Errorf("the list of %s expired at %s", list.Issuer, list.NextUpdate.UTC().Format(time.RFC3339))
	}
	return list, nil
}

// signedByBundle checks list's signature against the bundle's
// certificates of its issuer's name (two during a key rollover: either
// will do). With none, OpenSSL checks it against the client's chain.
func signedByBundle(list *x509.RevocationList, bundle []*x509.Certificate) error {
	var errs []error
	for _, c := range bundle {
		if !bytes.Equal(c.RawSubject, list.RawIssuer) {
			continue
		}
		err := list.CheckSignatureFrom(c)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("not signed by the bundle's %s: %w", list.Issuer, errors.Join(errs...))
	}
	return nil
}

// placeholder is an empty list, long expired, from a CA made for it and
// forgotten: it matches no real issuer, so OpenSSL finds no list for a
// client's CA and refuses the client.
func placeholder() ([]byte, error) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	ca, err := certs.NewCA("okd-ingress: no revocation list fetched yet", 24*time.Hour, t0)
	if err != nil {
		return nil, err
	}
	issuer, key, err := ca.Parse()
	if err != nil {
		return nil, err
	}
	list, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: t0, NextUpdate: t0.Add(time.Hour)}, issuer, key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: list}), nil
}
