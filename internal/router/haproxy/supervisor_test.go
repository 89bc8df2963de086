package haproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestStartReloadStop(t *testing.T) {
	e := newEnv(t)
	e.reload(Files{MainConfig: e.serving("v1"), "certs/a.pem": []byte("secret\n"), "maps/a.map": []byte("k v\n")})
	e.expect("", 200, "v1")
	if n := e.reloadCount(); n != 0 {
		t.Fatalf("ReloadCount after start = %d, want 0", n)
	}
	assertMode(t, filepath.Join(e.cfgDir, "certs/a.pem"), 0o600)
	assertMode(t, filepath.Join(e.cfgDir, MainConfig), 0o600) // it holds the cookie key
	assertMode(t, filepath.Join(e.cfgDir, "maps/a.map"), 0o644)

	foreign := filepath.Join(e.cfgDir, "maps", "foreign.map") // not ours: must survive
	if err := os.WriteFile(foreign, []byte("x y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.reload(Files{MainConfig: e.serving("v2"), "maps/a.map": []byte("k v\n")})
	e.expect("", 200, "v2")
	if n := e.reloadCount(); n != 1 {
		t.Fatalf("ReloadCount after one reload = %d, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(e.cfgDir, "certs/a.pem")); !os.IsNotExist(err) {
		t.Fatalf("a.pem left over after it was dropped from the files: %v", err)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Fatalf("a file we did not write was touched: %v", err)
	}
	if m := e.sup.Metrics(); m.ReloadsTotal != 2 || m.ReloadFailuresTotal != 0 || m.ReloadsByReason["test"] != 2 {
		t.Fatalf("metrics = %+v", m)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.client.CloseIdleConnections()
	if err := e.sup.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-e.sup.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if e.sup.Running() {
		t.Fatal("Running after Stop")
	}
	if _, _, err := e.get(e.client, ""); err == nil {
		t.Fatal("port still served after Stop")
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != want {
		t.Fatalf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
	}
}

func TestBrokenConfigIsRefusedAndRolledBack(t *testing.T) {
	e := newEnv(t)
	e.reload(Files{MainConfig: e.serving("v1")})
	v2 := e.serving("v2")
	e.reload(Files{MainConfig: v2})

	worker := e.newestWorker()

	broken := e.config([]string{returns("v3"), "bogus_keyword on"})
	badLine := strings.Count(string(broken[:strings.Index(string(broken), "bogus_keyword")]), "\n") + 1
	err := e.sup.Reload(context.Background(), Files{MainConfig: broken, "maps/extra.map": []byte("a b\n")}, "broken")
	// A running HAProxy is not checked apart: its master's parse refuses the config.
	var re *ReloadError
	if !errors.As(err, &re) {
		t.Fatalf("Reload(broken) = %v, want a *ReloadError", err)
	}
	alerts, refused := Refusal(err)
	if !refused || !strings.Contains(re.Log, "[ALERT]") || len(alerts) == 0 {
		t.Fatalf("ReloadError without ALERT lines: %q", re.Log)
	}
	a := alerts[0]
	if a.File != e.sup.ConfigPath() || a.Line != badLine || !strings.Contains(a.Message, "bogus_keyword") {
		t.Fatalf("first alert = %+v, want %s:%d about bogus_keyword", a, e.sup.ConfigPath(), badLine)
	}

	e.expect("", 200, "v2")
	if got := readFile(t, e.sup.ConfigPath()); got != string(v2) {
		t.Fatalf("haproxy.cfg not restored:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(e.cfgDir, "maps/extra.map")); !os.IsNotExist(err) {
		t.Fatalf("extra.map of the failed call is still there: %v", err)
	}
	if got := e.newestWorker(); got != worker {
		t.Fatalf("newest worker %d after the refused config, want %d still serving (no new worker)", got, worker)
	}
	if m := e.sup.Metrics(); m.ReloadFailuresTotal != 1 {
		t.Fatalf("ReloadFailuresTotal = %d, want 1", m.ReloadFailuresTotal)
	}

	t.Run("load failure after a passing check", func(t *testing.T) {
		// The check does not bind, so a taken port passes it; HAProxy then answers Success=0.
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		cfg := e.config([]string{returns("v4")}, fmt.Sprintf("frontend other\n    bind %s\n    %s\n", taken.Addr(), returns("x")))
		err = e.sup.Reload(context.Background(), Files{MainConfig: cfg}, "taken port")
		var re *ReloadError
		if !errors.As(err, &re) || len(re.Alerts) == 0 {
			t.Fatalf("Reload = %v, want a *ReloadError with alerts", err)
		}
		e.expect("", 200, "v2")
		if got := readFile(t, e.sup.ConfigPath()); got != string(v2) {
			t.Fatalf("haproxy.cfg not restored after Success=0")
		}
	})

	e.reload(Files{MainConfig: e.serving("v5")})
	e.expect("", 200, "v5")
}

// startPod serves body over HTTP until the test ends and says where.
func startPod(t *testing.T, body string) (host string, port int) {
	t.Helper()
	pod := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, body)
	}))
	t.Cleanup(pod.Close)
	host, portStr, _ := net.SplitHostPort(pod.Listener.Addr().String())
	port, _ = strconv.Atoi(portStr)
	return host, port
}

func TestSetServerWithoutReload(t *testing.T) {
	e := newEnv(t)
	host, port := startPod(t, "from-pod")

	e.reload(Files{MainConfig: e.config([]string{"default_backend be"},
		"backend be\n    server s1 127.0.0.1:1 disabled\n    server s2 127.0.0.1:1 disabled\n")})
	e.expect("", 503, "")

	ctx := context.Background()
	if err := e.sup.SetServer(ctx, "be", "s1", host, port, 1, true); err != nil {
		t.Fatalf("SetServer ready: %v", err)
	}
	e.expect("", 200, "from-pod")
	if err := e.sup.SetServer(ctx, "be", "s1", host, port, 1, false); err != nil {
		t.Fatalf("SetServer maint: %v", err)
	}
	e.expect("", 503, "")
	if n := e.reloadCount(); n != 0 {
		t.Fatalf("ReloadCount = %d, want 0: runtime changes must not reload", n)
	}

	var cmdErr *CommandError
	if err := e.sup.SetServer(ctx, "be", "nope", host, port, 1, true); !errors.As(err, &cmdErr) ||
		!strings.Contains(cmdErr.Output, "No such server") {
		t.Fatalf("SetServer on a missing slot = %v, want a CommandError naming it", err)
	}
	outs, err := e.sup.Exec(ctx, "show version", "no such command", "show info")
	if !errors.As(err, &cmdErr) || cmdErr.Command != "no such command" || len(outs) != 3 ||
		!strings.HasPrefix(outs[0], "3.") || !strings.Contains(outs[2], "Pid:") {
		t.Fatalf("Exec = %q, %v", outs, err)
	}
}

// TestMovedServerHealth: HAProxy keeps a server's health across "set
// server addr", so a slot whose pod failed its checks, pointed at a new
// pod, stays down until checks pass again; through maintenance first (what
// the router sends when a slot changes pods), the new pod serves at once.
func TestMovedServerHealth(t *testing.T) {
	e := newEnv(t)
	host, port := startPod(t, "new-pod")
	dead := freePort(t) // nothing listens there
	e.reload(Files{MainConfig: e.config([]string{"default_backend be"},
		fmt.Sprintf("backend be\n    server s1 127.0.0.1:%d check inter 200ms fall 1 rise 10\n", dead))})
	ctx := context.Background()
	// waitDown waits until checks mark s1 down (srv_op_state 0 in "show
	// servers state": be_id be_name srv_id srv_name srv_addr srv_op_state).
	waitDown := func() {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			out, err := e.sup.Exec(ctx, "show servers state be")
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(out[0], "\n") {
				if f := strings.Fields(l); len(f) > 5 && f[3] == "s1" && f[5] == "0" {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("s1 not down within 5 s: %q", out)
			}
		}
	}
	move := func(addr string, port int, throughMaint bool) {
		t.Helper()
		var cmds []string
		if throughMaint {
			cmds, _ = ServerCommands("be", "s1", "", 0, -1, false)
		}
		more, err := ServerCommands("be", "s1", addr, port, -1, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.sup.Exec(ctx, append(cmds, more...)...); err != nil {
			t.Fatal(err)
		}
	}
	waitDown()
	move(host, port, false)
	e.expect("", 503, "") // still down: ten checks (2 s) to rise
	move("127.0.0.1", dead, false)
	waitDown()
	move(host, port, true)
	e.expect("", 200, "new-pod")
}

// TestMovedServerLateCheck: a check of the old pod still under way when a
// slot moves ends after it, failing. Out of maintenance a server's health
// is just up (rise), and that one failure takes it down; fully up ("set
// server health up", which the router sends after moving a checked slot),
// it stays up through it, as it would through fall-1 failures.
func TestMovedServerLateCheck(t *testing.T) {
	for _, fullyUp := range []bool{false, true} {
		t.Run(fmt.Sprintf("health up %v", fullyUp), func(t *testing.T) {
			e := newEnv(t)
			host, port := startPod(t, "new-pod")
			var slow atomic.Bool
			started, done := make(chan struct{}, 1), make(chan struct{}, 1)
			old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if slow.Load() {
					started <- struct{}{}
					time.Sleep(700 * time.Millisecond)
					defer func() { done <- struct{}{} }()
				}
				w.WriteHeader(http.StatusInternalServerError)
			}))
			t.Cleanup(old.Close)
			_, oldPort, _ := net.SplitHostPort(old.Listener.Addr().String())
			e.reload(Files{MainConfig: e.config([]string{"default_backend be"}, "backend be\n    option httpchk GET /\n"+
				"    timeout check 2s\n    server s1 127.0.0.1:"+oldPort+" check inter 300ms fall 3 rise 2\n")})
			ctx := context.Background()
			state := func() string {
				out, err := e.sup.Exec(ctx, "show servers state be")
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range strings.Split(out[0], "\n") {
					if f := strings.Fields(l); len(f) > 5 && f[3] == "s1" {
						return f[5] // srv_op_state: 0 down, 2 up
					}
				}
				t.Fatalf("no s1 in %q", out)
				return ""
			}
			for deadline := time.Now().Add(5 * time.Second); state() != "0"; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("s1 not down within 5 s")
				}
			}
			recv := func(ch chan struct{}, what string) {
				t.Helper()
				select {
				case <-ch:
				case <-time.After(5 * time.Second):
					t.Fatalf("no %s within 5 s", what)
				}
			}
			slow.Store(true)
			recv(started, "check of the old pod") // now under way
			cmds, _ := ServerCommands("be", "s1", "", 0, -1, false)
			more, err := ServerCommands("be", "s1", host, port, -1, true)
			if err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, more...)
			if fullyUp {
				cmds = append(cmds, "set server be/s1 health up")
			}
			if _, err := e.sup.Exec(ctx, cmds...); err != nil {
				t.Fatal(err)
			}
			e.expect("", 200, "new-pod")
			recv(done, "end of the late check")
			slow.Store(false)
			wentDown := false
			for end := time.Now().Add(400 * time.Millisecond); time.Now().Before(end) && !wentDown; time.Sleep(10 * time.Millisecond) {
				wentDown = state() == "0"
			}
			if wentDown == fullyUp {
				t.Errorf("after the late failed check: down %v, want %v", wentDown, !fullyUp)
			}
		})
	}
}

// A spare backend has no servers until a route takes it: they are added
// at runtime, checked or not, and start serving only once enabled.
func TestAddServerWithoutReload(t *testing.T) {
	e := newEnv(t)
	host, port := startPod(t, "from-added")

	e.reload(Files{MainConfig: e.config([]string{"default_backend _spare_1"}, "backend _spare_1\n    balance random\n")})
	e.expect("", 503, "")
	ctx := context.Background()
	execSetup := func(slot, options string, checked, ready bool) error {
		cmds, err := AddServerCommands("_spare_1", slot, host, port, 1, options, ready)
		if err != nil {
			return err
		}
		if checked {
			cmds = append(cmds, HealthCommands("_spare_1", slot, true)...)
		}
		_, err = e.sup.Exec(ctx, cmds...)
		return err
	}
	exec := func(slot string, check time.Duration, ready bool) error {
		if check > 0 {
			return execSetup(slot, fmt.Sprintf("check inter %dms", check.Milliseconds()), true, ready)
		}
		return execSetup(slot, "", false, ready)
	}
	if err := exec("s1", 0, false); err != nil {
		t.Fatalf("add s1 in maintenance: %v", err)
	}
	// The options of an h2c and of a reencrypt backend's servers (the pod
	// here speaks neither: kept in maintenance, HAProxy only has to take
	// them). The CA file is one the config loaded.
	if err := execSetup("h2", "check inter 1000ms proto h2", true, false); err != nil {
		t.Fatalf("add an HTTP/2 server: %v", err)
	}
	if err := execSetup("tls", "ssl verify required ca-file @system-ca verifyhost web.ns.svc sni str(web.ns.svc) alpn h2,http/1.1", false, false); err != nil {
		t.Fatalf("add a reencrypt server: %v", err)
	}
	e.expect("", 503, "")
	if err := exec("s2", time.Second, true); err != nil {
		t.Fatalf("add s2, checked and ready: %v", err)
	}
	e.expect("", 200, "from-added")
	var cmdErr *CommandError
	if err := exec("s2", 0, true); !errors.As(err, &cmdErr) || !strings.Contains(cmdErr.Output, "Already exists") {
		t.Fatalf("adding s2 again = %v, want HAProxy's refusal", err)
	}
	if n := e.reloadCount(); n != 0 {
		t.Fatalf("ReloadCount = %d, want 0: runtime changes must not reload", n)
	}
	for _, bad := range []struct {
		addr   string
		port   int
		weight int
	}{{"not-an-ip", 80, 1}, {"198.18.0.1", 0, 1}, {"198.18.0.1", 80, 257}, {"198.18.0.1 check", 80, 1}} {
		if _, err := AddServerCommands("_spare_1", "s3", bad.addr, bad.port, bad.weight, "", true); err == nil {
			t.Errorf("AddServerCommands(%q, %d, weight %d) accepted", bad.addr, bad.port, bad.weight)
		}
	}
	// Options never end the command or start a payload.
	for _, bad := range []string{"check; shutdown sessions server _spare_1/s1", "check\nadd map", "check\r", "check # x", "sni str(a;b)"} {
		if _, err := AddServerCommands("_spare_1", "s3", host, port, 1, bad, true); err == nil {
			t.Errorf("AddServerCommands with options %q accepted", bad)
		}
	}
}

