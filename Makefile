# agentkit - one non-recursive Makefile.
#
#   make                      build every program into bin/
#   make check                unit tests (prove) then bats tests
#   make SANITIZE=address,undefined check
#   make DEVELOPER=1          strict warnings, warnings are errors
#   make install PREFIX=/usr/local DESTDIR=
#   make bench | eval | fuzz | man | completions | demo

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d

CC         ?= cc
CLANG      ?= clang
PKG_CONFIG ?= pkg-config
PROVE      ?= prove
BATS       ?= bats
SCDOC      ?= scdoc
INSTALL    ?= install

VERSION := 0.1.0

CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(CFLAGS) -std=c11 -D_GNU_SOURCE -Ilib -Wall -Wextra -Wno-unused-parameter \
	-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"'
ALL_LDFLAGS = $(LDFLAGS)

ifdef DEVELOPER
ALL_CFLAGS += -Werror -Wvla -Wstrict-prototypes -Wwrite-strings \
	-Wmissing-prototypes -Wshadow -Wformat=2
endif
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# Dependencies: when pkg-config cannot find one, install it (as root) or
# say which apt-get line to run.
DEP_PKGS := jansson yaml-0.1 libcrypto sqlite3 libpq rdkafka libcmark-gfm libcurl libxml-2.0 \
	libhs libpcre2-8 libgit2 libarchive libmicrohttpd libjwt openssl
ifeq ($(filter clean man completions,$(MAKECMDGOALS)),)
ifneq ($(shell $(PKG_CONFIG) --exists $(DEP_PKGS) || echo missing),)
ifeq ($(shell id -u),0)
$(info agentkit: installing missing build dependencies)
DEPS_RC := $(shell scripts/install-deps >&2; echo $$?)
else
$(error missing build dependencies; run as root: scripts/install-deps (or: $(shell scripts/install-deps --print)))
endif
endif
endif

DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEP_PKGS))
JANSSON_LIBS := $(shell $(PKG_CONFIG) --libs jansson)
YAML_LIBS := $(shell $(PKG_CONFIG) --libs yaml-0.1)
CRYPTO_LIBS := $(shell $(PKG_CONFIG) --libs libcrypto)
SQLITE_LIBS := $(shell $(PKG_CONFIG) --libs sqlite3)
PQ_LIBS := $(shell $(PKG_CONFIG) --libs libpq)
RDKAFKA_LIBS := $(shell $(PKG_CONFIG) --libs rdkafka)
CMARK_LIBS := $(shell $(PKG_CONFIG) --libs libcmark-gfm) -lcmark-gfm-extensions
CURL_LIBS := $(shell $(PKG_CONFIG) --libs libcurl)
XML2_LIBS := $(shell $(PKG_CONFIG) --libs libxml-2.0)
HS_LIBS := $(shell $(PKG_CONFIG) --libs libhs)
PCRE2_LIBS := $(shell $(PKG_CONFIG) --libs libpcre2-8)
GIT2_LIBS := $(shell $(PKG_CONFIG) --libs libgit2)
ARCHIVE_LIBS := $(shell $(PKG_CONFIG) --libs libarchive)
MHD_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd)
JWT_LIBS := $(shell $(PKG_CONFIG) --libs libjwt)
SSL_LIBS := $(shell $(PKG_CONFIG) --libs openssl)
ALL_CFLAGS += $(DEP_CFLAGS)

# libagentkit core
LIB_OBJS += lib/error.o
LIB_OBJS += lib/buf.o
LIB_OBJS += lib/log.o
LIB_OBJS += lib/jscan.o
LIB_OBJS += lib/jsonl.o
LIB_OBJS += lib/event.o
LIB_OBJS += lib/out.o
LIB_OBJS += lib/filter.o
LIB_OBJS += lib/workspace.o
LIB_OBJS += lib/proc.o
LIB_OBJS += lib/spawn.o
LIB_OBJS += lib/config.o
LIB_OBJS += lib/opts.o
LIB_OBJS += lib/agent.o
LIB_OBJS += lib/submit.o
LIB_OBJS += lib/validate.o
LIB_OBJS += lib/jpointer.o
LIB_OBJS += lib/jschema.o
LIB_OBJS += lib/datadir.o
LIB_OBJS += lib/jpack.o
LIB_OBJS += lib/names.o
LIB_OBJS += lib/template.o
LIB_OBJS += lib/yamljson.o
LIB_OBJS += lib/apiview.o
LIB_OBJS += lib/codegen.o
LIB_OBJS += lib/genagent.o
LIB_OBJS += lib/shwords.o
LIB_OBJS += lib/lockfile.o
LIB_OBJS += lib/clock.o
LIB_OBJS += lib/atomicfile.o

