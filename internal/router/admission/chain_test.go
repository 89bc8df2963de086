package admission

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	routev1 "github.com/okd-ingress/okd-ingress/api/route/v1"
)

// issued is a certificate made for a chain case, with its key.
type issued struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	pem    string
	keyPEM string
}

// day is midnight UTC of a date, for validities written as dates.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

var serial int64

// issue signs tmpl with parent's key, or with key itself when parent is
// nil (self-signed); key nil makes a new one.
func issue(t *testing.T, tmpl *x509.Certificate, parent *issued, key *ecdsa.PrivateKey) issued {
	t.Helper()
	if key == nil {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			t.Fatal(err)
		}
	}
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	issuerCert, signer := tmpl, key
	if parent != nil {
		issuerCert, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuerCert, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	return parsed(t, der, key)
}

func parsed(t *testing.T, der []byte, key *ecdsa.PrivateKey) issued {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return issued{cert: c, key: key,
		pem:    string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))}
}

func caTemplate(cn string, from, to time.Time) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, NotBefore: from, NotAfter: to,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
}

func leafTemplate(from, to time.Time, usages ...x509.ExtKeyUsage) *x509.Certificate {
	if usages == nil {
		usages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	return &x509.Certificate{Subject: pkix.Name{CommonName: "secure.example.com"}, DNSNames: []string{"secure.example.com"},
		NotBefore: from, NotAfter: to, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: usages}
}

// v1Root is a self-signed X.509 version 1 certificate, as old roots are:
// no extensions at all, so no basicConstraints. Go only writes version 3,
// so it is put together here.
func v1Root(t *testing.T, cn string, from, to time.Time) issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	name, err := asn1.Marshal(pkix.Name{CommonName: cn}.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ecdsaWithSHA256 := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}}
	tbs, err := asn1.Marshal(struct {
		Serial    *big.Int
		Algorithm pkix.AlgorithmIdentifier
		Issuer    asn1.RawValue
		Validity  struct{ From, To time.Time }
		Subject   asn1.RawValue
		Key       asn1.RawValue
	}{big.NewInt(1), ecdsaWithSHA256, asn1.RawValue{FullBytes: name},
		struct{ From, To time.Time }{from, to}, asn1.RawValue{FullBytes: name}, asn1.RawValue{FullBytes: spki}})
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(tbs)
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		TBS       asn1.RawValue
		Algorithm pkix.AlgorithmIdentifier
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, ecdsaWithSHA256, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	root := parsed(t, der, key)
	if root.cert.Version != 1 || root.cert.BasicConstraintsValid || root.cert.IsCA {
		t.Fatalf("not a v1 root: version %d, basicConstraints %v", root.cert.Version, root.cert.BasicConstraintsValid)
	}
	return root
}

