//go:build linux

package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestWorkstationStopsCleanlyOnSignals runs the real binary's workstation
// on a pseudo-terminal and sends it each signal that ends a session: the
// terminal must get the sequence that leaves the alternate screen, and the
// database must be closed cleanly (docket check passes, nothing holds it).
func TestWorkstationStopsCleanlyOnSignals(t *testing.T) {
	d := newDocket(t)
	db := filepath.Join(d.dir, "demo.db")
	d.ok("me", "demo", "--no-ui", "--cases", "20", "--db", db)
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			screen, code := d.signalWorkstation(t, db, sig)
			enter := strings.Index(screen, "\x1b[?1049h")
			if enter < 0 || !strings.Contains(screen[enter:], "My queue") {
				t.Fatalf("the workstation never drew a frame:\n%q", screen)
			}
			if !strings.Contains(screen[enter:], "\x1b[?1049l") {
				t.Fatalf("after %v the terminal was left in the alternate screen:\n%q", sig, tail(screen, 300))
			}
			if code != 1 || !strings.Contains(screen, "stopped by signal") {
				t.Fatalf("after %v: exit %d, last output %q", sig, code, tail(screen, 200))
			}
			d.check(db, sig.String())
			d.ok("me", "--db", db, "case", "list") // the lock is free
		})
	}
}

// signalWorkstation starts the workstation on a new pseudo-terminal, waits
// for its first frame, sends sig and returns everything the terminal got
// and the exit code.
func (d *docket) signalWorkstation(t *testing.T, db string, sig syscall.Signal) (string, int) {
	master, tty := openPTY(t)
	defer master.Close()
	cmd := d.command("me", "--db", db)
	cmd.Env = append(cmd.Env, "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var mu sync.Mutex
	var screen bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		answered := false
		for {
			n, err := master.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			// Answer the colour and cursor queries at start-up as a
			// terminal would, rather than have docket wait them out.
			if !answered && bytes.Contains(screen.Bytes(), []byte("\x1b[6n")) {
				answered = true
				master.WriteString("\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[1;1R")
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	seen := func(s string) bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(screen.String(), s)
	}
	for deadline := time.Now().Add(15 * time.Second); !seen("My queue"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no first frame in 15 s:\n%q", screen.String())
		}
	}
	time.Sleep(100 * time.Millisecond) // let the first frame settle
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("still running 10 s after %v", sig)
	}
	time.Sleep(50 * time.Millisecond) // the last bytes on their way
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	mu.Lock()
	defer mu.Unlock()
	return screen.String(), code
}

// openPTY opens a pseudo-terminal pair of 120×30 cells.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	var n uint32
	if err := ioctl(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(master, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	size := struct{ rows, cols, x, y uint16 }{30, 120, 0, 0}
	if err := ioctl(tty, syscall.TIOCSWINSZ, unsafe.Pointer(&size)); err != nil {
		t.Fatal(err)
	}
	return master, tty
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }
