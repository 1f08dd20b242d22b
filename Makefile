# permit-etl — see README.md. `make check` is what CI runs (.ci/run).
PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc

PKGS    := libcurl json-c libpcre2-8 sqlite3 xlsxwriter libcrypto zlib libpq
DEB_PKGS := build-essential pkg-config libcsv-dev libjson-c-dev libpcre2-dev \
            libcurl4-openssl-dev libssl-dev libxlsxwriter-dev libsqlite3-dev sqlite3 zlib1g-dev \
            libpq-dev postgresql \
            check libmicrohttpd-dev valgrind cppcheck clang-tidy clang \
            libclang-rt-14-dev curl python3 python3-openpyxl tzdata time openssl \
            python3-aiosmtpd
# only `make check-full` needs these (installed by full-deps; large: never by check)
FULL_DEB_PKGS := libreoffice-calc-nogui poppler-utils
# only `make bench` needs these (installed by bench-deps, never by check)
BENCH_DEB_PKGS := time wrk python3-aiohttp python3-pandas python3-openpyxl miller

OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wvla -Wstrict-prototypes -Wformat=2
CFLAGS  += -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
           -DPCRE2_CODE_UNIT_WIDTH=8 -DPERMIT_ETL_PREFIX='"$(PREFIX)"' \
           $(OPT) $(WARN) -pthread -MMD -MP -Ietl -Ireports \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -pthread
ifdef SANITIZE
CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