LIB = lib/libagentkit.a
CORE_LIBS = $(JANSSON_LIBS) $(YAML_LIBS) $(CRYPTO_LIBS)

# the store adapter, linked only into the programs that keep state
STORE_OBJS += lib/store.o
STORE_OBJS += lib/store_sqlite.o
STORE_OBJS += lib/store_pg.o
STORE_OBJS += lib/record.o
STORE_OBJS += lib/history.o
STORE_OBJS += lib/join.o
STORE_OBJS += lib/sqlcheck.o
STORE_LIB = lib/libagentkit-store.a
STORE_LIBS = $(SQLITE_LIBS) $(PQ_LIBS)

# the Kafka adapter, linked only into agentctl
KAFKA_OBJS += lib/kafka.o
KAFKA_OBJS += lib/worker.o
KAFKA_LIB = lib/libagentkit-kafka.a
KAFKA_LIBS = $(RDKAFKA_LIBS) -lpthread

# the LLM engine, linked only into the agents that can use a model
LLM_OBJS += lib/llm.o
LLM_OBJS += lib/prompt.o
LLM_LIB = lib/libagentkit-llm.a
LLM_LIBS = $(CURL_LIBS)

# the business analyst's rules, linked only into agent-analyze
ANALYZE_OBJS += lib/analyze/words.o
ANALYZE_OBJS += lib/analyze/doc.o
ANALYZE_OBJS += lib/analyze/classify.o
ANALYZE_OBJS += lib/analyze/entity.o
ANALYZE_OBJS += lib/analyze/question.o
ANALYZE_OBJS += lib/analyze/qus.o
ANALYZE_OBJS += lib/analyze/render.o
ANALYZE_OBJS += lib/analyze/story.o
ANALYZE_OBJS += lib/analyze/analyze.o
ANALYZE_OBJS += lib/analyze/brief.o
ANALYZE_LIB = lib/libagentkit-analyze.a
ANALYZE_LIBS = $(CMARK_LIBS)

# the backend developer's contract and schema writers, linked only into agent-backend
BACKEND_OBJS += lib/backend/openapi.o
BACKEND_OBJS += lib/backend/ddl.o
BACKEND_LIB = lib/libagentkit-backend.a

# the test report readers, linked only into agent-test
RESULTS_OBJS += lib/results/results.o
RESULTS_OBJS += lib/results/tap.o
RESULTS_OBJS += lib/results/junit.o
RESULTS_OBJS += lib/results/coverage.o
RESULTS_OBJS += lib/results/report.o
RESULTS_OBJS += lib/results/testrun.o
RESULTS_OBJS += lib/results/junitw.o
RESULTS_OBJS += lib/results/skeleton.o
RESULTS_LIB = lib/libagentkit-results.a
RESULTS_LIBS = $(XML2_LIBS)

# the contract checks and tests over HTTP, linked only into agent-integrate
CONTRACT_OBJS += lib/contract/lint.o
CONTRACT_OBJS += lib/contract/probe.o
CONTRACT_OBJS += lib/contract/service.o
CONTRACT_LIB = lib/libagentkit-contract.a
CONTRACT_LIBS = $(CURL_LIBS) -lm

# the security scanner, linked only into agent-secscan
SECSCAN_OBJS += lib/secscan/rules.o
SECSCAN_OBJS += lib/secscan/engine.o
SECSCAN_OBJS += lib/secscan/scan.o
SECSCAN_OBJS += lib/secscan/gitscan.o
SECSCAN_OBJS += lib/secscan/report.o
SECSCAN_OBJS += lib/secscan/iac.o
SECSCAN_OBJS += lib/secscan/sarif.o
SECSCAN_OBJS += lib/secscan/deps.o
SECSCAN_OBJS += lib/secscan/osv.o
SECSCAN_OBJS += lib/secscan/version.o
SECSCAN_LIB = lib/libagentkit-secscan.a
SECSCAN_LIBS = $(HS_LIBS) $(PCRE2_LIBS) $(GIT2_LIBS) $(ARCHIVE_LIBS) -lpthread -lm