// TestChainVerification: a certificate is admitted against its
// caCertificate where OKD admits it, whenever it is judged (the verdict
// does not depend on the clock), and a chain that does not link is still
// rejected.
func TestChainVerification(t *testing.T) {
	ca := issue(t, caTemplate("test-ca", day(2024, 1, 1), day(2034, 1, 1)), nil, nil)
	otherCA := issue(t, caTemplate("other-ca", day(2024, 1, 1), day(2034, 1, 1)), nil, nil)
	// The same name as ca's but another key: its leaves' signatures fail.
	impostor := issue(t, caTemplate("test-ca", day(2024, 1, 1), day(2034, 1, 1)), nil, nil)

	selfSigned := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "secure.example.com"}, DNSNames: []string{"secure.example.com"},
		NotBefore: day(2025, 1, 1), NotAfter: day(2025, 4, 1), BasicConstraintsValid: true, IsCA: false,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, nil, nil)
	// Another self-signed leaf of the same name, given as the first's CA.
	otherSelfSigned := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "secure.example.com"},
		NotBefore: day(2025, 1, 1), NotAfter: day(2025, 4, 1), BasicConstraintsValid: true}, nil, nil)

	v1 := v1Root(t, "v1-root", day(2020, 1, 1), day(2040, 1, 1))
	v1Leaf := issue(t, leafTemplate(day(2025, 1, 1), day(2026, 1, 1)), &v1, nil)

	// A CA that expires three months into its leaf's year.
	shortCA := issue(t, caTemplate("short-ca", day(2024, 1, 1), day(2025, 1, 1)), nil, nil)
	shortLeaf := issue(t, leafTemplate(day(2024, 10, 1), day(2025, 10, 1)), &shortCA, nil)
	// The same leaf's chain through an intermediate that expires with
	// shortCA, given in spec.tls.certificate.
	root := issue(t, caTemplate("root", day(2020, 1, 1), day(2040, 1, 1)), nil, nil)
	shortInt := issue(t, caTemplate("short-int", day(2024, 1, 1), day(2025, 1, 1)), &root, nil)
	shortIntLeaf := issue(t, leafTemplate(day(2024, 10, 1), day(2025, 10, 1)), &shortInt, nil)

	// A CA re-issued with the same key and a later notBefore: only the new
	// certificate is given, and it is valid from past the leaf's midpoint.
	oldCA := issue(t, caTemplate("renewed-ca", day(2023, 1, 1), day(2024, 6, 1)), nil, nil)
	renewedCA := issue(t, caTemplate("renewed-ca", day(2025, 6, 1), day(2035, 6, 1)), nil, oldCA.key)
	renewedLeaf := issue(t, leafTemplate(day(2024, 1, 1), day(2026, 1, 1)), &oldCA, nil)

	// A CA whose validity never meets its leaf's.
	goneCA := issue(t, caTemplate("gone-ca", day(2020, 1, 1), day(2021, 1, 1)), nil, nil)
	lateLeaf := issue(t, leafTemplate(day(2022, 1, 1), day(2023, 1, 1)), &goneCA, nil)
	goneInt := issue(t, caTemplate("gone-int", day(2020, 1, 1), day(2021, 1, 1)), &root, nil)
	lateIntLeaf := issue(t, leafTemplate(day(2022, 1, 1), day(2023, 1, 1)), &goneInt, nil)

	leaf := issue(t, leafTemplate(day(2025, 1, 1), day(2026, 1, 1)), &ca, nil)
	otherLeaf := issue(t, leafTemplate(day(2025, 1, 1), day(2026, 1, 1)), &otherCA, nil)
	impostorLeaf := issue(t, leafTemplate(day(2025, 1, 1), day(2026, 1, 1)), &impostor, nil)
	// A leaf signed by the impostor while ca was expired at its midpoint:
	// retried at other instants, still rejected.
	expiredCA := issue(t, caTemplate("expired-ca", day(2024, 1, 1), day(2025, 1, 1)), nil, nil)
	expiredImpostor := issue(t, caTemplate("expired-ca", day(2024, 1, 1), day(2025, 1, 1)), nil, nil)
	wrongKeyLeaf := issue(t, leafTemplate(day(2024, 10, 1), day(2025, 10, 1)), &expiredImpostor, nil)
	clientLeaf := issue(t, leafTemplate(day(2025, 1, 1), day(2026, 1, 1), x509.ExtKeyUsageClientAuth), &ca, nil)
	noEKULeaf := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "secure.example.com"},
		NotBefore: day(2025, 1, 1), NotAfter: day(2026, 1, 1), KeyUsage: x509.KeyUsageDigitalSignature}, &ca, nil)

	const notVerified = "spec.tls.certificate does not verify against spec.tls.caCertificate: "
	cases := []struct {
		name       string
		leaf       issued
		chain      []issued // after the leaf in spec.tls.certificate
		caCert     string
		wantErr    string // the whole message; "" admits
		wantPrefix string // or the start of it
	}{
		{name: "self-signed leaf (CA:FALSE) given as its own caCertificate", leaf: selfSigned, caCert: selfSigned.pem},
		{name: "self-signed leaf among other CAs", leaf: selfSigned, caCert: ca.pem + selfSigned.pem},
		{name: "v1 root without basicConstraints", leaf: v1Leaf, caCert: v1.pem},
		{name: "CA 2024-01-01..2025-01-01, leaf 2024-10-01..2025-10-01", leaf: shortLeaf, caCert: shortCA.pem},
		{name: "intermediate in the certificate expires before the leaf's midpoint", leaf: shortIntLeaf, chain: []issued{shortInt}, caCert: root.pem},
		{name: "intermediate in caCertificate expires before the leaf's midpoint", leaf: shortIntLeaf, caCert: shortInt.pem + root.pem},
		{name: "CA re-issued with a later notBefore", leaf: renewedLeaf, caCert: renewedCA.pem},
		{name: "an ordinary chain", leaf: leaf, caCert: ca.pem},
		{name: "a leaf without extended key usage", leaf: noEKULeaf, caCert: ca.pem},
		{name: "a leaf signed by an unrelated CA", leaf: otherLeaf, caCert: ca.pem,
			wantErr: notVerified + "x509: certificate signed by unknown authority"},
		{name: "a leaf signed by another key of the CA's name", leaf: impostorLeaf, caCert: ca.pem,
			wantErr: notVerified + `x509: certificate signed by unknown authority (possibly because of "x509: ECDSA verification failure" ` +
				`while trying to verify candidate authority certificate "test-ca")`},
		{name: "another key of the CA's name, the CA expired at the leaf's midpoint", leaf: wrongKeyLeaf, caCert: expiredCA.pem,
			wantErr: notVerified + `x509: certificate signed by unknown authority (possibly because of "x509: ECDSA verification failure" ` +
				`while trying to verify candidate authority certificate "expired-ca")`},
		{name: "a self-signed leaf given another self-signed certificate of its name", leaf: selfSigned, caCert: otherSelfSigned.pem,
			wantPrefix: notVerified + "x509: certificate signed by unknown authority"},
		{name: "a leaf whose CA in the certificate expires before its midpoint, the CA unknown", leaf: shortIntLeaf, chain: []issued{shortInt},
			caCert: ca.pem, wantErr: notVerified + "x509: certificate has expired or is not yet valid: " +
				"current time 2025-04-01T12:00:00Z is after 2025-01-01T00:00:00Z"},
		// No instant verifies it, but it links, as x509 says by reporting the
		// CA expired: OKD admits it.
		{name: "caCertificate whose validity never meets the leaf's", leaf: lateLeaf, caCert: goneCA.pem},
		{name: "caCertificate intermediate whose validity never meets the leaf's", leaf: lateIntLeaf, caCert: goneInt.pem + root.pem},
		// Through an intermediate only in spec.tls.certificate (which OKD
		// does not use at all), the chain must be valid at some instant.
		{name: "an intermediate in the certificate whose validity never meets the leaf's", leaf: lateIntLeaf, chain: []issued{goneInt},
			caCert: root.pem, wantErr: notVerified + "x509: certificate has expired or is not yet valid: " +
				"current time 2022-07-02T12:00:00Z is after 2021-01-01T00:00:00Z"},
		{name: "a leaf for client authentication only (OKD verifies for serverAuth)", leaf: clientLeaf, caCert: ca.pem,
			wantErr: notVerified + "x509: certificate specifies an incompatible key usage"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cert := tc.leaf.pem
			for _, c := range tc.chain {
				cert += c.pem
			}
			r := route("ns1", "a", 1, "secure.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationEdge,
				Certificate: cert, Key: tc.leaf.keyPEM, CACertificate: tc.caCert}))
			v := Admit([]*routev1.Route{r}, Policy{VerifyChains: true}).Verdicts[key("ns1/a")]
			switch {
			case tc.wantErr == "" && tc.wantPrefix == "":
				if !v.Admitted {
					t.Errorf("rejected: %s: %s", v.Reason, v.Message)
				}
			case v.Admitted:
				t.Errorf("admitted, want %s", tc.wantErr+tc.wantPrefix)
			case v.Reason != ReasonExtendedValidationFailed:
				t.Errorf("reason %s, want %s", v.Reason, ReasonExtendedValidationFailed)
			case tc.wantErr != "" && v.Message != tc.wantErr:
				t.Errorf("message\n  %s\nwant\n  %s", v.Message, tc.wantErr)
			case !strings.HasPrefix(v.Message, tc.wantPrefix):
				t.Errorf("message\n  %s\nwant it to start with\n  %s", v.Message, tc.wantPrefix)
			}
		})
	}
}

