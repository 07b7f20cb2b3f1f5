# villi — make targets. `make run` runs the main job, `make test` passes the tests;
# each installs what it needs on a fresh Debian machine with Go.
GO       ?= go
BIN      := bin/villi
export PATH := $(PATH):/usr/local/go/bin:$(shell $(GO) env GOPATH 2>/dev/null)/bin
VILLI_DATA ?= $(CURDIR)/data
export VILLI_DATA
FIXTURES ?= $(CURDIR)/../shared/fixtures

.PHONY: build run test test-short bench lint fuzz clean demo

build:
	$(GO) build -o $(BIN) ./cmd/villi

# The main job: the web UI, JSON API and scheduler (daily crawl, weekly digest) on
# http://127.0.0.1:8080/ (VILLI_ADDR). Reading is public here so a newcomer sees the library
# at once; set VILLI_PUBLIC=false and `villi user add EMAIL` for a login-only site. With no
# records yet it starts the first crawl of PubMed at once; where PubMed cannot be reached the
# home page says so — `make demo` crawls a local fake PubMed instead.
run: build
	VILLI_PUBLIC=$${VILLI_PUBLIC:-true} ./$(BIN) serve

# Installs what the tests need (chromium, python3-aiosmtpd, npm; scripts/test-deps.sh),
# then runs every test with the race detector.
test:
	bash scripts/test-deps.sh
	$(GO) test -race -timeout 60m ./...

test-short:
	$(GO) test -short ./...

# Benchmarks; figures and their commands go into BENCHMARKS.md.
bench: build
	bash scripts/bench.sh

lint:
	$(GO) vet ./...
	command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@latest
	staticcheck ./...

fuzz:
	$(GO) test ./pubmed -run '^$$' -fuzz FuzzDecode -fuzztime 60s
	$(GO) test ./query -run '^$$' -fuzz FuzzParse -fuzztime 60s

clean:
	rm -rf bin

# Offline demo: a fake PubMed E-utilities server (cmd/fake-eutils, with NCBI's rate limit and a
# few injected faults) serving the shared topical records, and `villi serve` against it into
# data/demo: open http://127.0.0.1:8080/ and watch the first crawl fill the library
# (DEMO_CMD=crawl runs one crawl on the command line instead). The fake server is stopped when villi ends or is interrupted
# (it runs as a built binary rather than `go run`, so the kill reaches the server itself).
# A second `make demo` crawls incrementally; rm -rf data/demo to watch a full crawl again.
DEMO_ADDR   ?= 127.0.0.1:8099
DEMO_FAULTS ?= 429=0.02,500=0.02,503=0.02,reset=0.02,truncate=0.02,error200=0.02
DEMO_CMD    ?= serve
demo: build
	$(GO) build -o bin/fake-eutils ./cmd/fake-eutils
	@mkdir -p data/demo
	@bin/fake-eutils -addr $(DEMO_ADDR) -quiet -rate-limit -faults '$(DEMO_FAULTS)' $(FIXTURES)/topical 2>data/demo/fake-eutils.log & \
	fake=$$!; trap 'kill $$fake 2>/dev/null' EXIT INT TERM; \
	echo "fake E-utilities: loading $(FIXTURES)/topical (log: data/demo/fake-eutils.log)"; \
	i=0; until grep -q 'msg=serving' data/demo/fake-eutils.log 2>/dev/null; do \
		kill -0 $$fake 2>/dev/null || { cat data/demo/fake-eutils.log; exit 1; }; \
		i=$$((i+1)); [ $$i -lt 600 ] || { echo "fake E-utilities did not start"; exit 1; }; sleep 0.1; \
	done; \
	VILLI_PUBLIC=$${VILLI_PUBLIC:-true} VILLI_DATA=$(CURDIR)/data/demo VILLI_EUTILS_URL=http://$(DEMO_ADDR)/entrez/eutils/ \
	VILLI_NCBI_EMAIL=$${VILLI_NCBI_EMAIL:-demo@example.org} ./$(BIN) $(DEMO_CMD)