func TestReplaceMapWithoutReload(t *testing.T) {
	e := newEnv(t)
	mapRel := "maps/hosts.map"
	mapPath := filepath.Join(e.cfgDir, mapRel)
	backends := "backend be_a\n    " + returns("a") + "\nbackend be_b\n    " + returns("b") + "\n" +
		"backend be_none\n    http-request return status 404 content-type text/plain string none\n"
	cfg := e.config([]string{"use_backend %[req.hdr(host),lower,map_str(" + mapPath + ")]", "default_backend be_none"}, backends)
	e.reload(Files{MainConfig: cfg, mapRel: []byte("old.example be_a\n")})
	e.expect("old.example", 200, "a")

	var entries [][2]string
	var disk strings.Builder
	for i := 0; i < 3000; i++ {
		be := []string{"be_a", "be_b"}[i%2]
		entries = append(entries, [2]string{fmt.Sprintf("h%04d.example", i), be})
		fmt.Fprintf(&disk, "h%04d.example %s\n", i, be)
	}
	if chunks, _ := mapChunks(mapPath, entries); len(chunks) < 3 {
		t.Fatalf("%d chunks: the test must exercise several add map payloads", len(chunks))
	}
	// Disk first, as the router does: runtime changes are lost on the next reload.
	if _, err := e.sup.WriteFiles(Files{mapRel: []byte(disk.String())}); err != nil {
		t.Fatal(err)
	}
	if err := e.sup.ReplaceMaps(context.Background(), MapContent{mapPath, entries}); err != nil {
		t.Fatalf("ReplaceMaps: %v", err)
	}
	e.expect("h0000.example", 200, "a")
	e.expect("h2999.example", 200, "b")
	e.expect("H1501.EXAMPLE", 200, "b")
	e.expect("old.example", 404, "none")
	if n := e.reloadCount(); n != 0 {
		t.Fatalf("ReloadCount = %d, want 0", n)
	}
	if err := e.sup.ReplaceMaps(context.Background(), MapContent{filepath.Join(e.cfgDir, "maps/unknown.map"), entries[:1]}); err == nil {
		t.Fatal("ReplaceMaps on a map HAProxy did not load succeeded")
	}
}

