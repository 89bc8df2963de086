// Package logrelay is the "logs" sidecar of a router pod whose access logs
// go to the Container destination: it receives HAProxy's syslog messages
// on a unix datagram socket and prints each on a line of its own, so that
// `kubectl logs <pod> -c logs` shows them.
package logrelay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// maxMessage is more than the longest message HAProxy sends (8192 bytes,
// the IngressController's ceiling): a longer one is cut, not split.
const maxMessage = 16 << 10

// Listen makes the socket at path, replacing one a previous run left.
// Its mode lets the pod's other containers write to it when they run as
// another user of the same group (OpenShift gives containers group 0).
func Listen(path string) (*net.UnixConn, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o660); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// Serve prints what arrives on conn to out. Once ctx ends it goes on
// until no message has come for quiet: the pod's containers are stopped
// together, and the router drains its connections after that, logging
// each request it still serves.
func Serve(ctx context.Context, conn *net.UnixConn, out io.Writer, quiet time.Duration) error {
	defer conn.Close()
	stopping := make(chan struct{})
	go func() {
		<-ctx.Done()
		_ = conn.SetReadDeadline(time.Now().Add(quiet))
		close(stopping)
	}()
	buf := make([]byte, maxMessage)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			select {
			case <-stopping:
				if errors.Is(err, os.ErrDeadlineExceeded) {
					return nil
				}
			default:
			}
			return err
		}
		if _, err := fmt.Fprintf(out, "%s\n", Line(buf[:n])); err != nil {
			return err
		}
		select {
		case <-stopping:
			_ = conn.SetReadDeadline(time.Now().Add(quiet))
		default:
		}
	}
}

// Line is a syslog message as printed: without its priority ("<134>")
// and final newline, and with any other line break made a space, so that
// one request is one line.
func Line(msg []byte) []byte {
	if len(msg) > 0 && msg[0] == '<' {
		if end := bytes.IndexByte(msg[:min(len(msg), 6)], '>'); end > 0 {
			msg = msg[end+1:]
		}
	}
	msg = bytes.TrimRight(msg, "\r\n")
	return bytes.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, msg)
}
