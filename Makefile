# Makefile - the two set-up commands.  The build itself is CMakeLists.txt; this only wraps it
# (like Neovim's) and first installs missing Debian packages (tools/deps.sh).
#
#   make quickstart   installs what is missing, builds dlc, compiles and trains examples/xor.lua
#   make test         installs what is missing, builds everything, runs the whole CTest suite,
#                     then again with ASan+UBSan
#   make fuzz         builds the libFuzzer targets (fuzz/) in build-fuzz and runs each for
#                     FUZZ_TIME seconds (300), one after the other; make fuzz-smoke: 20 s each
BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
FUZZ_TIME  ?= 300
FUZZ_TARGETS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS  += --no-print-directory
CMAKE_FLAGS = -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build build-san quickstart test test-fast fuzz fuzz-smoke clean

all: build

deps:
	@sh tools/deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-san: deps
	@cmake -S . -B $(BUILD_SAN) $(CMAKE_FLAGS) -DDLC_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD_SAN) -j $(JOBS)

quickstart: build
	@sh tools/quickstart.sh $(BUILD)

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test: build build-san
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@echo "== the same suite under ASan+UBSan =="
	@cd $(BUILD_SAN) && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

fuzz: deps
	@cmake -S . -B $(BUILD_FUZZ) $(CMAKE_FLAGS) -DDLC_FUZZ=ON >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzz_all
	@sh fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_TIME) $(FUZZ_TARGETS)

fuzz-smoke:
	@$(MAKE) fuzz FUZZ_TIME=20

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