// TestReplaceMapsTogether: maps replaced together change together, and
// when one cannot be replaced none is: a route's exact-path and prefix-path
// keys must not go live one without the other.
func TestReplaceMapsTogether(t *testing.T) {
	e := newEnv(t)
	hostsRel, pathsRel := "maps/hosts.map", "maps/paths.map"
	hosts, paths := filepath.Join(e.cfgDir, hostsRel), filepath.Join(e.cfgDir, pathsRel)
	backends := "backend be_a\n    " + returns("a") + "\nbackend be_b\n    " + returns("b") + "\n" +
		"backend be_none\n    http-request return status 404 content-type text/plain string none\n"
	cfg := e.config([]string{
		"use_backend %[req.hdr(host),lower,map_str(" + hosts + ")] if { req.hdr(host),lower,map_str(" + hosts + ") -m found }",
		"use_backend %[path,map_beg(" + paths + ")] if { path,map_beg(" + paths + ") -m found }",
		"default_backend be_none"}, backends)
	e.reload(Files{MainConfig: cfg, hostsRel: []byte("old.example be_a\n"), pathsRel: []byte("/old be_a\n")})
	e.expect("old.example", 200, "a")

	newHosts := MapContent{hosts, [][2]string{{"new.example", "be_b"}}}
	unknown := MapContent{filepath.Join(e.cfgDir, "maps/unknown.map"), [][2]string{{"x", "be_b"}}}
	if err := e.sup.ReplaceMaps(context.Background(), newHosts, unknown); err == nil {
		t.Fatal("ReplaceMaps with a map HAProxy did not load succeeded")
	}
	e.expect("old.example", 200, "a") // unchanged: the other map failed
	e.expect("new.example", 404, "none")
	if err := e.sup.ReplaceMaps(context.Background(), MapContent{hosts, nil},
		MapContent{paths, [][2]string{{"/", "be_b"}}}); err != nil {
		t.Fatalf("ReplaceMaps: %v", err)
	}
	e.expect("old.example", 200, "b") // both changed: no host key, every path to be_b
	if n := e.reloadCount(); n != 0 {
		t.Fatalf("ReloadCount = %d, want 0", n)
	}
}

