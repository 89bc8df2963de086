# One image, three binaries: the manager (operator, Ingress→Route, webhooks
# or the Route API server's certificates), the Route API server (aggregated
# route.openshift.io), and the router, which supervises HAProxy 3.0 LTS in the
# same container.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY config/ config/
COPY controllers/ controllers/
COPY internal/ internal/
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/okd-ingress-manager ./cmd/manager && \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/okd-ingress-route-apiserver ./cmd/route-apiserver && \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/okd-ingress-router ./cmd/router

# Debian 13 ships HAProxy 3.0 LTS with Debian's security patches.
FROM debian:trixie-slim
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy ca-certificates libcap2-bin && \
    # HostNetwork routers bind ports 80 and 443 as a non-root user: they run
    # a copy of HAProxy that gets exactly NET_BIND_SERVICE from a file
    # capability (their pods add it and allow the escalation). Every other
    # router runs the plain binary: a file capability would make exec fail
    # where privilege escalation is off.
    cp /usr/sbin/haproxy /usr/sbin/haproxy-bind-low-ports && \
    setcap 'cap_net_bind_service=+ep' /usr/sbin/haproxy-bind-low-ports && \
    rm -rf /var/lib/apt/lists/* && \
    # No setuid or setgid program: HostNetwork routers run with privilege
    # escalation allowed (for the file capability above), and nothing in
    # the image needs to become another user.
    find / -xdev -perm /6000 -type f -exec chmod a-s {} + && \
    mkdir -p /var/lib/haproxy/router /var/lib/haproxy/run && \
    chown -R 1001:0 /var/lib/haproxy && chmod -R g=u /var/lib/haproxy
COPY --from=build /out/ /usr/bin/
# Non-root; HostNetwork routers get NET_BIND_SERVICE from their pod spec.
USER 1001
ENV ROUTER_HAPROXY_BINARY=/usr/sbin/haproxy
ENTRYPOINT ["/usr/bin/okd-ingress-router"]