LIB_SRC     := $(sort $(filter-out etl/main.c,$(wildcard etl/*.c)) $(wildcard reports/*.c))
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
SANDBOX_SRC := $(sort $(wildcard tests/sandbox/*.c))
SANDBOX_OBJ := $(SANDBOX_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELP   := $(sort $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c)))
UNIT_HOBJ   := $(UNIT_HELP:%.c=$(BUILD)/obj/%.o)

FUZZ_SRC    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_SECONDS ?= 60

BIN     := $(BUILD)/permit-etl
SANDBOX := $(BUILD)/opscom-sandbox

.PHONY: all deps full-deps check check-run check-full unit asan e2e lint demo fuzz bench bench-tools bench-deps \
        clean install corpus failalloc
.DEFAULT_GOAL := all
.SECONDARY:

all: $(BIN) $(if $(SANDBOX_SRC),$(SANDBOX))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libetl.a: $(LIB_OBJ)
	@rm -f $@
	@$(AR) rcs $@ $^

$(BIN): $(BUILD)/obj/etl/main.o $(BUILD)/libetl.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SANDBOX): $(SANDBOX_OBJ) $(BUILD)/libetl.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -pthread -o $@ $^ $(LDLIBS) $(shell pkg-config --libs libmicrohttpd) -pthread

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(UNIT_HOBJ) $(BUILD)/libetl.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs check)

# Fuzz entry points: replayed over their corpus with gcc (make corpus), or
# run by libFuzzer when built with clang (make fuzz).
$(BUILD)/fuzz/replay_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/replay_main.o $(BUILD)/libetl.a
	@mkdir -p $(dir $@)
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/libfuzzer_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/libetl.a
	@mkdir -p $(dir $@)
	@$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# Allocation-failure / file-change hooks (tests/alloc/failmalloc.c) linked
# into an ASan+UBSan(+LSan) permit-etl: make BUILD=build/asan SANITIZE=... failalloc
FAILALLOC_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,--wrap=read
$(BUILD)/permit-etl-failalloc: $(BUILD)/obj/etl/main.o $(BUILD)/obj/tests/alloc/failmalloc.o $(BUILD)/libetl.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) $(FAILALLOC_WRAP) -o $@ $^ $(LDLIBS)

failalloc:
	@$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=address,undefined OPT="-O1 -g" \
	  build/asan/permit-etl-failalloc

# --- set-up ---------------------------------------------------------------
# The only target that uses the network: installs the Debian packages that
# are missing (idempotent; as root, or through sudo).
# $(call apt_install,LABEL,PACKAGES): installs those of PACKAGES missing.
define apt_install
	@missing=$$(for p in $(2); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "$(1): installing" $$missing; \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "$(1): all Debian packages present"; fi
endef

deps:
	$(call apt_install,deps,$(DEB_PKGS))

# the large packages only check-full needs (LibreOffice for t_render.sh)
full-deps:
	$(call apt_install,full-deps,$(FULL_DEB_PKGS))

# --- tests ----------------------------------------------------------------
# check: deps first, then a fresh make (pkg-config flags are read at parse time).
check: deps
	@$(MAKE) --no-print-directory check-run

check-run:
	@rm -rf $(BUILD)/results && mkdir -p $(BUILD)/results
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory corpus
	@$(MAKE) --no-print-directory lint
	@tests/summary.sh $(BUILD)/results

unit: $(UNIT_BIN)
	@mkdir -p $(BUILD)/results
	@tests/run_unit.sh $(BUILD)/results/unit-$(if $(SANITIZE),asan,plain).txt $(UNIT_BIN)

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=address,undefined OPT="-O1 -g" unit
	@mkdir -p $(BUILD)/results && cp build/asan/results/unit-asan.txt $(BUILD)/results/ 2>/dev/null || true

e2e: all
	@mkdir -p $(BUILD)/results
	@BUILD=$(abspath $(BUILD)) tests/e2e/run.sh $(BUILD)/results/e2e.txt

corpus:
	@mkdir -p $(BUILD)/results
	@if [ -x tests/fuzz/replay.sh ]; then tests/fuzz/replay.sh $(BUILD) $(BUILD)/results/corpus.txt; \
	 else echo "corpus: no fuzz corpus yet"; fi

LINT_SRC := $(LIB_SRC) etl/main.c $(SANDBOX_SRC)
lint:
	@echo "  CPPCHECK"
	@cppcheck -q --enable=warning,performance,portability --error-exitcode=1 \
	  --inline-suppr --std=c11 -D__GNUC__ -Ietl -Ireports $(LINT_SRC)
	@echo "  CLANG-TIDY"
	@printf '%s\n' $(LINT_SRC) | xargs -P2 -n4 sh -c 'clang-tidy --quiet "$$@" -- -std=c11 \
	  -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -DPCRE2_CODE_UNIT_WIDTH=8 -Ietl -Ireports \
	  $(shell pkg-config --cflags $(PKGS) libmicrohttpd check 2>/dev/null) 2>/dev/null' sh \
	  | grep -E 'warning:|error:' && exit 1 || true
	@echo "lint: clean"

# Scale and soak tests (later issues extend this).
check-full: check full-deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(abspath $(BUILD)) tests/e2e-full/check-full.sh

# make fuzz FUZZ_SECONDS=N: every target for N seconds (clang, libFuzzer).
fuzz: deps
	@for t in $(FUZZ_TARGETS); do \
	  $(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT="-O1 -g" \
	    SANITIZE=fuzzer-no-link,address,undefined build/fuzz/fuzz/libfuzzer_$$t || exit 1; \
	done
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/work/$$t; cp -n tests/fuzz/corpus/$$t/* build/fuzz/work/$$t/ 2>/dev/null || true; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  build/fuzz/fuzz/libfuzzer_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -artifact_prefix=build/fuzz/crash-$$t- \
	    build/fuzz/work/$$t tests/fuzz/corpus/$$t 2>build/fuzz/$$t.log || { tail -n 40 build/fuzz/$$t.log; exit 1; }; \
	  grep -E '^#[0-9]+.*(DONE|pulse)' build/fuzz/$$t.log | tail -n 1; \
	done

# --- benchmarks (bench/; never part of libetl.a or `make check`) -----------
BENCH_BIN := $(BUILD)/bench-gen $(BUILD)/bench-csv-bare

# xlsx-bare and report-synth (bench/xlsx_bare.c, bench/report_synth.c) come
# with the report writer, with their own rules.
bench-tools: $(BENCH_BIN) $(if $(wildcard bench/xlsx_bare.c),$(BUILD)/xlsx-bare) \
             $(if $(wildcard bench/report_synth.c),$(BUILD)/report-synth)

$(BUILD)/bench-gen: $(BUILD)/obj/bench/gen.o
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/bench-csv-bare: $(BUILD)/obj/bench/csv_bare.o
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ -lcsv

# bench-deps: like deps, for the load tools of the benchmark only.
bench-deps:
	$(call apt_install,bench-deps,$(BENCH_DEB_PKGS))

# bench: the tables of issues 10 and 20 and the targets of issue 20 with
# met/missed (bench/run.sh; quick: BENCH_ARGS="--rows 200000 --runs 1")
bench: bench-deps
	@$(MAKE) --no-print-directory all bench-tools
	@BUILD=$(abspath $(BUILD)) bench/run.sh $(BENCH_ARGS)

# Report overhead: the report writer vs a bare libxlsxwriter program writing
# the same Permits cells (see bench/xlsx_bare.c; not part of make check).
$(BUILD)/xlsx-bare: bench/xlsx_bare.c bench/synth.h $(BUILD)/libetl.a
	@echo "  LD      $@"
	@$(CC) $(filter-out -MMD -MP,$(CFLAGS)) -Ibench $(LDFLAGS) -o $@ bench/xlsx_bare.c $(BUILD)/libetl.a $(LDLIBS)

$(BUILD)/report-synth: bench/report_synth.c bench/synth.h $(BUILD)/libetl.a
	@echo "  LD      $@"
	@$(CC) $(filter-out -MMD -MP,$(CFLAGS)) -Ibench $(LDFLAGS) -o $@ bench/report_synth.c $(BUILD)/libetl.a $(LDLIBS)

# make demo: deps, build, then the whole pipeline on samples/ against the sandbox.
demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(abspath $(BUILD)) tests/demo.sh

clean:
	rm -rf build

# The installed binary looks for profiles in $(PREFIX)/share/permit-etl/formats,
# so it is built apart with that PREFIX compiled in.
install:
	@$(MAKE) --no-print-directory BUILD=build/install-$(subst /,_,$(PREFIX)) \
	  PREFIX=$(PREFIX) build/install-$(subst /,_,$(PREFIX))/permit-etl
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/permit-etl/formats
	install -m 755 build/install-$(subst /,_,$(PREFIX))/permit-etl $(DESTDIR)$(PREFIX)/bin/permit-etl
	install -m 644 formats/*.json $(DESTDIR)$(PREFIX)/share/permit-etl/formats/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 permit-etl.1 $(DESTDIR)$(PREFIX)/share/man/man1/permit-etl.1
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 completion/permit-etl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/permit-etl

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
