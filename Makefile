# scx-run: a parallel job runner.  See README.md.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
BUILD ?= build
SANITIZE ?=

PKG_CONFIG ?= pkg-config
UV_CFLAGS := $(shell $(PKG_CONFIG) --cflags libuv)
UV_LIBS := $(shell $(PKG_CONFIG) --libs libuv)

# The MPI backend is built when OpenMPI is found (MPI=no to leave it out).
MPI ?= $(shell $(PKG_CONFIG) --exists ompi-c && echo yes || echo no)
ifeq ($(MPI),yes)
MPI_CFLAGS := $(shell $(PKG_CONFIG) --cflags ompi-c) -DSCX_HAVE_MPI
MPI_LIBS := $(shell $(PKG_CONFIG) --libs ompi-c)
endif

# Flags the build needs, kept apart from the user's CFLAGS.
SCX_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread -fPIC \
	-Ilib $(UV_CFLAGS) -MMD -MP
SCX_LIBS := $(UV_LIBS) -ldl -pthread
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
endif
ALL_CFLAGS = $(SCX_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
# The program and its plugins must be built from the same interface: both
# carry this checksum of scx.h, scx_config.h, scx_io.h and scx_lang.h (all a plugin
# sees), and a plugin that differs is refused.
ABI_ID := $(shell cat lib/scx.h lib/scx_config.h lib/scx_io.h lib/scx_lang.h | cksum | cut -d' ' -f1)
# Rewritten when the checksum changes (its rule runs every time, but
# touches the file only then), so that what carries it is rebuilt.
ABI_STAMP := $(BUILD)/abi-id
# Only the MPI backend includes <mpi.h>; -DSCX_HAVE_MPI tells the rest.
MPI_DEFINE := $(if $(filter yes,$(MPI)),-DSCX_HAVE_MPI)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

# The MPI plugin's files (lib/mpib.h says what each does).
MPI_SRC := $(wildcard lib/mpi*.c)
LIB_SRC := $(filter-out $(MPI_SRC),$(wildcard lib/*.c))
# The MPI backend is a plugin the program loads when a run asks for it, so
# that OpenMPI's libraries are not loaded (about 10 ms) by every run.
# It is looked for beside the program, then in PKGLIBDIR.
PKGLIBDIR ?= $(LIBDIR)/scx-run
ifeq ($(MPI),yes)
PLUGIN := $(BUILD)/scx-mpi.so
endif
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
HELPER_SRC := $(wildcard tests/helpers/*.c)
ifneq ($(MPI),yes)
HELPER_SRC := $(filter-out tests/helpers/mpi_open_fails.c,$(HELPER_SRC))
endif
HELPER_BIN := $(HELPER_SRC:%.c=$(BUILD)/%)

BIN := $(BUILD)/scx-run
LIB := $(BUILD)/libscx.a
# The shared library: libscx.so.MAJOR is its soname, bumped whenever the
# ABI changes incompatibly; the version comes from lib/scx.h.
VERSION := $(shell sed -n 's/^\#define SCX_VERSION_STRING "\(.*\)"/\1/p' lib/scx.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME := libscx.so.$(SOMAJOR)
SHLIB := $(BUILD)/libscx.so.$(VERSION)

.SECONDARY:

.PHONY: all check check-unit check-bats check-man check-asan install \
	uninstall clean bench fuzz lint FORCE

all: $(BIN) $(LIB) $(SHLIB) $(PLUGIN)

$(ABI_STAMP): FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(ABI_ID)" ] || echo $(ABI_ID) > $@

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(MPI_DEFINE) -c -o $@ $<

MPI_OBJ := $(MPI_SRC:%.c=$(BUILD)/%.o)
$(MPI_OBJ): $(BUILD)/%.o: %.c $(ABI_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(MPI_CFLAGS) -DSCX_ABI_ID=$(ABI_ID)u -c -o $@ $<

$(BUILD)/lib/backend.o: lib/backend.c $(ABI_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(MPI_DEFINE) -DSCX_PKGLIBDIR='"$(PKGLIBDIR)"' \
		-DSCX_ABI_ID=$(ABI_ID)u -c -o $@ $<

# Its undefined symbols are scx.h's, which the program exports.
$(PLUGIN): $(MPI_OBJ)
	$(CC) $(ALL_LDFLAGS) -shared -o $@ $^ $(MPI_LIBS)

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# It exports scx.h's names only (lib/libscx.map).
$(SHLIB): $(LIB_OBJ) lib/libscx.map
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script=lib/libscx.map -o $@ $(LIB_OBJ) $(SCX_LIBS)
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libscx.so

# The whole library, scx.h's names exported for the plugins
# (lib/dynamic.list).
$(BIN): $(BUILD)/cmd/scx-run.o $(LIB) lib/dynamic.list
	$(CC) $(ALL_LDFLAGS) -Wl,--dynamic-list=lib/dynamic.list -o $@ $< \
		-Wl,--whole-archive $(LIB) -Wl,--no-whole-archive $(SCX_LIBS)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(SCX_LIBS)

$(BUILD)/tests/helpers/%: $(BUILD)/tests/helpers/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(SCX_LIBS)

# The MPI backend's open, failed at each allocation in turn: built with the
# plugin's objects, malloc and calloc wrapped.
ifeq ($(MPI),yes)
$(BUILD)/tests/helpers/mpi_open_fails.o: tests/helpers/mpi_open_fails.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(MPI_CFLAGS) -c -o $@ $<

$(BUILD)/tests/helpers/mpi_open_fails: $(BUILD)/tests/helpers/mpi_open_fails.o \
		$(MPI_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -Wl,--wrap=malloc -Wl,--wrap=calloc -o $@ $< \
		$(MPI_OBJ) $(LIB) $(MPI_LIBS) $(SCX_LIBS)
endif

check: check-unit check-man check-bats

check-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "# $$t"; $$t; done

check-man:
	mandoc -Tlint -W warning man/scx-run.1

check-bats: $(BIN) $(SHLIB) $(PLUGIN) $(HELPER_BIN)
	SCX_RUN=$(abspath $(BIN)) SCX_HELPERS=$(abspath $(BUILD)/tests/helpers) \
		bats $(BATS_FLAGS) tests/bats

# House rule 11: every C file laid out as .clang-format says (Debian's
# clang-format 14).
LINT_FILES := $(wildcard lib/*.c lib/*.h cmd/*.c tests/unit/*.c \
	tests/unit/*.h tests/helpers/*.c tests/fuzz/*.c)
# And the layout's rules (tools/layout.py: file and function sizes, no
# dependency cycle, the exports), measured on the build.
lint: $(LIB_OBJ) $(if $(filter yes,$(MPI)),$(MPI_OBJ)) $(SHLIB)
	clang-format --dry-run --Werror $(LINT_FILES)
	python3 tools/layout.py $(BUILD)

# The same suites on an AddressSanitizer + UndefinedBehaviorSanitizer build.
# OpenMPI does not free everything at MPI_Finalize: stacks through its
# libraries are suppressed (full unwinding, so that they can be seen).
check-asan:
	SCX_ASAN=1 LSAN_OPTIONS=suppressions=$(abspath tests/lsan-mpi.supp):fast_unwind_on_malloc=0:print_suppressions=0 \
		$(MAKE) BUILD=build-asan SANITIZE=1 CFLAGS="-O1 -g" check-unit check-bats

# Coverage-guided fuzzing (libFuzzer, clang): the item reader, the template
# expander, the option parser and the job log reader, each for
# FUZZ_SECONDS.  A crash leaves its input in build-fuzz/; make it a test.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Ilib \
	$(UV_CFLAGS) -pthread -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_LIB_SRC := $(LIB_SRC)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

build-fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRC) lib/scx.h lib/scx_config.h lib/scx_io.h lib/scx_lang.h lib/internal.h lib/ledger.h lib/lang.h cmd/scx-run.c
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_SRC) \
		$(UV_LIBS) -pthread

fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); c=build-fuzz/corpus-$$n; mkdir -p $$c; \
		if [ -d tests/fuzz/corpus/$$n ]; then cp -n tests/fuzz/corpus/$$n/* $$c/; fi; \
		echo "# $$n: $(FUZZ_SECONDS) s"; \
		st=0; $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build-fuzz/$$n- $$c >build-fuzz/$$n.log 2>&1 || st=$$?; \
		grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Done' build-fuzz/$$n.log; \
		if [ $$st != 0 ]; then echo "$$n failed (exit $$st): build-fuzz/$$n.log"; exit 1; fi; \
	done

# Every case of the brief's section 6: bench/RESULTS.md and bench/scaling.png
# (see bench/README.md); BENCH_FLAGS=--quick for a short smoke run.
bench: $(BIN) $(PLUGIN)
	bench/all $(BENCH_FLAGS)

install: $(BIN) $(LIB) $(SHLIB) $(PLUGIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/scx-run
ifneq ($(PLUGIN),)
	install -d $(DESTDIR)$(PKGLIBDIR)
	install -m 755 $(PLUGIN) $(DESTDIR)$(PKGLIBDIR)/scx-mpi.so
endif
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libscx.a
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/libscx.so.$(VERSION)
	ln -sf libscx.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libscx.so
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		scx.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/scx.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/scx.pc
	install -m 644 lib/scx.h $(DESTDIR)$(INCLUDEDIR)/scx.h
	install -m 644 lib/scx_io.h $(DESTDIR)$(INCLUDEDIR)/scx_io.h
	install -m 644 lib/scx_lang.h $(DESTDIR)$(INCLUDEDIR)/scx_lang.h
	install -m 644 lib/scx_config.h $(DESTDIR)$(INCLUDEDIR)/scx_config.h
	install -m 644 man/scx-run.1 $(DESTDIR)$(MANDIR)/man1/scx-run.1
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 completions/scx-run.bash $(DESTDIR)$(BASHCOMPDIR)/scx-run

uninstall:
	rm -f $(DESTDIR)$(PKGLIBDIR)/scx-mpi.so
	-rmdir $(DESTDIR)$(PKGLIBDIR) 2>/dev/null
	rm -f $(DESTDIR)$(LIBDIR)/libscx.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libscx.so \
		$(DESTDIR)$(LIBDIR)/pkgconfig/scx.pc
	rm -f $(DESTDIR)$(BINDIR)/scx-run $(DESTDIR)$(LIBDIR)/libscx.a \
		$(DESTDIR)$(INCLUDEDIR)/scx.h $(DESTDIR)$(INCLUDEDIR)/scx_io.h \
		$(DESTDIR)$(INCLUDEDIR)/scx_lang.h $(DESTDIR)$(INCLUDEDIR)/scx_config.h \
		$(DESTDIR)$(MANDIR)/man1/scx-run.1 \
		$(DESTDIR)$(BASHCOMPDIR)/scx-run

clean:
	rm -rf build build-asan build-fuzz build-dev

-include $(LIB_OBJ:.o=.d) $(MPI_OBJ:.o=.d) $(BUILD)/cmd/scx-run.d \
	$(UNIT_BIN:=.d) $(HELPER_BIN:=.d)
