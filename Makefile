# srcascade build, test and lint. `make help` lists the targets.
#
# GOEXPERIMENT=simd turns on Go 1.26's SIMD intrinsics, which the pure-Go
# GoMLX backend uses for matrix multiplication (~20 GFLOP/s instead of 7.7
# on AVX2/AVX-512 machines): every build and test here uses it.
export GOEXPERIMENT := simd
# Tests run on GoMLX's pure-Go backend and never download an XLA plugin.
export GOMLX_BACKEND ?= go
export GOMLX_NO_AUTO_INSTALL := 1
# go.mod is kept with `go get`, not `go mod tidy`; let the go command
# complete go.sum from the module proxy when a fresh clone needs it.
export GOFLAGS ?= -mod=mod

GO           ?= go
TEST_TIMEOUT ?= 14m
# Fuzz budgets are counts of executions, not durations: a duration
# -fuzztime can end in a bare "context deadline exceeded" from a race in
# Go's fuzz coordinator (go.dev/issue/75804, fixed in Go 1.27), which CI
# hit; counts have no deadline to race. -fuzzminimizetime likewise.
FUZZ_DECODE  ?= 200000x
FUZZ_EXIF    ?= 200000x
FUZZ_MINIMIZE ?= 200x
# Checkpoint files, flag parsers and output planning (issue 12): each
# target runs about 5 s at these counts on a 2-core machine, the eight
# together about 40 s once built (FuzzPlanUpscale touches the disk: ~1k/s).
FUZZ_PARSE   ?= 20000x
FUZZ_PLAN    ?= 4000x
BENCH        ?= .
BENCHPKG     ?= ./...

.PHONY: help build static test unit fuzz bench lint fmt clean

help:
	@echo "make build   bin/srcascade (GOEXPERIMENT=simd)"
	@echo "make static  bin/srcascade-static: CGO_ENABLED=0, pure Go, no XLA"
	@echo "make test    unit and CLI tests (./...), then a short fuzz run of the image decoders"
	@echo "make unit    only the tests, no fuzzing"
	@echo "make fuzz    FuzzDecode for $(FUZZ_DECODE) and FuzzEXIF for $(FUZZ_EXIF) executions, the checkpoint and"
	@echo "             flag parsers for $(FUZZ_PARSE) each and the output planning for $(FUZZ_PLAN)"
	@echo "make bench   benchmarks: BENCH=regexp BENCHPKG=./data"
	@echo "make lint    gofmt -l (must be empty) and go vet"
	@echo "make fmt     gofmt -w"

build:
	$(GO) build -o bin/srcascade ./cmd/srcascade

# A static, pure-Go binary: no cgo, so no XLA backend (see README, Install).
static:
	CGO_ENABLED=0 $(GO) build -o bin/srcascade-static ./cmd/srcascade

test: unit fuzz

unit:
	$(GO) test -timeout $(TEST_TIMEOUT) ./...
	@# The builds that read the photo models from a folder (nophoto, scripts/device-pack.sh)
	@# and leave out the emoji models (noemoji).
	$(GO) vet -tags nophoto,noemoji ./pretrained
	$(GO) test -tags nophoto ./pretrained
	$(GO) test -tags nophoto,noemoji ./pretrained

fuzz:
	$(GO) test ./data -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZ_DECODE) -fuzzminimizetime $(FUZZ_MINIMIZE)
	$(GO) test ./data -run '^$$' -fuzz '^FuzzEXIF$$' -fuzztime $(FUZZ_EXIF) -fuzzminimizetime $(FUZZ_MINIMIZE)
	$(GO) test ./sr3 -run '^$$' -fuzz '^FuzzReadTensors$$' -fuzztime $(FUZZ_PARSE) -fuzzminimizetime $(FUZZ_MINIMIZE)
	$(GO) test ./sr3 -run '^$$' -fuzz '^FuzzUnmarshalConfig$$' -fuzztime $(FUZZ_PARSE) -fuzzminimizetime $(FUZZ_MINIMIZE)
	$(GO) test ./train -run '^$$' -fuzz '^FuzzCheckpointInfo$$' -fuzztime $(FUZZ_PARSE) -fuzzminimizetime $(FUZZ_MINIMIZE)
	$(GO) test ./train -run '^$$' -fuzz '^FuzzClassNames$$' -fuzztime $(FUZZ_PARSE) -fuzzminimizetime $(FUZZ_MINIMIZE)
	$(GO) test ./train -run '^$$' -fuzz '^FuzzParseDegrade$$' -fuzztime $(FUZZ_PARSE) -fuzzminimizetime $(FUZZ_MINIMIZE)
	$(GO) test ./cmd/srcascade -run '^$$' -fuzz '^FuzzSetFlag$$' -fuzztime $(FUZZ_PARSE) -fuzzminimizetime $(FUZZ_MINIMIZE)
	$(GO) test ./cmd/srcascade -run '^$$' -fuzz '^FuzzParseSizes$$' -fuzztime $(FUZZ_PARSE) -fuzzminimizetime $(FUZZ_MINIMIZE)
	$(GO) test ./cmd/srcascade -run '^$$' -fuzz '^FuzzPlanUpscale$$' -fuzztime $(FUZZ_PLAN) -fuzzminimizetime $(FUZZ_MINIMIZE)

bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -timeout 60m $(BENCHPKG)

lint:
	@files=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$files" ]; then echo "gofmt -l: these files need gofmt:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go')

clean:
	rm -rf bin
