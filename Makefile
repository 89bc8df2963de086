# okd-ingress: `make run` starts the whole stack on this machine, `make test`
# runs every test. Both build what a fresh machine lacks (HAProxy 3.0 and the
# Kubernetes test binaries, from source) into ~/.cache/okd-ingress first.
SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

BIN            := $(CURDIR)/bin
CONTROLLER_GEN := $(BIN)/controller-gen
CONTROLLER_GEN_VERSION := v0.23.0
STATICCHECK    := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
OPENAPI_GEN    := $(BIN)/openapi-gen
# The kube-openapi of go.mod: the generated code and the library must agree.
OPENAPI_GEN_VERSION = $(shell go list -m -f '{{.Version}}' k8s.io/kube-openapi)

# Test binaries: the directory envtest reads, and the haproxy to run.
ASSETS  = $(shell bash hack/bins.sh assets-dir)
HAPROXY = $(shell bash hack/bins.sh haproxy-path)
TEST_ENV = KUBEBUILDER_ASSETS=$(ASSETS) OKD_INGRESS_HAPROXY=$(HAPROXY)

# Suites that run a second time with the Route API as a CRD (the first run,
# like `make run`, serves it from the aggregated Route API server).
CRD_MODE_PKGS = ./test/api/ ./test/ingress/ ./test/e2e/router/

# Suites append summary lines (e.g. conformance scenarios passed) here.
REPORT = $(CURDIR)/bin/test-report.txt

# Timeouts are generous upper bounds for a 2-core machine, not goals. One
# package at a time: the end-to-end suites measure things (zero failed
# requests, reload counts) that two suites competing for 2 cores would blur.
GO_TEST_FLAGS ?= -count=1 -timeout 25m -p 1
# Fuzz budgets are counts, not durations: Go 1.26's fuzz coordinator can fail a
# clean run with "context deadline exceeded" when a -fuzztime duration ends
# (golang/go#75804, fixed in 1.27). The counts keep `make test` under its
# 30 minutes: all six targets take about 4.5 minutes here (haproxy -c on
# some generated inputs included), and each run adds what it finds to the corpus in the Go
# cache, from which the next run goes on.
FUZZTIME ?= 100000x
# FuzzLogFormat and FuzzSubjectFilter run haproxy -c on what they take:
# fewer runs.
FUZZTIME_HAPROXY ?= 3000x
# While fuzzing, FuzzRenderRoute, FuzzRenderAnnotations and FuzzValidateRoute
# also run haproxy -c (failing on a warning) on one input in N, picked by a
# hash of the input so a failure reproduces (rendertest.WantHAProxyCheck);
# unset, only their seed corpora meet HAProxy. A check costs about 40 ms
# here. FuzzRenderAnnotations refuses most inputs before the check, so it
# checks a larger share. Measured with FUZZTIME 100000x: about 540, 490 and
# 630 checks, adding about 50 s to the three targets' 3.4 minutes.
FUZZ_HAPROXY_CHECK ?= 30
FUZZ_HAPROXY_CHECK_ANNOTATIONS ?= 5

.PHONY: help
help: ## show the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

##@ The two commands

.PHONY: run
run: need-root bins build ## start the whole stack on this machine (root; Ctrl-C stops it)
	OKD_INGRESS_HAPROXY=$(HAPROXY) $(BIN)/okd-ingress-local

# need-root says so before anything is built: the binaries are cached per
# user (~/.cache), so building them as another user first is 40 lost minutes.
.PHONY: need-root
need-root:
	@if [ "$$(id -u)" != 0 ]; then \
		echo "make run needs root: it creates a bridge, network namespaces and routes in 198.18.0.0/15 for its local nodes. Run sudo make run." >&2; \
		exit 1; fi

.PHONY: test
test: bins verify ## every test: unit, API (envtest), router and end-to-end
	@rm -f $(REPORT)
	$(TEST_ENV) OKD_INGRESS_REPORT=$(REPORT) go test $(GO_TEST_FLAGS) ./...
	$(TEST_ENV) OKD_INGRESS_ROUTE_API=crd go test $(GO_TEST_FLAGS) $(CRD_MODE_PKGS)
	$(MAKE) --no-print-directory fuzz
	@cat $(REPORT) 2>/dev/null || true

