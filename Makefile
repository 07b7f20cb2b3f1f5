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

# Installs what the tests need (chromium, python3-aiosmtpd, poppler-utils, npm; scripts/test-deps.sh),
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

# Fuzzes each target for FUZZTIME; `make fuzz FUZZFLAGS=-race` fuzzes under the race detector.
# A failing input is written to PKG/testdata/fuzz/TARGET/ (commit it: every `go test` then runs
# it as a seed). The engine discards its workers' output, so a worker that dies (its 10 s limit
# per input, a panic off the test's goroutine, a kill) shows only as "fuzzing process hung or
# terminated unexpectedly", and a seed that does so leaves no new file: the recipe prints each
# input the run wrote or named and replays it outside the engine, where its panic, race or run
# time shows.
FUZZTIME     ?= 60s
FUZZFLAGS    ?=
FUZZ_TARGETS ?= pubmed:FuzzDecode query:FuzzParse taxonomy:FuzzTag taxonomy:FuzzLoad
fuzz:
	@tmp=$$(mktemp -d); failed=; \
	for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t#*:}; dir=$$pkg/testdata/fuzz/$$fn; touch $$tmp/stamp; \
	  echo "== $(GO) test ./$$pkg $(FUZZFLAGS) -run '^$$' -fuzz '^$$fn\$$' -fuzztime $(FUZZTIME)"; \
	  { $(GO) test ./$$pkg $(FUZZFLAGS) -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME); echo $$? >$$tmp/rc; } 2>&1 | tee $$tmp/log; \
	  [ "$$(cat $$tmp/rc)" = 0 ] && continue; \
	  failed="$$failed $$pkg:$$fn"; \
	  inputs="$$(find $$dir -type f -newer $$tmp/stamp 2>/dev/null | sed 's|.*/||') $$(sed -n "s|^failure while testing seed corpus entry: $$fn/||p" $$tmp/log)"; \
	  for f in $$inputs; do \
	    [ -f $$dir/$$f ] && { echo "== $$fn input $$f, in $$dir/$$f ($$(wc -c <$$dir/$$f) bytes; up to 4000 shown):"; head -c 4000 $$dir/$$f; echo; }; \
	    echo "== $$fn/$$f replayed outside the engine (a slow pass points to its 10 s limit per input):"; \
	    $(GO) test ./$$pkg $(FUZZFLAGS) -run "^$$fn/$$f\$$" -v -timeout 20m 2>&1 | tail -n 40; \
	  done; \
	  [ -n "$${inputs% }" ] || echo "== $$fn: no input saved or named: see above for a build error; else a worker killed by a signal (out of memory? see dmesg) or the engine stopping at the end of -fuzztime, and GODEBUG=fuzzdebug=1 tells which"; \
	done; \
	rm -rf $$tmp; \
	if [ -n "$$failed" ]; then echo "== fuzz failed:$$failed"; exit 1; fi

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