// TestRetryInstants: the instants tried after the leaf's midpoint are
// bounded however many CAs of the leaf's issuer name caCertificate holds,
// and there are none when time cannot be what failed.
func TestRetryInstants(t *testing.T) {
	ca := issue(t, caTemplate("test-ca", day(2024, 1, 1), day(2034, 1, 1)), nil, nil)
	leaf := issue(t, leafTemplate(day(2025, 1, 1), day(2026, 1, 1)), &ca, nil)
	mid := day(2025, 7, 2).Add(12 * time.Hour)
	unrelated := issue(t, caTemplate("unrelated", day(2025, 3, 1), day(2025, 4, 1)), nil, nil)

	if got := retryInstants(leaf.cert, mid, linkedIssuers(leaf.cert, []*x509.Certificate{ca.cert, unrelated.cert})); got != nil {
		t.Errorf("every linked issuer valid at the midpoint: got instants %v, want none", got)
	}

	// Many certificates of the issuer's name, each valid from another day
	// of the leaf's year, none of them valid at its midpoint.
	var many []*x509.Certificate
	for i := range 200 {
		from := day(2025, 1, 2).Add(time.Duration(i) * 24 * time.Hour)
		if !from.Before(mid) {
			from = from.Add(24 * time.Hour) // never valid at mid
		}
		c := issue(t, caTemplate("test-ca", from, from.Add(time.Hour)), nil, nil)
		many = append(many, c.cert)
	}
	got := retryInstants(leaf.cert, mid, linkedIssuers(leaf.cert, many))
	if len(got) != maxChainInstants {
		t.Fatalf("%d instants for 200 CAs, want %d", len(got), maxChainInstants)
	}
	if !got[0].Equal(leaf.cert.NotBefore) {
		t.Errorf("first instant %v, want the leaf's notBefore %v", got[0], leaf.cert.NotBefore)
	}
	for i := 1; i < len(got); i++ {
		if !got[i].After(got[i-1]) {
			t.Errorf("instants not strictly increasing: %v", got)
		}
	}
	// And admission stays correct: none of them signed the leaf.
	var bundle strings.Builder
	for _, c := range many {
		bundle.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	if err := verifyChain(leaf.cert, nil, many); err == nil {
		t.Error("a leaf verified against CAs that did not sign it")
	}
	bundle.WriteString(ca.pem)
	r := route("ns1", "a", 1, "secure.example.com", tls(routev1.TLSConfig{Termination: routev1.TLSTerminationEdge,
		Certificate: leaf.pem, Key: leaf.keyPEM, CACertificate: bundle.String()}))
	if v := Admit([]*routev1.Route{r}, Policy{VerifyChains: true}).Verdicts[key("ns1/a")]; !v.Admitted {
		t.Errorf("the leaf's CA after 200 others of its name: rejected: %s", v.Message)
	}
}

// TestVerdictCache: a chain's verdict is remembered by its certificates'
// bytes (the same error for the same chain, another for another chain),
// and the cache starts anew past its limit.
func TestVerdictCache(t *testing.T) {
	ca := issue(t, caTemplate("cache-ca", day(2024, 1, 1), day(2034, 1, 1)), nil, nil)
	other := issue(t, caTemplate("cache-other", day(2024, 1, 1), day(2034, 1, 1)), nil, nil)
	leaf := issue(t, leafTemplate(day(2025, 1, 1), day(2026, 1, 1)), &ca, nil)
	c := &verdictCache{verdicts: map[[sha256.Size]byte]error{}, limit: 2}
	if err := c.verify(leaf.cert, nil, []*x509.Certificate{ca.cert}); err != nil {
		t.Fatalf("good chain: %v", err)
	}
	bad := c.verify(leaf.cert, nil, []*x509.Certificate{other.cert})
	if bad == nil {
		t.Fatal("a leaf of another CA verified")
	}
	if len(c.verdicts) != 2 {
		t.Errorf("%d verdicts, want 2", len(c.verdicts))
	}
	if again := c.verify(leaf.cert, nil, []*x509.Certificate{other.cert}); again != bad {
		t.Errorf("remembered verdict %v, want the same error %v", again, bad)
	}
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	if errors.As(bad, &unknown) || errors.As(bad, &invalid) {
		t.Errorf("the remembered verdict %T holds certificates", bad)
	}
	// The leaf given as an intermediate instead is another chain.
	if err := c.verify(leaf.cert, []*x509.Certificate{ca.cert}, nil); err == nil {
		t.Error("a chain without roots verified")
	}
	if len(c.verdicts) != 1 {
		t.Errorf("%d verdicts past the limit, want the cache started anew with 1", len(c.verdicts))
	}
}
