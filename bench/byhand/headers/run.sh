#!/usr/bin/env bash
# What each of OKD's default forwarded headers and the stickiness cookie
# costs HAProxy per request (BENCHMARKS.md §4, "What each default header
# costs"). As root, nothing else running:
#
#   bash bench/byhand/headers/run.sh [rounds] [raw|go]
#
# One HAProxy (nbthread 1) pinned to CPU 0 in front of a backend on CPU 1
# with wrk (-t1 -c32, 5 s after a 1 s warm-up), all on 127.0.0.1; each
# variant's HAProxy CPU time per request and its requests/s, rounds
# interleaved. Backend "raw" parses no headers (HAProxy is the limit),
# "go" is net/http (the load tool's core is).
set -euo pipefail
rounds=${1:-4}
pod=${2:-raw}
root=$(cd "$(dirname "$0")/../../.." && pwd)
ha=$(bash "$root/hack/bins.sh" haproxy-path)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/pod" "./bench/byhand/headers/${pod}pod")
taskset -c 1 "$work/pod" 127.0.0.1:18080 &
sleep 0.5

# config VARIANT: the variant's words (xff host port proto fwd cookie
# optfwd) each add one of the router's default rules.
config() {
	local v=" ${1//-/ } "
	printf 'global\n  nbthread 1\n  maxconn 5000\n  tune.bufsize 32768\n'
	printf 'defaults\n  mode http\n  option http-keep-alive\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n'
	printf 'frontend http\n  bind 127.0.0.1:18081\n'
	[[ $v == *" xff "* ]] && printf '  option forwardfor\n'
	[[ $v == *" host "* ]] && printf '  http-request add-header X-Forwarded-Host %%[req.hdr(host)]\n'
	[[ $v == *" port "* ]] && printf '  http-request add-header X-Forwarded-Port %%[dst_port]\n'
	[[ $v == *" proto "* ]] && printf '  http-request add-header X-Forwarded-Proto http\n'
	[[ $v == *" fwd "* ]] && printf '  http-request add-header Forwarded for=%%[src];host=%%[req.hdr(host)];proto=http\n'
	printf '  default_backend app\nbackend app\n'
	[[ $v == *" cookie "* ]] && printf '  dynamic-cookie-key k\n  cookie c insert indirect nocache httponly dynamic\n'
	[[ $v == *" optfwd "* ]] && printf '  option forwarded host for proto\n'
	printf '  server pod 127.0.0.1:18080\n'
}

cputicks() { awk '{print $14+$15}' "/proc/$1/stat"; }

variants=(none xff xff-host xff-port xff-proto xff-fwd xff-optfwd xff-cookie xff-host-port-proto-fwd-cookie)
printf '%-34s %10s %6s %8s\n' variant req/s cpu us/req
for _ in $(seq "$rounds"); do
	for v in "${variants[@]}"; do
		config "$v" >"$work/$v.cfg"
		taskset -c 0 "$ha" -f "$work/$v.cfg" -D -p "$work/$v.pid"
		sleep 0.3
		pid=$(cat "$work/$v.pid")
		taskset -c 1 wrk -t1 -c32 -d1s http://127.0.0.1:18081/ >/dev/null
		c0=$(cputicks "$pid")
		out=$(taskset -c 1 wrk -t1 -c32 -d5s http://127.0.0.1:18081/)
		c1=$(cputicks "$pid")
		kill "$pid"
		sleep 0.3
		n=$(awk '/requests in/{print $1}' <<<"$out")
		rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
		tick=$(getconf CLK_TCK)
		awk -v v="$v" -v rps="$rps" -v d="$((c1 - c0))" -v n="$n" -v tick="$tick" \
			'BEGIN { printf "%-34s %10.0f %5.0f%% %8.2f\n", v, rps, 100*d/tick/5, d/tick*1e6/n }'
	done
done
