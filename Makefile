# archbench — `make bench` runs the comparison, `make test` runs the tests.
# Every knob below can be set on the command line: make bench SCENARIO=steady VARIANTS=monolith

GO        ?= go
SCENARIO  ?= all
VARIANTS  ?= all
RUNTIME   ?= process
PROFILE   ?= quick
OUT       ?= results
# Extra flags for `archbench bench`, e.g. SCENARIO=steady BENCHFLAGS="-rate 400 -duration 30s"
# (-rate and -duration set one scenario's load, so not with SCENARIO=all).
BENCHFLAGS ?=
# How much each fuzz target runs inside `make test`: a count of executions,
# not a duration. Go 1.26's fuzz coordinator can fail a duration-bounded
# run with "context deadline exceeded" at the deadline, with no failing
# input (golang/go#75804, fixed in Go 1.27); a count has no deadline to race.
FUZZTIME  ?= 30000x
# archbench is built as the variants' binaries are (static, paths trimmed),
# so that both share one build cache: on a fresh machine the packages they
# have in common (SQLite, NATS, the standard library) compile once, not
# twice, which takes about a minute off the first `make bench`.
ARCHBENCH := CGO_ENABLED=0 $(GO) run -trimpath ./cmd/archbench

# Fuzz targets run by `make test`, as package:target.
FUZZ_TARGETS := \
	./shop:FuzzParseCatalogSpec \
	./shop/api:FuzzDecode \
	./shop/httpapi:FuzzHandler \
	./loadgen:FuzzParseMix \
	./results:FuzzRead \
	./scenarios:FuzzParse \
	./cost:FuzzLoad \
	./usl:FuzzFit \
	./runtime/process:FuzzParseStat \
	./k6:FuzzParseSummary \
	./sim:FuzzParseModel \
	./simrun:FuzzParsePhases

.PHONY: all bench test unit fuzz lint staticcheck build clean help

all: test

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

bench: ## run SCENARIO (default: all of them) over VARIANTS; a $(OUT)/<run-id>/REPORT.md each
	$(ARCHBENCH) bench $(if $(findstring -file,$(BENCHFLAGS)),,-scenario $(SCENARIO) -profile $(PROFILE)) \
		-variants $(VARIANTS) -runtime $(RUNTIME) -out $(OUT) $(BENCHFLAGS)

test: lint unit fuzz ## vet, unit and integration tests (race detector), bounded fuzzing

unit:
	$(GO) test -race -count=1 -timeout 10m ./...

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		$(GO) test -list "^$$name$$" $$pkg | grep -qx "$$name" || { echo "fuzz target $$name not found in $$pkg"; exit 1; }; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# staticcheck, pinned; run by CI after `make test` (it is not part of
# `make test`, whose time it would add to, and it needs the module proxy).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

staticcheck: ## static analysis beyond go vet (unused code, deprecated APIs, likely bugs)
	$(GO) run $(STATICCHECK) ./...

build: ## build the archbench command into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/ ./cmd/archbench

clean: ## remove generated runs and build output
	rm -rf bin $(OUT)/latest
	find $(OUT) -mindepth 1 -maxdepth 1 -type d ! -name example ! -name testdata -exec rm -rf {} +
