#!/usr/bin/env bash
# What the internal TLS hop costs HAProxy per connection, and whether bind
# options change it (BENCHMARKS.md §4, "The TLS hop by hand"). As root,
# nothing else running:
#
#   bash bench/byhand/hop/run.sh [rounds]
#
# One HAProxy (nbthread 1) pinned to CPU 0; hey (-c 16, a new connection and
# TLS handshake per request, 5 s after a 1 s warm-up) and a net/http backend
# on CPU 1, all on 127.0.0.1; an RSA 2048 certificate. Variants: "direct"
# terminates TLS on the listening port (a minimal config); "hop" reads the
# SNI in a TCP frontend and hands the connection to a TLS frontend over an
# abstract socket with PROXY v2, as the router does with passthrough routes;
# then the hop with defer-accept, without the PROXY header, with
# tcp-smart-accept/connect, over a unix socket, and direct with
# defer-accept. Each prints HAProxy CPU time per connection.
set -euo pipefail
rounds=${1:-4}
root=$(cd "$(dirname "$0")/../../.." && pwd)
ha=$(bash "$root/hack/bins.sh" haproxy-path)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/pod" ./bench/byhand/headers/gopod)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/k.pem" -out "$work/c.pem" -days 30 \
	-subj /CN=a.test -addext subjectAltName=DNS:a.test 2>/dev/null
cat "$work/c.pem" "$work/k.pem" >"$work/crt.pem"
taskset -c 1 "$work/pod" 127.0.0.1:18080 &
sleep 0.5

config() {
	local v=" ${1//-/ } " da="" pp=" send-proxy-v2" ap=" accept-proxy" sock="abns@hopfe-$$"
	[[ $v == *" defer "* ]] && da=" defer-accept"
	[[ $v == *" nopp "* ]] && { pp=""; ap=""; }
	[[ $v == *" unix "* ]] && sock="unix@$work/fe.sock"
	printf 'global\n  nbthread 1\n  maxconn 5000\n'
	printf 'defaults\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n'
	if [[ $v == *" direct "* ]]; then
		printf 'frontend tls\n  mode http\n  bind 127.0.0.1:18443%s ssl crt %s alpn http/1.1\n  default_backend app\n' "$da" "$work/crt.pem"
	else
		printf 'frontend pub\n  mode tcp\n  bind 127.0.0.1:18443%s\n' "$da"
		printf '  tcp-request inspect-delay 5s\n  tcp-request content accept if { req_ssl_hello_type 1 }\n'
		printf '  use_backend pass if { req_ssl_sni -i nomatch.test }\n  default_backend term\n'
		[[ $v == *" smart "* ]] && printf '  option tcp-smart-accept\n'
		printf 'backend pass\n  mode tcp\n  server p 127.0.0.1:1\n'
		printf 'backend term\n  mode tcp\n'
		[[ $v == *" smart "* ]] && printf '  option tcp-smart-connect\n'
		printf '  server fe %s%s\n' "$sock" "$pp"
		printf 'frontend tls\n  mode http\n  bind %s%s ssl crt %s alpn http/1.1\n  default_backend app\n' "$sock" "$ap" "$work/crt.pem"
	fi
	printf 'backend app\n  mode http\n  server pod 127.0.0.1:18080\n'
}

cputicks() { awk '{print $14+$15}' "/proc/$1/stat"; }

variants=(direct hop hop-defer hop-nopp hop-smart hop-unix direct-defer)
printf '%-14s %8s %6s %9s\n' variant conn/s cpu us/conn
for _ in $(seq "$rounds"); do
	for v in "${variants[@]}"; do
		rm -f "$work/fe.sock"
		config "$v" >"$work/$v.cfg"
		taskset -c 0 "$ha" -f "$work/$v.cfg" -D -p "$work/$v.pid"
		sleep 0.3
		pid=$(cat "$work/$v.pid")
		taskset -c 1 hey -z 1s -c 16 -disable-keepalive -host a.test https://127.0.0.1:18443/ >/dev/null
		c0=$(cputicks "$pid")
		out=$(taskset -c 1 hey -z 5s -c 16 -disable-keepalive -host a.test https://127.0.0.1:18443/)
		c1=$(cputicks "$pid")
		kill "$pid"
		sleep 0.3
		n=$(awk '/\[200\]/{print $2}' <<<"$out")
		awk -v v="$v" -v d="$((c1 - c0))" -v n="$n" -v tick="$(getconf CLK_TCK)" \
			'BEGIN { printf "%-14s %8.0f %5.0f%% %9.1f\n", v, n/5, 100*d/tick/5, d/tick*1e6/n }'
	done
done
