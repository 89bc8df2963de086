// Command rawpod answers each HTTP/1.1 request with a canned response
// without parsing its headers, so that HAProxy, not the backend, is the
// limit whatever headers the proxy adds.
package main

import (
	"bytes"
	"log"
	"net"
	"os"
)

var resp = []byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Pod: p\r\n\r\nok\n")

func main() {
	l, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c)
	}
}

// serve answers one response per "\r\n\r\n" it reads (requests carry no body).
func serve(c net.Conn) {
	defer c.Close()
	buf, out := make([]byte, 64<<10), make([]byte, 0, 64<<10)
	have := 0
	for {
		n, err := c.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		out, start := out[:0], 0
		for {
			i := bytes.Index(buf[start:have], []byte("\r\n\r\n"))
			if i < 0 {
				break
			}
			start += i + 4
			out = append(out, resp...)
		}
		copy(buf, buf[start:have])
		have -= start
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	}
}