.PHONY: fuzz
fuzz: ## run the fuzz targets for FUZZTIME each (seed corpora also run in every go test)
	$(TEST_ENV) OKD_FUZZ_HAPROXY_CHECK=$(FUZZ_HAPROXY_CHECK) go test -run '^$$' -fuzz='^FuzzRenderRoute$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2000x -parallel=2 ./internal/router/render/
	$(TEST_ENV) OKD_FUZZ_HAPROXY_CHECK=$(FUZZ_HAPROXY_CHECK_ANNOTATIONS) go test -run '^$$' -fuzz='^FuzzRenderAnnotations$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2000x -parallel=2 ./internal/router/render/
	$(TEST_ENV) OKD_FUZZ_HAPROXY_CHECK=$(FUZZ_HAPROXY_CHECK) go test -run '^$$' -fuzz='^FuzzValidateRoute$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2000x -parallel=2 ./internal/routeapi/
	$(TEST_ENV) go test -run '^$$' -fuzz='^FuzzLogFormat$$' -fuzztime=$(FUZZTIME_HAPROXY) -fuzzminimizetime=200x -parallel=2 ./internal/router/config/
	$(TEST_ENV) go test -run '^$$' -fuzz='^FuzzSubjectFilter$$' -fuzztime=$(FUZZTIME_HAPROXY) -fuzzminimizetime=200x -parallel=2 ./internal/router/config/
	$(TEST_ENV) go test -run '^$$' -fuzz='^FuzzCheck$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=2000x -parallel=2 ./internal/router/crl/

##@ Benchmarks

.PHONY: bench
bench: bins ## benchmarks against baselines (bench/, ~21 min, root); output also in bin/bench-results.md
	bash hack/bins.sh bench-tools
	go build -o $(BIN)/okd-ingress-bench ./bench
	$(TEST_ENV) BENCH_QUICK=$(BENCH_QUICK) $(BIN)/okd-ingress-bench | tee $(BIN)/bench-results.md.partial
	mv $(BIN)/bench-results.md.partial $(BIN)/bench-results.md # a failed run keeps the last results

.PHONY: bench-quick
bench-quick: ## a ~3-minute smoke run of the benchmarks (fewer samples; not numbers to quote)
	$(MAKE) --no-print-directory bench BENCH_QUICK=1

##@ Building

.PHONY: build
build: ## build the binaries into bin/
	go build -o $(BIN)/okd-ingress-manager ./cmd/manager
	go build -o $(BIN)/okd-ingress-router ./cmd/router
	go build -o $(BIN)/okd-ingress-route-apiserver ./cmd/route-apiserver
	go build -o $(BIN)/okd-ingress-local ./cmd/local
	go build -o $(BIN)/okd-ingress-echo ./cmd/echo

.PHONY: bins
bins: ## build HAProxy 3.0 and the Kubernetes test binaries when absent (cached)
	bash hack/bins.sh all

.PHONY: assets
assets: ## print the KUBEBUILDER_ASSETS directory
	@echo $(ASSETS)

.PHONY: manifests
manifests: $(CONTROLLER_GEN) $(OPENAPI_GEN) ## regenerate CRDs, RBAC, deep-copy and OpenAPI code
	$(CONTROLLER_GEN) object paths=./api/...
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=okd-ingress-manager paths=./internal/manager/... paths=./controllers/... output:rbac:artifacts:config=config/rbac
	$(OPENAPI_GEN) --output-dir internal/routeserver/openapi --output-pkg github.com/okd-ingress/okd-ingress/internal/routeserver/openapi \
		--output-file zz_generated.openapi.go --output-model-name-file zz_generated.model_name.go \
		--go-header-file hack/boilerplate.go.txt --report-filename /dev/null \
		k8s.io/apimachinery/pkg/apis/meta/v1 k8s.io/apimachinery/pkg/runtime k8s.io/apimachinery/pkg/version \
		k8s.io/apimachinery/pkg/util/intstr ./api/route/v1

.PHONY: generate
generate: manifests

##@ Checks

.PHONY: verify
verify: manifests fmt vet lint ## generated files current, gofmt, go vet, staticcheck
	@git diff --exit-code -- api config internal/routeserver/openapi || { echo "generated files are stale: run 'make manifests' and commit" >&2; exit 1; }

.PHONY: fmt
fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed: $$out" >&2; exit 1; }

.PHONY: vet
vet:
	go vet ./...

.PHONY: lint
lint: $(STATICCHECK)
	$(STATICCHECK) ./...

$(CONTROLLER_GEN):
	GOBIN=$(BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)

$(OPENAPI_GEN):
	GOBIN=$(BIN) go install k8s.io/kube-openapi/cmd/openapi-gen@$(OPENAPI_GEN_VERSION)

$(STATICCHECK):
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
