package haproxy

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseShowProc(t *testing.T) {
	out := "#<PID>          <type>          <reloads>       <uptime>        <version>      \n" +
		"1876            master          3 [failed: 1]   0d00h00m16s     3.0.11-9e587df \n" +
		"# workers\n2289            worker          0               0d00h00m00s     3.0.11-9e587df \n" +
		"# old workers\n1879            worker          2               0d00h00m16s     3.0.11-9e587df \n" +
		"# programs\n\n"
	pl, err := parseShowProc(out)
	if err != nil {
		t.Fatal(err)
	}
	if pl.Master.PID != 1876 || pl.Master.Reloads != 3 || pl.FailedReloads != 1 || pl.Master.Version != "3.0.11-9e587df" ||
		len(pl.Workers) != 1 || pl.Workers[0].PID != 2289 || len(pl.OldWorkers) != 1 || pl.OldWorkers[0].Reloads != 2 {
		t.Fatalf("parsed %+v", pl)
	}
}

func TestParseAlerts(t *testing.T) {
	out := "[NOTICE]   (2478) : haproxy version is 3.0.11-9e587df\n" +
		"[ALERT]    (2478) : config : parsing [/c/haproxy.cfg:11] : unknown keyword 'x' in 'frontend' section\n" +
		"[ALERT]    (2478) : config : Fatal errors found in configuration.\n"
	a := parseAlerts(out)
	if len(a) != 2 || a[0].File != "/c/haproxy.cfg" || a[0].Line != 11 || a[1].Line != 0 ||
		a[1].Message != "config : Fatal errors found in configuration." {
		t.Fatalf("parsed %+v", a)
	}
}

func TestSplitAndParseOutputs(t *testing.T) {
	raw := "\n[3]: No such server.\n\nName: HAProxy\nPid: 7\n\n[6]: Unknown command: 'x', but maybe\n  help\n\n[4]: IP changed from 'a' to 'b'\n\n"
	outs := splitOutputs(raw)
	if len(outs) != 5 || outs[0] != "" {
		t.Fatalf("split %q", outs)
	}
	for i, want := range []bool{false, true, false, true, false} {
		clean, failed := parseOutput(outs[i])
		if failed != want {
			t.Errorf("output %q: failed=%v, want %v", outs[i], failed, want)
		}
		if strings.HasPrefix(clean, "[") {
			t.Errorf("severity prefix kept in %q", clean)
		}
	}
}

func TestBatchAndEncode(t *testing.T) {
	reqs, err := batch([]string{"set map /m k a;b\\c", "add map @1 /m <<\nk1 v1\nk2 v2\n", "show info"})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2: a payload ends its connection", len(reqs))
	}
	want := "set severity-output number;set map /m k a\\;b\\\\c;add map @1 /m <<\nk1 v1\nk2 v2\n\n"
	if got := reqs[0].wire.String(); got != want {
		t.Fatalf("wire %q, want %q", got, want)
	}
	if _, err := batch([]string{"add map @1 /m <<\nk1 v1\n\nshow info\n"}); err == nil {
		t.Fatal("a blank line inside a payload was accepted")
	}
	if _, err := batch([]string{"add map @1 /m\nk1 v1"}); err == nil {
		t.Fatal("a payload without << was accepted")
	}
	many := make([]string, 3000)
	for i := range many {
		many[i] = "show version"
	}
	reqs, _ = batch(many)
	for _, r := range reqs {
		if r.wire.Len() >= MaxRequestSize {
			t.Fatalf("request of %d bytes", r.wire.Len())
		}
	}
	chunks, _ := mapChunks("/m", [][2]string{{strings.Repeat("k", 9000), "v"}, {strings.Repeat("j", 9000), "v"}})
	if len(chunks) != 2 {
		t.Fatalf("%d chunks, want 2", len(chunks))
	}
}

func TestValidatePaths(t *testing.T) {
	for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", "./a", "a//b", "."} {
		if validatePaths(Files{bad: nil}) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := validatePaths(Files{"haproxy.cfg": nil, "maps/a.map": nil, "certs/x/y.pem": nil}); err != nil {
		t.Fatal(err)
	}
}

func TestExecManyCommandsAndEscaping(t *testing.T) {
	e := newEnv(t)
	mapPath := filepath.Join(e.cfgDir, "maps/m.map")
	cfg := e.config([]string{returns("x"), "http-request set-var(txn.m) req.hdr(host),map_str(" + mapPath + ")"})
	e.reload(Files{MainConfig: cfg, "maps/m.map": nil})
	ctx := context.Background()

	cmds := make([]string, 1500) // ~18 kB: several connections
	for i := range cmds {
		cmds[i] = fmt.Sprintf("add map %s k%d v%d", mapPath, i, i)
	}
	outs, err := e.sup.Exec(ctx, cmds...)
	if err != nil || len(outs) != len(cmds) {
		t.Fatalf("Exec: %d outputs, %v", len(outs), err)
	}
	if _, err := e.sup.Exec(ctx, `add map `+mapPath+` semi a;b\c`); err != nil {
		t.Fatal(err)
	}
	outs, err = e.sup.Exec(ctx, "get map "+mapPath+" semi", "get map "+mapPath+" k1499")
	if err != nil || !strings.Contains(outs[0], `value="a;b\c"`) || !strings.Contains(outs[1], `value="v1499"`) {
		t.Fatalf("get map = %q, %v", outs, err)
	}
}
