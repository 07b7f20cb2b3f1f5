# villi — make targets. `make run` runs the main job, `make test` passes the tests;
# each installs what it needs on a fresh Debian machine with Go.
GO       ?= go
BIN      := bin/villi
export PATH := $(PATH):/usr/local/go/bin:$(shell $(GO) env GOPATH 2>/dev/null)/bin
VILLI_DATA ?= $(CURDIR)/data
export VILLI_DATA
FIXTURES ?= $(CURDIR)/../shared/fixtures

.PHONY: build run test test-short bench lint fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/villi

# The main job. Until `villi serve` lands this imports the shared real PubMed samples into
# $(VILLI_DATA) and runs a search, so a newcomer sees the whole spine work end to end.
run: build
	./$(BIN) import $(FIXTURES)/pubmed/mattgrayson__pubmed/*.xml $(FIXTURES)/pubmed/JULIELab__jcore-base/*pubmedsample18n0001.xml.gz
	./$(BIN) search --facets gut microbiota

test:
	$(GO) test -race -timeout 30m ./...

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
