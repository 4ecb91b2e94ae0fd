package valkeytest

import "syscall"

// procAttr puts the server in its own process group and has the kernel
// kill it if the test binary dies first, so no server outlives its test.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
