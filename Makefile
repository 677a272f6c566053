# Makefile - the two set-up commands.  The build itself is CMakeLists.txt; this only wraps it
# (like Neovim's) and first installs missing Debian packages (tools/deps.sh).
#
#   make quickstart   installs what is missing, builds dlc, compiles and trains examples/xor.lua
#   make test         installs what is missing, builds everything, runs the whole CTest suite,
#                     then again with ASan+UBSan
BUILD      ?= build
BUILD_SAN  ?= build-san
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS  += --no-print-directory
CMAKE_FLAGS = -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build build-san quickstart test test-fast clean

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

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
