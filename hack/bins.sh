#!/usr/bin/env bash
# Builds, from source, every binary the tests and the local stack need, into a
# cache outside the clone keyed by version, so that a fresh clone on the same
# machine reuses them:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy,
#   kubectl  (k8s.io/kubernetes)
#   etcd (go.etcd.io/etcd/server/v3), kwok (sigs.k8s.io/kwok)
#   coredns (github.com/coredns/coredns), external-dns (sigs.k8s.io/external-dns)
#   haproxy 3.0 (the vendored tarball in ../shared/vendor, checked against its sha256)
#
# usage: hack/bins.sh [all|k8s|dns|haproxy|bench-tools|assets-dir|dns-dir|haproxy-path]
#   all          build whatever is missing (default)
#   k8s          only the control plane and kwok
#   dns          only CoreDNS and ExternalDNS (the local stack's DNS)
#   haproxy      only haproxy
#   bench-tools  install the benchmarks' load tools (wrk, h2load, hey) when missing
#   assets-dir   print the KUBEBUILDER_ASSETS directory
#   dns-dir      print the directory of coredns and external-dns
#   haproxy-path print the haproxy binary to use (an haproxy >= 3.0 on PATH wins)
set -euo pipefail

K8S_VERSION=v1.37.2
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.7.0
COREDNS_VERSION=v1.15.0
EXTERNALDNS_VERSION=v0.21.0
HAPROXY_VERSION=3.0.11
HAPROXY_SHA256=a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cache=${OKD_INGRESS_CACHE:-$HOME/.cache/okd-ingress}
assets=$cache/bin-k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION
haproxy_dir=$cache/haproxy-$HAPROXY_VERSION
dns_dir=$cache/bin-coredns-$COREDNS_VERSION-external-dns-$EXTERNALDNS_VERSION
# The vendored HAProxy tarball: next to the clone (../shared/vendor), or the
# workspace's shared copy when the clone lives elsewhere.
vendor=${OKD_INGRESS_VENDOR:-}
if [ -z "$vendor" ]; then
	for d in "$root/../shared/vendor" /work/shared/vendor; do
		[ -d "$d" ] && vendor=$d && break
	done
fi

log() { echo "hack/bins.sh: $*" >&2; }