func TestRestartAfterCrash(t *testing.T) {
	e := newEnv(t)
	e.reload(Files{MainConfig: e.serving("v1")})
	pl, err := e.sup.ShowProc(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append([]Proc{pl.Master}, pl.Workers...) {
		if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", p.PID, err)
		}
	}

	deadline := time.Now().Add(5 * time.Second)
	for {
		pid := e.sup.PID()
		_, body, err := e.get(&http.Client{Timeout: time.Second}, "")
		if err == nil && body == "v1" && pid != 0 && pid != pl.Master.PID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not served again 5s after the crash: pid %d, %q, %v", pid, body, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m := e.sup.Metrics(); m.RestartsTotal != 1 {
		t.Fatalf("RestartsTotal = %d, want 1", m.RestartsTotal)
	}
	e.reload(Files{MainConfig: e.serving("v2")})
	e.expect("", 200, "v2")
}

func TestNoFailedRequestsDuringReloads(t *testing.T) {
	e := newEnv(t)
	e.reload(Files{MainConfig: e.serving("v0")})

	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		keepAlive := &http.Client{Timeout: 5 * time.Second}
		fresh := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		defer keepAlive.CloseIdleConnections()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			c := keepAlive
			if i%2 == 1 {
				c = fresh
			}
			code, body, err := e.get(c, "")
			if err == nil && code == 200 && strings.HasPrefix(body, "v") {
				ok.Add(1)
				continue
			}
			failed.Add(1)
			firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %q %v", code, body, err))
		}
	}()
	for i := 1; i <= 20; i++ {
		e.reload(Files{MainConfig: e.serving(fmt.Sprintf("v%d", i))})
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed during reloads, first: %v", failed.Load(), ok.Load()+failed.Load(), firstErr.Load())
	}
	if ok.Load() < 20 {
		t.Fatalf("only %d requests: the client did not overlap the reloads", ok.Load())
	}
	e.expect("", 200, "v20")
	t.Logf("%d requests, 0 failed, across 20 reloads", ok.Load())
}

