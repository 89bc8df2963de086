package localcluster

import "syscall"

// sysProcAttr has the kernel kill a component when the test process dies
// without calling Stop (a panic, a timeout, ^C), so that none is left
// running against a dead API server. (The signal follows the OS thread
// that started the child; the Go runtime only retires threads a goroutine
// left locked, which this package never does.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