# build_go <out> <module dir> <package> [ldflags]: builds into a temporary
# file and renames it, so an interrupted build never leaves a broken binary.
build_go() {
	local out=$1 dir=$2 pkg=$3 ldflags=${4:-}
	[ -x "$out" ] && return 0
	log "building $(basename "$out") (a few minutes on a cold cache)"
	local start=$SECONDS
	(cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
	mv "$out.tmp" "$out"
	log "built $(basename "$out") in $((SECONDS - start))s"
}

build_k8s() {
	mkdir -p "$assets"
	local minor=${K8S_VERSION#v1.}
	minor=${minor%%.*}
	local ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
	build_go "$assets/etcd" "$here/etcd" . "-s -w"
	for b in kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubectl; do
		build_go "$assets/$b" "$here/k8sbins" "./cmd/$b" "$ld"
	done
	if [ ! -x "$assets/kwok" ]; then
		log "building kwok"
		GOBIN="$assets/.kwok" CGO_ENABLED=0 go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
		mv "$assets/.kwok/kwok" "$assets/kwok" && rmdir "$assets/.kwok"
	fi
}

# go_install <dir> <binary> <module@version>: go install into a temporary
# GOBIN, then rename, so an interrupted build leaves nothing half-built.
go_install() {
	local dir=$1 bin=$2 pkg=$3
	[ -x "$dir/$bin" ] && return 0
	mkdir -p "$dir"
	log "building $bin (a few minutes on a cold cache)"
	local start=$SECONDS
	rm -rf "$dir/.gobin"
	GOBIN="$dir/.gobin" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "$pkg"
	mv "$dir/.gobin/$(basename "${pkg%@*}")" "$dir/$bin" && rmdir "$dir/.gobin"
	log "built $bin in $((SECONDS - start))s"
}

# The local stack's DNS: CoreDNS serves cluster.local from the API server
# and the apps domains from etcd, where ExternalDNS writes the records.
build_dns() {
	go_install "$dns_dir" coredns "github.com/coredns/coredns@$COREDNS_VERSION"
	go_install "$dns_dir" external-dns "sigs.k8s.io/external-dns@$EXTERNALDNS_VERSION"
}

haproxy_ok() { # haproxy_ok <binary>: true when it is HAProxy 3.0 or newer
	local v
	v=$("$1" -v 2>/dev/null | sed -n 's/^HAProxy version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	[ -n "$v" ] && set -- $v && { [ "$1" -gt 3 ] || { [ "$1" -eq 3 ] && [ "$2" -ge 0 ]; }; }
}

haproxy_path() {
	if command -v haproxy >/dev/null && haproxy_ok "$(command -v haproxy)"; then
		command -v haproxy
	else
		echo "$haproxy_dir/haproxy"
	fi
}

build_haproxy() {
	local bin
	bin=$(haproxy_path)
	[ -x "$bin" ] && return 0
	local deps=(libssl-dev libpcre2-dev zlib1g-dev make gcc)
	local missing=()
	for d in "${deps[@]}"; do dpkg -s "$d" >/dev/null 2>&1 || missing+=("$d"); done
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing build dependencies: ${missing[*]}"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
	local tarball=$vendor/haproxy-$HAPROXY_VERSION.tar.gz
	[ -f "$tarball" ] || { log "haproxy-$HAPROXY_VERSION.tar.gz not found: set OKD_INGRESS_VENDOR to the directory holding it"; exit 1; }
	echo "$HAPROXY_SHA256  $tarball" | sha256sum -c --quiet - || { log "checksum mismatch: $tarball"; exit 1; }
	local work
	work=$(mktemp -d)
	log "building haproxy $HAPROXY_VERSION (about a minute)"
	tar -xzf "$tarball" -C "$work"
	make -s -C "$work/haproxy-$HAPROXY_VERSION" -j"$(nproc)" TARGET=linux-glibc \
		USE_OPENSSL=1 USE_PCRE2=1 USE_PCRE2_JIT=1 USE_PROMEX=1 USE_ZLIB=1 >/dev/null
	mkdir -p "$haproxy_dir"
	cp "$work/haproxy-$HAPROXY_VERSION/haproxy" "$haproxy_dir/haproxy.tmp"
	mv "$haproxy_dir/haproxy.tmp" "$haproxy_dir/haproxy"
	rm -rf "$work"
	"$haproxy_dir/haproxy" -v | head -1 >&2
}

# Runtime tools of the local stack and its tests: ip (namespaces, bridge,
# routes), unshare, nft for kube-proxy's nftables mode, and dig for the
# commands `make run` prints.
install_tools() {
	local missing=()
	for p in iproute2 util-linux nftables bind9-dnsutils; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing: ${missing[*]}"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}

# Load tools of the benchmarks (bench/): wrk, h2load (nghttp2-client), hey.
install_bench_tools() {
	local missing=()
	for p in wrk nghttp2-client hey; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing: ${missing[*]}"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}

# One build at a time per cache: CI and a developer may share a machine.
locked() {
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9
	"$@"
}

case "${1:-all}" in
all) install_tools && locked build_haproxy && locked build_k8s && locked build_dns ;;
k8s) locked build_k8s ;;
dns) locked build_dns ;;
haproxy) locked build_haproxy ;;
bench-tools) install_bench_tools ;;
assets-dir) echo "$assets" ;;
dns-dir) echo "$dns_dir" ;;
haproxy-path) haproxy_path ;;
*) echo "usage: $0 [all|k8s|dns|haproxy|bench-tools|assets-dir|dns-dir|haproxy-path]" >&2; exit 2 ;;
esac