// TestHealthCommands: a lone server whose checks fail is down, so
// requests get 503; turning its checks off alone leaves it down, turning
// them off with its health set up serves the pod again, and turning them
// on takes it down again. Every start and reload is a new worker.
func TestHealthCommands(t *testing.T) {
	e := newEnv(t)
	host, port := startPod(t, "lone-pod")
	if got := e.sup.Workers(); got != 0 {
		t.Fatalf("Workers before the first start = %d", got)
	}
	// The pod answers requests but not the check's path.
	e.reload(Files{MainConfig: e.config([]string{"default_backend be"}, fmt.Sprintf(
		"backend be\n    option httpchk GET /missing\n    http-check expect status 204\n"+
			"    server s1 %s check inter 100ms fall 2 rise 2\n", net.JoinHostPort(host, strconv.Itoa(port))))})
	ctx := context.Background()
	waitStatus := func(want int) {
		t.Helper()
		got := 0
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if got, _, _ = e.get(http.DefaultClient, ""); got == want {
				return
			}
		}
		t.Fatalf("status %d, want %d within 5 s", got, want)
	}
	run := func(cmds []string) {
		t.Helper()
		if _, err := e.sup.Exec(ctx, cmds...); err != nil {
			t.Fatal(err)
		}
	}
	waitStatus(503)
	run([]string{"disable health be/s1"})
	time.Sleep(300 * time.Millisecond) // three check intervals: none comes to bring it up
	if got, _, _ := e.get(http.DefaultClient, ""); got != 503 {
		t.Fatalf("checks off, health not set up: status %d, want the 503 of a server still down", got)
	}
	run(HealthCommands("be", "s1", false))
	e.expect("", 200, "lone-pod")
	time.Sleep(300 * time.Millisecond)
	e.expect("", 200, "lone-pod") // no check takes it down
	run(HealthCommands("be", "s1", true))
	waitStatus(503)
	if got := e.sup.Workers(); got != 1 {
		t.Fatalf("Workers after the start = %d, want 1", got)
	}
	e.reload(Files{MainConfig: e.config([]string{"default_backend be"}, "backend be\n")})
	if got := e.sup.Workers(); got != 2 {
		t.Fatalf("Workers after a reload = %d, want 2", got)
	}
}

// TestWriteFilesRestore: the disk written for a runtime update that then
// fails goes back to what HAProxy loaded, and a refused reload after it
// keeps that: a crash restart must not load files HAProxy never ran.
func TestWriteFilesRestore(t *testing.T) {
	e := newEnv(t)
	mapRel := "maps/hosts.map"
	loaded := []byte("old.example be_a\n")
	e.reload(Files{MainConfig: e.config(nil, ""), mapRel: loaded})
	path := filepath.Join(e.cfgDir, mapRel)
	restore, err := e.sup.WriteFiles(Files{mapRel: []byte("new.example be_a\n")})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new.example be_a\n" {
		t.Fatalf("disk %q after WriteFiles", b)
	}
	restore()
	if b, _ := os.ReadFile(path); !bytes.Equal(b, loaded) {
		t.Fatalf("disk %q after restore, want %q", b, loaded)
	}
	bad := Files{MainConfig: []byte("global\n  no-such-keyword\n"), mapRel: []byte("newer.example be_a\n")}
	if err := e.sup.Reload(context.Background(), bad, "test"); err == nil {
		t.Fatal("a broken config was not refused")
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, loaded) {
		t.Errorf("disk %q after a refused reload, want %q", b, loaded)
	}
}

