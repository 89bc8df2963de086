// Command router serves Routes through HAProxy, one process per router pod.
//
// The router pipeline (watch → admission → model → render → haproxy, and
// status) is the subject of its own issue; until it lands, this binary only
// reports its identity so that images and Deployments can already be built.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "okd-ingress router: the HAProxy router is not built yet (see the router issue); exiting")
	os.Exit(2)
}