# the HTTP client adapter (libcurl), for health checks, metrics and smoke tests
HTTP_OBJS += lib/http.o
HTTP_OBJS += lib/prom.o
HTTP_LIB = lib/libagentkit-http.a
HTTP_LIBS = $(CURL_LIBS)

# the rollout engine: traffic routers, measurements, steps, state in the store
ROLLOUT_OBJS += lib/rollout/router.o
ROLLOUT_OBJS += lib/rollout/analysis.o
ROLLOUT_OBJS += lib/rollout/canary.o
ROLLOUT_OBJS += lib/rollout/rollout.o
ROLLOUT_LIB = lib/libagentkit-rollout.a
ROLLOUT_LIBS = -lm

# the deployment engineer: gate, artifacts, SBOM, Terraform
DEPLOY_OBJS += lib/deploy/gate.o
DEPLOY_OBJS += lib/deploy/artifact.o
DEPLOY_OBJS += lib/deploy/sbom.o
DEPLOY_OBJS += lib/deploy/tf.o
DEPLOY_OBJS += lib/deploy/scaffold.o
DEPLOY_LIB = lib/libagentkit-deploy.a
DEPLOY_LIBS = $(ARCHIVE_LIBS)

# the intake server: HTTP, keys and tokens, rate limits, webhooks, sinks
SERVE_OBJS += lib/serve/apikey.o
SERVE_OBJS += lib/serve/jwtauth.o
SERVE_OBJS += lib/serve/ratelimit.o
SERVE_OBJS += lib/serve/hooks.o
SERVE_OBJS += lib/serve/intake.o
SERVE_OBJS += lib/serve/idem.o
SERVE_OBJS += lib/serve/sink.o
SERVE_OBJS += lib/serve/metrics.o
SERVE_OBJS += lib/serve/server.o
SERVE_LIB = lib/libagentkit-serve.a

# monitoring for cron: checks, probes (OpenSSL for TLS), state, textfile
MONITOR_OBJS += lib/monitor/checks.o
MONITOR_OBJS += lib/monitor/probe.o
MONITOR_OBJS += lib/monitor/state.o
MONITOR_OBJS += lib/monitor/textfile.o
MONITOR_OBJS += lib/monitor/runlock.o
MONITOR_LIB = lib/libagentkit-monitor.a
MONITOR_LIBS = $(SSL_LIBS) -lpthread -lm

# the report page: events to HTML with an SVG chart, linked only into agentctl
REPORT_OBJS += lib/report/model.o
REPORT_OBJS += lib/report/chart.o
REPORT_OBJS += lib/report/html.o
REPORT_LIB = lib/libagentkit-report.a
REPORT_LIBS = -lm

# pipelines run as graphs (agentctl run)
RUN_OBJS += lib/run/pipeline.o
RUN_OBJS += lib/run/run.o
RUN_LIB = lib/libagentkit-run.a
RUN_LIBS = -lpthread
SERVE_LIBS = $(MHD_LIBS) $(JWT_LIBS) -lpthread -lm

# the checks of agentctl doctor: programs, configuration, store, Kafka, LLM
DOCTOR_OBJS += lib/doctor.o
DOCTOR_LIB = lib/libagentkit-doctor.a
DOCTOR_LIBS = $(CURL_LIBS) -lpthread

PROGRAMS = bin/agentctl bin/agent-analyze bin/agent-backend bin/agent-frontend bin/agent-app bin/agent-test \
	bin/agent-integrate bin/agent-secscan bin/agent-deploy bin/agent-monitor
AGENTCTL_OBJS = cmd/agentctl.o cmd/agentctl-stream.o cmd/agentctl-store.o cmd/agentctl-kafka.o \
	cmd/agentctl-llm.o cmd/agentctl-tf.o cmd/agentctl-rollout.o cmd/agentctl-serve.o \
	cmd/agentctl-keys.o cmd/agentctl-run.o cmd/agentctl-report.o cmd/agentctl-doctor.o

