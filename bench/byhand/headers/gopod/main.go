// Command gopod is the data-plane benchmark's backend in miniature: a Go
// net/http server answering 3 bytes, which parses every request header.
package main

import (
	"log"
	"net/http"
	"os"
)

func main() {
	body := []byte("ok\n")
	log.Fatal(http.ListenAndServe(os.Args[1], http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Pod", "p")
		w.Header().Set("Content-Length", "3")
		_, _ = w.Write(body)
	})))
}
