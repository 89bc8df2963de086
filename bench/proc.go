package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"github.com/okd-ingress/okd-ingress/internal/router"
	"github.com/okd-ingress/okd-ingress/test/e2e/framework"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/okd-ingress/okd-ingress/internal/router/haproxy"
)

// procKB reads a "<Field>: <n> kB" line of a /proc file (status or
// smaps_rollup); 0 when the process is gone.
func procKB(pid int, file, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// rssKB is a process's resident set: what `ps` and the kubelet show.
func rssKB(pid int) int { return procKB(pid, "status", "VmRSS") }

// pssKB is a process's proportional set: pages shared with its master (a
// forked worker shares the parsed configuration until it writes to it)
// count once across them, so the PSS of master and workers adds up.
func pssKB(pid int) int { return procKB(pid, "smaps_rollup", "Pss") }

// cpuTime is the CPU a process used so far (user and system).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return time.Duration(u+s) * time.Second / 100 // USER_HZ is 100 on Linux
}

// parentPID is the parent of pid (0 when it is gone).
func parentPID(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}

// command is exec.Command for the children the benchmark waits on for
// seconds or keeps running (load tools, HAProxy, `haproxy -c`): see
// dieWithBench.
func command(name string, args ...string) *exec.Cmd { return dieWithBench(exec.Command(name, args...)) }

// dieWithBench makes cmd's process get SIGKILL when the benchmark dies
// (Pdeathsig), so that a benchmark killed or crashing mid-run leaves no
// load tool or HAProxy behind holding CPUs, ports or descriptors. Other
// SysProcAttr fields already set (Setpgid, …) are kept. The kernel sends
// the signal when the thread that started the child exits, not the
// process: the Go runtime ends a thread only when a goroutine exits while
// locked to it (runtime.LockOSThread), which nothing linked into the
// benchmark does (internal/localnet does, and is not linked), so the
// threads live as long as the process and no thread is locked here.
func dieWithBench(cmd *exec.Cmd) *exec.Cmd {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	return cmd
}

// pin moves every thread of pid to the CPUs listed ("0", "1", "0-1").
func pin(pid int, cpus string) error {
	if out, err := exec.Command("taskset", "-a", "-cp", cpus, strconv.Itoa(pid)).CombinedOutput(); err != nil {
		return fmt.Errorf("taskset %s %d: %v: %s", cpus, pid, err, out)
	}
	return nil
}

// pinSelf moves this process (every thread) to cpus; threads started
// later inherit it, and so do child processes.
func pinSelf(cpus string) error { return pin(os.Getpid(), cpus) }

// unpinAll gives this process and its children the CPUs this process had
// before the first pinning (all of them when that cannot be read).
func unpinAll() { _ = pinAll(origCPUs()) }

// origCPUs is this process's CPU list before any pinning, read on first
// use: pinAll reads it before it pins anything.
var origCPUs = sync.OnceValue(func() string {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(os.Getpid(), &set); err == nil && set.Count() > 0 {
		var cpus []string
		for i := 0; len(cpus) < set.Count() && i < 8*int(unsafe.Sizeof(set)); i++ {
			if set.IsSet(i) {
				cpus = append(cpus, strconv.Itoa(i))
			}
		}
		return strings.Join(cpus, ",")
	}
	return fmt.Sprintf("0-%d", max(1, runtime.NumCPU()-1))
})