UNIT_SRCS := $(sort $(wildcard t/unit/u-*.c))
UNIT_TESTS := $(UNIT_SRCS:.c=)
FUZZ_SRCS := $(sort $(wildcard t/fuzz/fuzz-*.c))
FUZZ_BINS := $(FUZZ_SRCS:.c=)

MAN_SRCS := $(wildcard man/*.scd)
MAN_PAGES := $(MAN_SRCS:.scd=)

.PHONY: all check unit-test bats-test pg-test install uninstall clean bench eval fuzz \
	man completions demo deps FORCE
.DELETE_ON_ERROR:

all: $(PROGRAMS)

# Rebuild everything when the flags change (SANITIZE=..., DEVELOPER=1).
.build-flags: FORCE
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@

%.o: %.c .build-flags
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(STORE_LIB): $(STORE_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(KAFKA_LIB): $(KAFKA_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(ANALYZE_LIB): $(ANALYZE_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(LLM_LIB): $(LLM_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(BACKEND_LIB): $(BACKEND_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(CONTRACT_LIB): $(CONTRACT_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(RESULTS_LIB): $(RESULTS_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(SECSCAN_LIB): $(SECSCAN_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(HTTP_LIB): $(HTTP_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(ROLLOUT_LIB): $(ROLLOUT_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(DEPLOY_LIB): $(DEPLOY_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(SERVE_LIB): $(SERVE_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(RUN_LIB): $(RUN_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(MONITOR_LIB): $(MONITOR_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(REPORT_LIB): $(REPORT_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

bin/agent-monitor: cmd/agent-monitor.o $(MONITOR_LIB) $(HTTP_LIB) $(STORE_LIB) $(LIB)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ cmd/agent-monitor.o $(MONITOR_LIB) $(HTTP_LIB) $(STORE_LIB) \
		$(LIB) $(MONITOR_LIBS) $(HTTP_LIBS) $(STORE_LIBS) $(CORE_LIBS) $(ALL_LDFLAGS)

$(DOCTOR_LIB): $(DOCTOR_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

bin/agentctl: $(AGENTCTL_OBJS) $(REPORT_LIB) $(DOCTOR_LIB) $(RUN_LIB) $(SERVE_LIB) $(ROLLOUT_LIB) $(DEPLOY_LIB) $(HTTP_LIB) $(KAFKA_LIB) $(LLM_LIB) \
		$(STORE_LIB) $(LIB)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ $(AGENTCTL_OBJS) $(REPORT_LIB) $(DOCTOR_LIB) $(RUN_LIB) $(SERVE_LIB) $(ROLLOUT_LIB) $(DEPLOY_LIB) $(HTTP_LIB) \
		$(KAFKA_LIB) $(LLM_LIB) $(STORE_LIB) $(LIB) $(REPORT_LIBS) $(DOCTOR_LIBS) $(RUN_LIBS) $(SERVE_LIBS) $(ROLLOUT_LIBS) $(DEPLOY_LIBS) $(HTTP_LIBS) $(KAFKA_LIBS) \
		$(LLM_LIBS) $(STORE_LIBS) $(CORE_LIBS) $(ALL_LDFLAGS)

bin/agent-deploy: cmd/agent-deploy.o $(ROLLOUT_LIB) $(DEPLOY_LIB) $(HTTP_LIB) $(STORE_LIB) $(LIB)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ cmd/agent-deploy.o $(ROLLOUT_LIB) $(DEPLOY_LIB) $(HTTP_LIB) \
		$(STORE_LIB) $(LIB) $(ROLLOUT_LIBS) $(DEPLOY_LIBS) $(HTTP_LIBS) $(STORE_LIBS) \
		$(CORE_LIBS) $(ALL_LDFLAGS)

bin/agent-analyze: cmd/agent-analyze.o $(ANALYZE_LIB) $(LLM_LIB) $(STORE_LIB) $(LIB)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ cmd/agent-analyze.o $(ANALYZE_LIB) $(LLM_LIB) $(STORE_LIB) \
		$(LIB) $(ANALYZE_LIBS) $(LLM_LIBS) $(STORE_LIBS) $(CORE_LIBS) $(ALL_LDFLAGS)

bin/agent-backend: cmd/agent-backend.o $(BACKEND_LIB) $(STORE_LIB) $(LIB)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ cmd/agent-backend.o $(BACKEND_LIB) $(STORE_LIB) $(LIB) \
		$(STORE_LIBS) $(CORE_LIBS) $(ALL_LDFLAGS)

bin/agent-frontend bin/agent-app: bin/%: cmd/%.o $(LIB)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(CORE_LIBS) $(ALL_LDFLAGS)

bin/agent-integrate: cmd/agent-integrate.o $(CONTRACT_LIB) $(STORE_LIB) $(LIB)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ cmd/agent-integrate.o $(CONTRACT_LIB) $(STORE_LIB) $(LIB) \
		$(CONTRACT_LIBS) $(STORE_LIBS) $(CORE_LIBS) $(ALL_LDFLAGS)

bin/agent-test: cmd/agent-test.o $(RESULTS_LIB) $(LIB)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ cmd/agent-test.o $(RESULTS_LIB) $(LIB) \
		$(RESULTS_LIBS) $(CORE_LIBS) $(ALL_LDFLAGS)

bin/agent-secscan: cmd/agent-secscan.o $(SECSCAN_LIB) $(STORE_LIB) $(LIB)
	@mkdir -p bin
	$(CC) $(ALL_CFLAGS) -o $@ cmd/agent-secscan.o $(SECSCAN_LIB) $(STORE_LIB) $(LIB) \
		$(SECSCAN_LIBS) $(STORE_LIBS) $(CORE_LIBS) $(ALL_LDFLAGS)

t/unit/u-%: t/unit/u-%.o $(MONITOR_LIB) $(REPORT_LIB) $(DOCTOR_LIB) $(RUN_LIB) $(SERVE_LIB) $(ROLLOUT_LIB) $(DEPLOY_LIB) $(HTTP_LIB) $(SECSCAN_LIB) $(CONTRACT_LIB) $(RESULTS_LIB) $(ANALYZE_LIB) $(BACKEND_LIB) $(LLM_LIB) $(KAFKA_LIB) $(STORE_LIB) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(MONITOR_LIB) $(REPORT_LIB) $(DOCTOR_LIB) $(RUN_LIB) $(SERVE_LIB) $(ROLLOUT_LIB) $(DEPLOY_LIB) $(HTTP_LIB) $(SECSCAN_LIB) $(CONTRACT_LIB) $(RESULTS_LIB) $(ANALYZE_LIB) $(BACKEND_LIB) $(LLM_LIB) $(KAFKA_LIB) \
		$(STORE_LIB) $(LIB) $(MONITOR_LIBS) $(REPORT_LIBS) $(DOCTOR_LIBS) $(RUN_LIBS) $(SERVE_LIBS) $(ROLLOUT_LIBS) $(DEPLOY_LIBS) $(HTTP_LIBS) $(SECSCAN_LIBS) $(CONTRACT_LIBS) $(RESULTS_LIBS) $(ANALYZE_LIBS) $(LLM_LIBS) $(KAFKA_LIBS) $(STORE_LIBS) \
		$(CORE_LIBS) $(ALL_LDFLAGS)

t/helpers/%: t/helpers/%.o $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(CORE_LIBS) $(ALL_LDFLAGS)

HELPERS = t/helpers/gen-events t/helpers/gen-history

# scripts/install-deps is silent when everything is there
deps:
	@scripts/install-deps
	@scripts/install-sarif-schema

check: deps
	$(MAKE) unit-test
	$(MAKE) bats-test
	$(MAKE) pg-test

# The store's tests again, against a PostgreSQL server of their own.
pg-test: $(PROGRAMS) $(HELPERS) t/unit/u-store t/unit/u-join t/unit/u-store-llm t/unit/u-apiview
	t/helpers/with-pg $(PROVE) -v -e '' t/unit/u-store t/unit/u-join t/unit/u-store-llm t/unit/u-apiview
	PATH="$(CURDIR)/bin:$(CURDIR)/t/helpers:$$PATH" STORE_BACKEND=postgres \
		$(BATS) t/02*.bats

# prove -v prints every test's line, so that agent-test --run 'make check'
# counts each one
unit-test: $(UNIT_TESTS)
	$(PROVE) -v -e '' $(UNIT_TESTS)

bats-test: $(PROGRAMS) $(HELPERS)
	PATH="$(CURDIR)/bin:$(CURDIR)/t/helpers:$$PATH" $(BATS) t/

# The requirement classifier against the labelled sets in t/data.
eval: bin/agent-analyze
	@for set in t/data/requirements.tsv t/data/requirements-holdout.tsv; do \
		echo "== $$set"; \
		grep -v '^#' $$set | grep . | cut -f2- | bin/agent-analyze --classify | \
			t/helpers/classify-score $$set || exit; \
	done

bench: $(PROGRAMS) $(HELPERS)
	PATH="$(CURDIR)/bin:$(CURDIR)/t/helpers:$$PATH" t/perf/run

# libFuzzer targets, built with clang against the library sources.
FUZZ_TIME ?= 20
t/fuzz/fuzz-%: t/fuzz/fuzz-%.c $(LIB_OBJS:.o=.c)
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) $(CORE_LIBS)

# the analysis rules, with cmark-gfm
t/fuzz/fuzz-analyze t/fuzz/fuzz-reply: t/fuzz/fuzz-%: t/fuzz/fuzz-%.c $(LIB_OBJS:.o=.c) $(ANALYZE_OBJS:.o=.c)
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) $(ANALYZE_OBJS:.o=.c) \
		$(ANALYZE_LIBS) $(CORE_LIBS)

# contracts and analyses, with the schema writers and SQLite
t/fuzz/fuzz-results: t/fuzz/fuzz-results.c $(LIB_OBJS:.o=.c) $(RESULTS_OBJS:.o=.c)
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) \
		$(RESULTS_OBJS:.o=.c) $(RESULTS_LIBS) $(CORE_LIBS)

t/fuzz/fuzz-lint: t/fuzz/fuzz-lint.c $(LIB_OBJS:.o=.c) lib/contract/lint.c
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) lib/contract/lint.c \
		$(CORE_LIBS)

t/fuzz/fuzz-apiview: t/fuzz/fuzz-apiview.c $(LIB_OBJS:.o=.c) $(BACKEND_OBJS:.o=.c) lib/sqlcheck.c
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) $(BACKEND_OBJS:.o=.c) \
		lib/sqlcheck.c $(STORE_LIBS) $(CORE_LIBS)

# the scanner's file readers, with the store they import into
t/fuzz/fuzz-secscan: t/fuzz/fuzz-secscan.c $(LIB_OBJS:.o=.c) $(STORE_OBJS:.o=.c) \
		lib/secscan/osv.c lib/secscan/version.c lib/secscan/iac.c
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) $(STORE_OBJS:.o=.c) \
		lib/secscan/osv.c lib/secscan/version.c lib/secscan/iac.c \
		$(ARCHIVE_LIBS) $(STORE_LIBS) $(CORE_LIBS)

# the deployment readers: Terraform's plan, state and UI stream, the
# rollout configuration, and the gate with the store it reads from
t/fuzz/fuzz-deploy: t/fuzz/fuzz-deploy.c $(LIB_OBJS:.o=.c) $(STORE_OBJS:.o=.c) \
		lib/deploy/tf.c lib/deploy/gate.c lib/rollout/canary.c lib/rollout/router.c
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) $(STORE_OBJS:.o=.c) \
		lib/deploy/tf.c lib/deploy/gate.c lib/rollout/canary.c lib/rollout/router.c \
		$(STORE_LIBS) $(CORE_LIBS)

# the intake server's readers: request bodies and tracker webhooks
t/fuzz/fuzz-serve: t/fuzz/fuzz-serve.c $(LIB_OBJS:.o=.c) lib/serve/intake.c lib/serve/hooks.c
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) \
		lib/serve/intake.c lib/serve/hooks.c $(CORE_LIBS)

# the pipeline files of agentctl run
t/fuzz/fuzz-pipeline: t/fuzz/fuzz-pipeline.c $(LIB_OBJS:.o=.c) lib/run/pipeline.c
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) lib/run/pipeline.c \
		$(CORE_LIBS)

# the check file reader of agent-monitor
t/fuzz/fuzz-monitor: t/fuzz/fuzz-monitor.c $(LIB_OBJS:.o=.c) lib/monitor/checks.c
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) lib/monitor/checks.c \
		$(CORE_LIBS)

# the report page: events to the model, the HTML and the chart
t/fuzz/fuzz-report: t/fuzz/fuzz-report.c $(LIB_OBJS:.o=.c) $(REPORT_OBJS:.o=.c)
	$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE -Ilib $(DEP_CFLAGS) \
		-DAK_VERSION='"$(VERSION)"' -DAK_DATADIR='"$(DATADIR)/agentkit"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_OBJS:.o=.c) $(REPORT_OBJS:.o=.c) \
		$(REPORT_LIBS) $(CORE_LIBS)

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
		corpus=t/fuzz/corpus/$${f#t/fuzz/fuzz-}; mkdir -p $$corpus.run; \
		echo "fuzz: $$f for $(FUZZ_TIME)s"; \
		$$f -max_total_time=$(FUZZ_TIME) -max_len=65536 $$corpus.run $$corpus \
			>$$corpus.run.log 2>&1 || { tail -40 $$corpus.run.log; exit 1; }; \
		rm -rf $$corpus.run $$corpus.run.log; \
	done

man: $(MAN_PAGES)
man/%: man/%.scd
	$(SCDOC) < $< > $@

completions: $(PROGRAMS)
	for p in $(PROGRAMS); do scripts/gen-completions $$p completions || exit; done

demo: deps all
	scripts/demo

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) \
		$(DESTDIR)$(DATADIR)/agentkit
	$(INSTALL) -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 644 $(filter %.1,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(filter %.5,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 644 $(filter %.7,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man7
	for p in $(notdir $(PROGRAMS)); do \
		$(INSTALL) -m 644 completions/$$p.bash $(DESTDIR)$(BASHCOMPDIR)/$$p; \
		$(INSTALL) -m 644 completions/_$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p; \
		$(INSTALL) -m 644 completions/$$p.fish $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
	done
	cp -R share/agentkit/. $(DESTDIR)$(DATADIR)/agentkit/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGRAMS)))
	rm -rf $(DESTDIR)$(DATADIR)/agentkit

clean:
	rm -f lib/*.o lib/*.d lib/analyze/*.o lib/analyze/*.d lib/backend/*.o lib/backend/*.d lib/results/*.o lib/results/*.d lib/contract/*.o lib/contract/*.d lib/secscan/*.o lib/secscan/*.d lib/rollout/*.o lib/rollout/*.d lib/deploy/*.o lib/deploy/*.d lib/serve/*.o lib/serve/*.d lib/run/*.o lib/run/*.d lib/monitor/*.o lib/monitor/*.d lib/report/*.o lib/report/*.d cmd/*.o cmd/*.d t/unit/*.o t/unit/*.d t/helpers/*.o t/helpers/*.d
	rm -f $(LIB) $(STORE_LIB) $(KAFKA_LIB) $(LLM_LIB) $(ANALYZE_LIB) $(BACKEND_LIB) $(RESULTS_LIB) $(CONTRACT_LIB) $(SECSCAN_LIB) $(HTTP_LIB) $(ROLLOUT_LIB) $(DEPLOY_LIB) $(SERVE_LIB) $(RUN_LIB) $(DOCTOR_LIB) $(MONITOR_LIB) $(REPORT_LIB) $(PROGRAMS) $(UNIT_TESTS) $(FUZZ_BINS) $(HELPERS) .build-flags
	rm -rf t/fuzz/corpus/*.run t/perf/data

-include $(wildcard lib/*.d lib/analyze/*.d lib/backend/*.d lib/results/*.d lib/contract/*.d lib/secscan/*.d lib/rollout/*.d lib/deploy/*.d lib/serve/*.d lib/run/*.d lib/monitor/*.d lib/report/*.d cmd/*.d t/unit/*.d t/helpers/*.d)