// A reload that fails without a refusal (here the master CLI is never
// reached) leaves the disk as it was: a later refusal of the same files
// would otherwise keep them there, and a crash restart load them.
func TestFailedReloadLeavesDiskAsRunning(t *testing.T) {
	e := newEnv(t)
	good := e.serving("v1")
	e.reload(Files{MainConfig: good})
	broken := e.config([]string{returns("v2"), "bogus_keyword on"})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.sup.Reload(cancelled, Files{MainConfig: broken}, "test")
	if _, refused := Refusal(err); err == nil || refused {
		t.Fatalf("Reload with a cancelled context = %v, want an error other than a refusal", err)
	}
	if got := readFile(t, e.sup.ConfigPath()); got != string(good) {
		t.Fatalf("haproxy.cfg after a failed reload is not what HAProxy runs:\n%s", got)
	}
	if err := e.sup.Reload(context.Background(), Files{MainConfig: broken}, "test"); err == nil {
		t.Fatal("a broken config was not refused")
	}
	if got := readFile(t, e.sup.ConfigPath()); got != string(good) {
		t.Fatalf("haproxy.cfg after a refused reload is not what HAProxy runs:\n%s", got)
	}
	e.expect("", 200, "v1")
}

// holdConnection opens a connection through HAProxy to a backend that
// keeps it, so that the worker serving it drains after a reload.
func (e *env) holdConnection() (backend string, closeFn func()) {
	e.t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return l.Addr().String(), func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
}

// When HAProxy's current worker exits cleanly (SIGTERM) while an old one
// still drains a connection, the master stays up with nothing listening;
// the supervisor restarts HAProxy as after a crash.
func TestWorkerGoneMasterUp(t *testing.T) {
	e := newEnv(t)
	backend, release := e.holdConnection()
	defer release()
	tcp := func(body string) []byte {
		return e.config([]string{returns(body)}, fmt.Sprintf(
			"listen hold\n    mode tcp\n    bind 127.0.0.1:%d\n    server s %s\n", freePort(t), backend))
	}
	cfg := tcp("v1")
	e.reload(Files{MainConfig: cfg})
	hold := regexp.MustCompile(`bind 127\.0\.0\.1:(\d+)`).FindAllStringSubmatch(string(cfg), -1)[1][1]
	c, err := net.Dial("tcp", "127.0.0.1:"+hold)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(100 * time.Millisecond) // HAProxy connects to the backend
	e.reload(Files{MainConfig: cfg})
	old := e.sup.PID()
	if err := syscall.Kill(e.newestWorker(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		pid := e.sup.PID()
		_, body, err := e.get(&http.Client{Timeout: time.Second}, "")
		if err == nil && body == "v1" && pid != 0 && pid != old {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not served again 5s after the worker exited: master %d (was %d), %q, %v", pid, old, body, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m := e.sup.Metrics(); m.RestartsTotal != 1 {
		t.Fatalf("RestartsTotal = %d, want 1", m.RestartsTotal)
	}
}

// In its container the router is PID 1, which inherits the workers of a
// master that died: they are reaped, not left as zombies. A subreaper
// stands in for PID 1 here.
func TestCrashLeavesNoZombies(t *testing.T) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) }()
	e := newEnv(t)
	e.reload(Files{MainConfig: e.serving("v1")})
	for range 3 {
		old := e.sup.PID()
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for pid := e.sup.PID(); pid == 0 || pid == old; pid = e.sup.PID() {
			if time.Now().After(deadline) {
				t.Fatal("HAProxy not restarted 5s after its master was killed")
			}
			time.Sleep(10 * time.Millisecond)
		}
		e.expect("", 200, "v1")
	}
	if z := zombies(t); len(z) > 0 {
		t.Fatalf("zombie children after three crashes: %v", z)
	}
}

// zombies lists this process's children that exited and were not waited for.
func zombies(t *testing.T) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		// "pid (comm) state ppid ...": comm may hold spaces, not ')'.
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(fields) > 1 && fields[0] == "Z" && fields[1] == strconv.Itoa(os.Getpid()) {
			pid, _ := strconv.Atoi(strings.Fields(string(b))[0])
			out = append(out, pid)
		}
	}
	return out
}