// pinAll moves this process and every process it started before (the
// control plane of the earlier benchmarks, HAProxys) to cpus. A process
// that exits meanwhile is skipped.
func pinAll(cpus string) error {
	origCPUs()
	for _, pid := range descendants(os.Getpid()) {
		_ = pin(pid, cpus)
	}
	return pinSelf(cpus)
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if p, err := strconv.Atoi(e.Name()); err == nil {
			parent[p] = framework.ParentOf(p)
		}
	}
	var out []int
	for p := range parent {
		for q, hops := parent[p], 0; q > 1 && hops < 64; q, hops = parent[q], hops+1 {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// procsOf asks the HAProxy master of a run directory for its processes.
// A Supervisor that never started only dials the master socket, so this
// works for a router process's HAProxy too.
func procsOf(runDir string) (*haproxy.ProcList, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return haproxy.New(haproxy.Options{RunDir: runDir}).ShowProc(ctx)
}

// memory is the resident memory of one HAProxy: master, current worker
// and old workers still finishing connections.
type memory struct {
	MasterRSS, WorkerRSS, OldRSS int // kB
	PSS                          int // kB, master and all workers
	OldWorkers                   int
}

func haproxyMemory(pl *haproxy.ProcList) memory {
	m := memory{MasterRSS: rssKB(pl.Master.PID), PSS: pssKB(pl.Master.PID), OldWorkers: len(pl.OldWorkers)}
	for _, w := range pl.Workers {
		m.WorkerRSS += rssKB(w.PID)
		m.PSS += pssKB(w.PID)
	}
	for _, w := range pl.OldWorkers {
		m.OldRSS += rssKB(w.PID)
		m.PSS += pssKB(w.PID)
	}
	return m
}

// waitOldWorkers waits until the master lists no old worker (they exit
// once their connections are done), up to timeout.
func waitOldWorkers(runDir string, timeout time.Duration) (*haproxy.ProcList, error) {
	deadline := time.Now().Add(timeout)
	for {
		pl, err := procsOf(runDir)
		if err == nil && len(pl.OldWorkers) == 0 {
			return pl, nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("%d old workers still running after %s", len(pl.OldWorkers), timeout)
			}
			return pl, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settledReloads reads a reload count until two reads settle apart
// agree, and returns it. A router reloads at most once per
// RELOAD_INTERVAL, so a change it has queued shows in the count within an
// interval and a reload's length: read at once, the count can miss the
// reloads a run caused last. Bounded: after 10 reads that all differ it
// gives up with an error.
func settledReloads(read func() (int, error), settle time.Duration) (int, error) {
	const tries = 10
	prev, err := read()
	if err != nil {
		return 0, err
	}
	for range tries - 1 {
		time.Sleep(settle)
		cur, err := read()
		if err != nil {
			return 0, err
		}
		if cur == prev {
			return cur, nil
		}
		prev = cur
	}
	return prev, fmt.Errorf("reload count still changing after %d reads %s apart (last %d)", tries, settle, prev)
}

// reloadSettle is how far apart settledReloads reads for a router with
// reload interval interval: the interval, and half a second for the
// reload itself to start.
func reloadSettle(interval time.Duration) time.Duration { return interval + 500*time.Millisecond }

// waitQuiet waits until pid uses less than 5 % of a CPU over half a
// second (a router done writing statuses), up to timeout.
func waitQuiet(pid int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		before := cpuTime(pid)
		time.Sleep(500 * time.Millisecond)
		if cpuTime(pid)-before < 25*time.Millisecond {
			return
		}
	}
}

// fileLimitNote says which descriptor limit HAProxy ran with.
var fileLimitNote string

// podFileLimit is what container runtimes give a pod: with it, ten
// thousands of health-checked server slots fit.
const podFileLimit = 1 << 20

// checksFit reports whether health checks can stay on at tens of
// thousands of routes: the router budgets every route's backend at least
// four servers (the capacity it may add at runtime), each holding a
// descriptor while checks are on, and fits maxconn to what is left (a
// 20,000 limit holds about 4,900 routes).
func checksFit() bool { l := router.NofileLimit(); return l == 0 || l >= podFileLimit }

// raiseFileLimit gives this process and its children a pod's descriptor
// limit (container runtimes default to 1,048,576) when it may: the router
// sizes HAProxy's maxconn from it. It returns what limit is in force.
func raiseFileLimit() string {
	want := syscall.Rlimit{Cur: podFileLimit, Max: podFileLimit}
	err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want)
	var lim syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	if err == nil {
		return fmt.Sprintf("open-file limit %d (a pod's)", lim.Max)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	return fmt.Sprintf("open-file limit %d (this machine's hard limit; raising it needs CAP_SYS_RESOURCE: %v)", lim.Max, err)
}

// statsCommand sends one command to an HAProxy stats socket and returns
// the answer (HAProxy closes the connection after it).
func statsCommand(sock, cmd string) (string, error) {
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, cmd+"\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}
