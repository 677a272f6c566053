# Makefile - the two set-up commands.  The build itself is CMakeLists.txt; this only wraps it
# (like Neovim's) and first installs missing Debian packages (tools/deps.sh).
#
#   make quickstart   installs what is missing, builds dlc alone (not the test suite) and trains
#                     examples/fashion_mlp.lua for 2 epochs with dlc train (tools/quickstart.sh)
#   make test         installs what is missing, builds everything (-Werror), runs the whole
#                     CTest suite, then again with ASan+UBSan; and builds dlc with gcc too
#                     (Debian's cc: warnings shown, not fatal)
#   make install      PREFIX=... (default /usr/local): cmake --install of the build
#   make fuzz         builds the libFuzzer targets (fuzz/) in build-fuzz and runs each for
#                     FUZZ_TIME seconds (300), one after the other; make fuzz-smoke: 20 s each
BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_GCC  ?= build-gcc
BUILD_FUZZ ?= build-fuzz
FUZZ_TIME  ?= 300
FUZZ_TARGETS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS  += --no-print-directory

.PHONY: all deps build build-san build-gcc quickstart test test-fast install fuzz fuzz-smoke clean

all: build

deps:
	@sh tools/deps.sh

# the configurations are CMakePresets.json's (default, asan): the same with cmake --preset
build: deps
	@cmake --preset default -B $(BUILD) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-san: deps
	@cmake --preset asan -B $(BUILD_SAN) >/dev/null
	@cmake --build $(BUILD_SAN) -j $(JOBS)

# dlc as any CMake user builds it with the default compiler (gcc 12 on Debian 12), -Werror off
build-gcc: deps
	@cmake -S . -B $(BUILD_GCC) -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD_GCC) -j $(JOBS) --target dlc

# dlc holds the runtime and its headers: dlc train needs nothing else built
quickstart: deps
	@cmake --preset default -B $(BUILD) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target dlc
	@sh tools/quickstart.sh $(BUILD)

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test: build build-san build-gcc
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@echo "== the same suite under ASan+UBSan =="
	@cd $(BUILD_SAN) && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# make install PREFIX=/opt/dlc: dlc, the runtime library and headers, the CMake package
# (find_package(dlc)) and dlc-rt.pc, laid out as GNUInstallDirs says
PREFIX ?= /usr/local
install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

fuzz: deps
	@cmake --preset default -B $(BUILD_FUZZ) -DDLC_FUZZ=ON >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzz_all
	@sh fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_TIME) $(FUZZ_TARGETS)

fuzz-smoke:
	@$(MAKE) fuzz FUZZ_TIME=20

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_GCC) $(BUILD_FUZZ)
