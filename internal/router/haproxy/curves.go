package haproxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/okd-ingress/okd-ingress/internal/certs"
	"github.com/okd-ingress/okd-ingress/internal/router/config"
)

// probeFile is the certificate and key the probe's TLS listener loads:
// HAProxy sets the groups only on a listener that has one.
const probeFile = "probe.pem"

// probeChecks bounds the `haproxy -c` runs at once when names are checked
// one by one.
const probeChecks = 4

// SupportedCurves tells which TLS groups of list (OpenSSL names joined by
// ':') HAProxy, on the OpenSSL it runs on, takes as ssl-default-bind-curves.
// HAProxy refuses to start on a list with one name its OpenSSL lacks (the
// ML-KEM groups need OpenSSL 3.5), and the operator sends one list to
// routers of any image, so the router must learn which it can offer.
//
// It runs `haproxy -c` on throw-away configs in a temporary directory
// under dir: the whole list first, and only when that is refused each name
// alone, then the survivors together. kept holds the names taken, in
// list's order, joined by ':'; dropped the others. err is for a probe that
// could not run, or that HAProxy refuses even without groups.
func SupportedCurves(ctx context.Context, binary, dir, list string) (kept string, dropped []string, err error) {
	if list == "" {
		return "", nil, nil
	}
	// The probe runs in its own directory: a relative path (which the
	// Supervisor takes from the router's) would be resolved from there.
	if binary, err = absBinary(binary); err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp(dir, "curves-")
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(tmp)
	if err := writeProbeCertificate(filepath.Join(tmp, probeFile)); err != nil {
		return "", nil, err
	}
	p := curveProbe{binary: binary, dir: tmp, names: strings.Split(list, ":")}
	taken, err := p.taken(ctx)
	if err != nil {
		return "", nil, err
	}
	var keep []string
	for i, n := range p.names {
		if len(taken) > 0 && taken[0] == i {
			keep, taken = append(keep, n), taken[1:]
		} else {
			dropped = append(dropped, n)
		}
	}
	return strings.Join(keep, ":"), dropped, nil
}

// absBinary is binary as exec finds it from this process's directory, made
// absolute.
func absBinary(binary string) (string, error) {
	path, err := exec.LookPath(binary)
	if err != nil {
		return "", fmt.Errorf("run haproxy -c to probe TLS groups: %w", err)
	}
	return filepath.Abs(path)
}

// curveProbe runs `haproxy -c` on configs in its directory, with groups
// of names, each named by its position there.
type curveProbe struct {
	binary, dir string
	names       []string
}

// taken returns the positions of the names HAProxy takes, in order:
// all the well-formed ones when it takes them as one list, else those it
// takes alone and then together.
func (p curveProbe) taken(ctx context.Context) ([]int, error) {
	var wellFormed []int
	for i, n := range p.names {
		// Each name goes into the probe's config: one the router's own
		// grammar would refuse could add words or lines to it, so it is
		// dropped unprobed.
		if config.ValidCurves(n) {
			wellFormed = append(wellFormed, i)
		}
	}
	ok, _, err := p.check(ctx, "list", p.join(wellFormed))
	if err != nil || ok {
		return wellFormed, err
	}
	alone, err := p.checkEach(ctx, wellFormed)
	if err != nil {
		return nil, err
	}
	return p.together(ctx, alone)
}

// join is the list of the names at positions at.
func (p curveProbe) join(at []int) string {
	list := make([]string, len(at))
	for i, pos := range at {
		list[i] = p.names[pos]
	}
	return strings.Join(list, ":")
}

// checkEach checks each name at positions at alone, and returns the
// positions of those taken. A config without groups is checked beside
// them: if HAProxy refuses that too, the probe tells nothing about groups.
func (p curveProbe) checkEach(ctx context.Context, at []int) ([]int, error) {
	takes := make([]bool, len(at))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(probeChecks)
	g.Go(func() error {
		ok, out, err := p.check(gctx, "none", "")
		if err == nil && !ok {
			err = fmt.Errorf("haproxy -c refuses the TLS groups probe even without groups:\n%s", out)
		}
		return err
	})
	for i, pos := range at {
		g.Go(func() (err error) {
			takes[i], _, err = p.check(gctx, "group-"+strconv.Itoa(pos), p.names[pos])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var taken []int
	for i, pos := range at {
		if takes[i] {
			taken = append(taken, pos)
		}
	}
	return taken, nil
}

// together makes sure the names taken alone are taken together: OpenSSL
// refuses a group named twice, also by another name ("P-384" and
// "secp384r1", or in another case). If it refuses them together, they are
// added one by one, each kept only when the list so far is still taken,
// so that the first name of a group stays.
func (p curveProbe) together(ctx context.Context, at []int) ([]int, error) {
	if len(at) < 2 {
		return at, nil
	}
	if ok, _, err := p.check(ctx, "taken", p.join(at)); err != nil || ok {
		return at, err
	}
	var kept []int
	for _, pos := range at {
		ok, _, err := p.check(ctx, "taken", p.join(append(kept, pos)))
		if err != nil {
			return nil, err
		}
		if ok {
			kept = append(kept, pos)
		}
	}
	return kept, nil
}

// check runs `haproxy -c` on a TLS listener with the groups list (none
// when empty) and reports whether HAProxy takes it, and what it said.
// Paths are relative to the probe's directory, so that no directory name
// makes the socket path too long for HAProxy.
func (p curveProbe) check(ctx context.Context, name, list string) (bool, string, error) {
	var cfg strings.Builder
	cfg.WriteString("global\n")
	if list != "" {
		fmt.Fprintf(&cfg, "  ssl-default-bind-curves %s\n", list)
	}
	cfg.WriteString("defaults\n  mode tcp\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n")
	fmt.Fprintf(&cfg, "frontend probe\n  bind unix@%s.sock ssl crt %s\n", name, probeFile)
	file := name + ".cfg"
	if err := os.WriteFile(filepath.Join(p.dir, file), []byte(cfg.String()), 0o600); err != nil {
		return false, "", err
	}
	cmd := exec.CommandContext(ctx, p.binary, "-c", "-f", file)
	cmd.Dir = p.dir
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return true, string(out), nil
	case ctx.Err() != nil:
		return false, "", fmt.Errorf("run haproxy -c to probe TLS groups: %w", ctx.Err())
	case errors.As(err, &exitErr):
		return false, string(out), nil
	default:
		return false, "", fmt.Errorf("run haproxy -c to probe TLS groups: %w", err)
	}
}

// writeProbeCertificate writes a throw-away self-signed ECDSA certificate
// and its key as one PEM file.
func writeProbeCertificate(path string) error {
	kp, err := certs.NewCA("okd-ingress TLS groups probe", time.Hour, time.Now())
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(kp.CertPEM, kp.KeyPEM...), 0o600)
}

// RunningOpenSSL is the OpenSSL library binary runs on, as `haproxy -vv`
// names it ("OpenSSL 3.0.19 27 Jan 2026"), or "" when it names none.
func RunningOpenSSL(ctx context.Context, binary string) (string, error) {
	out, err := exec.CommandContext(ctx, binary, "-vv").Output()
	if err != nil {
		return "", fmt.Errorf("haproxy -vv: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Running on OpenSSL version :"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", nil
}
