# cnix build. `make` builds build/cnix; `make check` runs every test.
CC ?= cc
BUILD ?= build
OPT ?= -O2 -g
SAN ?=
# -Wno-unused-parameter: primops and callbacks share fixed signatures that many ignore in part.
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter $(OPT) $(SAN) $(EXTRA_CFLAGS) -I. -I$(BUILD)
# Start-up cost was mostly the dynamic loader (cnix eval --expr 1: 3.6M instructions, 2/3 of
# them resolving symbols of libsqlite3 and libreadline, both linked with BIND_NOW): the
# libraries are linked statically (only what is used is pulled in; glibc, libm and libdl stay
# shared so that dlopen, NSS and plugins work), and the executable is not position-independent,
# so the ~20,000 relative relocations of its pointer tables (primop names and docs) need no
# fixing up and its data pages are not copied on write at start-up: 1.2M instructions.
# libarchive is dlopen'ed on first use (util/lazyarchive.c: a new archive_* call needs a line
# there), since it pulls in ~15 shared libraries.
LIBS = -l:libgc.a -l:libcrypto.a -l:libsqlite3.a -l:libreadline.a -l:libtinfo.a -l:libffi.a \
       -l:liblzma.a -l:libzstd.a -lm -lpthread -ldl
LDFLAGS ?= -no-pie
RE2C ?= re2c

# Debian packages needed to build and test: the libraries and tools of the build, then the
# commands the test suite's own method uses (tests/e2e reads the store database with sqlite3,
# makes archives with zip, xz, zstd and bzip2, repositories with git and hg, finds and kills
# builders with pgrep and pkill; fuzzing and the compiler checks use clang). Optional oracles
# (nix-bin, tmux) are not listed: the tests that use them skip with a message when absent.
DEPS = re2c libgc-dev libssl-dev libsqlite3-dev libreadline-dev libffi-dev libarchive-dev \
       liblzma-dev libzstd-dev libncurses-dev pkg-config time python3 clang \
       sqlite3 zip xz-utils zstd bzip2 git mercurial procps

MODULES = util parser eval primops builtins store repl native profile flake
SRCS = $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
RE_SRCS = $(foreach m,$(MODULES),$(wildcard $(m)/*.re))
OBJS = $(SRCS:%.c=$(BUILD)/%.o) $(RE_SRCS:%.re=$(BUILD)/%.o)
CLI_OBJS = $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c))
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check unit lang e2e asan fuzz bench install clean
.SECONDARY:

all: $(BUILD)/cnix

# Every compilation waits for the packages (order-only, so that `make -j2` on a fresh machine
# does not compile while the headers are still being installed); the stamp is redone when the
# Makefile (the DEPS list) changes. `make deps` checks again unconditionally.
$(BUILD)/.deps: Makefile
	@$(MAKE) --no-print-directory deps
	@mkdir -p $(dir $@) && touch $@

deps:
	@missing=""; for p in $(DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing packages; run: sudo apt-get install$$missing"; exit 1; fi; fi

$(BUILD)/%.c: %.re | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(RE2C) -W --no-generation-date -o $@ $<

$(BUILD)/%.o: $(BUILD)/%.c | $(BUILD)/.deps
	$(CC) $(CFLAGS_BASE) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -MMD -MP -c -o $@ $<

$(BUILD)/libcnix.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^

# Plugins resolve the cnix_* API (include/cnix/plugin.h) against the executable.
EXPORT_API = '-Wl,--export-dynamic-symbol=cnix_*'

# Relinked when the Makefile (link flags, libraries) changes.
$(BUILD)/cnix: $(CLI_OBJS) $(BUILD)/libcnix.a Makefile
	$(CC) $(SAN) $(LDFLAGS) -o $@ $(filter-out Makefile,$^) $(LIBS) $(EXPORT_API)
	ln -sf cnix $(BUILD)/nix-instantiate

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcnix.a | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -o $@ $< $(BUILD)/libcnix.a $(LIBS)

# Counts checks, not programs: each test program ends with "N passed, N failed" (tests/tally.sh).
unit: $(UNIT_BINS)
	@pass=0; fail=0; for t in $(UNIT_BINS); do \
	  $$t >$$t.log 2>&1; st=$$?; set -- $$(tests/tally.sh $$st $$t.log); \
	  pass=$$((pass+$$1)); fail=$$((fail+$$2)); [ $$st = 0 ] || { echo "FAIL $$t"; tail -20 $$t.log; }; \
	done; echo "unit: $$pass passed, $$fail failed"; [ $$fail = 0 ]

lang: $(BUILD)/cnix
	tests/lang/run.sh $(BUILD)/cnix

e2e: $(BUILD)/cnix
	tests/e2e/run.sh $(BUILD)/cnix

# Runs every suite even when an earlier one fails, then fails if any did; the last line sums
# the checks of all suites (each suite's own last "N passed, N failed" line, tests/tally.sh).
check: all
	@pass=0; fail=0; for s in unit lang e2e; do \
	  rm -f $(BUILD)/check-$$s.failed; \
	  { $(MAKE) --no-print-directory $$s || echo >$(BUILD)/check-$$s.failed; } 2>&1 | tee $(BUILD)/check-$$s.log; \
	  st=0; [ -e $(BUILD)/check-$$s.failed ] && st=1; \
	  set -- $$(tests/tally.sh $$st $(BUILD)/check-$$s.log); pass=$$((pass+$$1)); fail=$$((fail+$$2)); \
	done; echo "check: $$pass passed, $$fail failed"; [ $$fail = 0 ]

# Sanitiser options for bdwgc programs (exported to every test the sub-make runs):
# - detect_leaks=0: LeakSanitizer does not scan the collector's heap, so malloc'd memory
#   reachable only from GC objects (SQLite handles in the uncollectable LocalStore, OpenSSL
#   contexts) would be reported as leaked; GC memory itself is never freed explicitly.
# - detect_stack_use_after_return=0: with it ASan moves locals to a "fake stack" on the heap,
#   where the collector's stack scan cannot see them, so live objects would be freed
#   (clang >= 15 turns it on by default).
# - print_stacktrace=1: UBSan reports say where, not just what.
SAN_ENV = ASAN_OPTIONS=detect_leaks=0:detect_stack_use_after_return=0:abort_on_error=0:$(ASAN_OPTIONS) \
          UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:$(UBSAN_OPTIONS)
asan:
	$(SAN_ENV) $(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" check

# `make fuzz FUZZ_SECONDS=600` runs each libFuzzer target that long (tests/fuzz/run.sh).
FUZZ_SECONDS ?= 30
FUZZ_TARGETS = $(wildcard fuzz/fuzz_*.c)
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g" SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	  EXTRA_CFLAGS="-DPARSE_SOURCE_MALLOC" build-fuzz/libcnix.a
	@mkdir -p build-fuzz/fuzz
	@for f in $(FUZZ_TARGETS); do n=$$(basename $$f .c); \
	  clang -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -I. -Ibuild-fuzz -O1 -g \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o build-fuzz/fuzz/$$n $$f build-fuzz/libcnix.a $(LIBS) || exit 1; done
	$(SAN_ENV) tests/fuzz/run.sh $(FUZZ_SECONDS)

bench: all
	bench/run.sh $(BUILD)/cnix

PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/cnix $(DESTDIR)$(PREFIX)/bin/cnix
	ln -sf cnix $(DESTDIR)$(PREFIX)/bin/nix-instantiate

clean:
	rm -rf build build-asan build-fuzz

-include $(OBJS:.o=.d) $(CLI_OBJS:.o=.d)
