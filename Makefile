# bulkhead — build, test and demo. `make` puts every binary in build/.
# `make check` installs dependencies (Debian packages), builds normal and
# ASan/UBSan variants and runs every test. `make demo` runs the demo.

CC ?= cc
BUILD ?= build
SAN ?= 0

WARN = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wpointer-arith \
	-Wundef -Wwrite-strings -Wswitch-default -Wimplicit-fallthrough \
	-Wno-format-nonliteral -Wno-format-truncation \
	-Wmissing-declarations -Wcast-qual -Wswitch-enum
# format-truncation: messages are cut on purpose; every path is built with
# path_fmt(), which reports truncation as an error instead.
HARDEN = -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fPIE
LDHARDEN = -pie -Wl,-z,relro,-z,now
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) $(HARDEN) \
	$(shell pkg-config --cflags jansson libseccomp libelf libnftables 2>/dev/null)
ifeq ($(SAN),1)
# FORTIFY and ASan disagree about some interceptors; ASan checks more.
CFLAGS_BASE := $(filter-out -D_FORTIFY_SOURCE=3,$(CFLAGS_BASE)) -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
LDHARDEN += -fsanitize=address,undefined
endif
CFLAGS ?=
CFLAGS += $(CFLAGS_BASE)
LIBS = $(shell pkg-config --libs jansson libseccomp libelf libnftables 2>/dev/null)

# Sources by process (ARCHITECTURE.md, "Processes"). A folder is either
# one process's code or shared code; scripts/check-layout.sh fails when a
# process folder's code is linked into another process's binary.
#
# Shared: used by more than one process. ipc/ holds both ends of each
# channel, host/ the root-side host state, jail/ the confinement sequence,
# plan/ what a VM is made of.
SHARED_SRCS = \
	src/common/log.c \
	src/common/util.c \
	src/config/cfgfile.c \
	src/config/pathcheck.c \
	src/config/disk.c \
	src/config/vif.c \
	src/config/keyget.c \
	src/config/xl_keys.c \
	src/config/hvm_keys.c \
	src/config/vnc.c \
	src/config/cpuset.c \
	src/config/prefix.c \
	src/config/config.c \
	src/config/policy.c \
	src/config/policy_check.c \
	src/ipc/control.c \
	src/ipc/control_msg.c \
	src/ipc/worker_msg.c \
	src/host/accounts.c \
	src/host/vmid.c \
	src/host/reaper.c \
	src/host/record.c \
	src/host/vmdir.c \
	src/host/events_log.c \
	src/host/teardown.c \
	src/host/procscan.c \
	src/host/recover.c \
	src/host/cgroup.c \
	src/host/cgroup_v1.c \
	src/host/cgroup_v2.c \
	src/host/blockdev.c \
	src/host/blockuse.c \
	src/host/tap.c \
	src/host/antispoof.c \
	src/host/antispoof_rules.c \
	src/host/nft.c \
	src/host/bind_guard.c \
	src/host/inbound_guard.c \
	src/host/hostfile.c \
	src/host/imglock.c \
	src/host/safe_open.c \
	src/host/safe_who.c \
	src/host/peer.c \
	src/host/subid.c \
	src/host/idrange.c \
	src/host/nsswitch.c \
	src/host/subid_nss.c \
	src/jail/jail.c \
	src/jail/levels.c \
	src/jail/rootfs.c \
	src/jail/libdeps.c \
	src/jail/elfdeps.c \
	src/jail/sysfile.c \
	src/jail/privs.c \
	src/jail/fds.c \
	src/jail/seccomp.c \
	src/jail/landlock.c \
	src/plan/fdtab.c \
	src/plan/qemu_args.c \
	src/plan/vm_plan.c

# The per-VM monitor: root for the VM's whole life.
MONITOR_SRCS = \
	src/monitor/monitor.c \
	src/monitor/start.c \
	src/monitor/takeover.c \
	src/monitor/launch.c \
	src/monitor/loop.c \
	src/monitor/requests.c \
	src/monitor/waiters.c \
	src/monitor/events.c \
	src/monitor/worker_client.c \
	src/monitor/backends.c \
	src/monitor/passt.c \
	src/monitor/console_log.c \
	src/monitor/child_log.c \
	src/monitor/copier_spawn.c \
	src/monitor/worker_spawn.c

# The QMP worker: unprivileged, the only code that parses QMP.
WORKER_SRCS = \
	src/qmpworker/worker.c \
	src/qmpworker/qmp.c \
	src/qmpworker/cdrom.c \
	src/qmpworker/lifecycle.c \
	src/qmpworker/migrate.c \
	src/qmpworker/vnc.c

# The save/restore copier: unprivileged, moves bytes it never parses.
COPIER_SRCS = src/copier/copier.c

# The CLI: root, short-lived.
CLI_SRCS = \
	src/cli/main.c \
	src/cli/cmd_create.c \
	src/cli/cmd_list.c \
	src/cli/list_long.c \
	src/cli/cmd_destroy.c \
	src/cli/cmd_console.c \
	src/cli/cmd_host_init.c \
	src/cli/cmd_features.c \
	src/cli/cmd_check.c \
	src/cli/cmd_audit.c \
	src/cli/cmd_pause.c \
	src/cli/cmd_events.c \
	src/cli/cmd_shutdown.c \
	src/cli/cmd_cdrom.c \
	src/cli/cmd_save.c \
	src/cli/cmd_vnc.c \
	src/cli/vnc_listen.c \
	src/cli/vnc_handover.c \
	src/cli/vnc_relay.c \
	src/cli/request.c \
	src/cli/reattach.c \
	src/cli/monitor_fork.c \
	src/cli/audit.c \
	src/cli/audit_find.c \
	src/cli/tenant.c \
	src/cli/vifclaim.c \
	src/cli/termfilter.c \
	src/cli/features_table.c

# The device backends (jailed, one process per device): vhost/ is the
# protocol and the ring walker they share, backends/ the devices and the
# process around them (blk_main.c, rng_main.c, net_main.c hold main()).
VHOST_SRCS = \
	src/vhost/guestmem.c \
	src/vhost/virtq.c \
	src/vhost/vu_msg.c \
	src/vhost/vu_dev.c \
	src/backends/blk.c \
	src/backends/rng.c \
	src/backends/net.c \
	src/backends/allowlist.c \
	src/backends/serve.c
BACKEND_SRCS = src/common/util.c $(VHOST_SRCS)

# What the unit tests and fuzzers link: every process's code but the CLI's
# commands (audit.c and audit_find.c, which parse hostile /proc text, are
# fuzzed).
LIB_SRCS = $(SHARED_SRCS) $(MONITOR_SRCS) $(WORKER_SRCS) $(COPIER_SRCS) \
	src/cli/audit.c src/cli/audit_find.c src/cli/features_table.c \
	src/cli/termfilter.c $(VHOST_SRCS)

UNIT_TESTS = test_antispoof test_cfgfile test_config test_disk test_qmp test_qemu_args test_vm_plan test_vmdir \
	test_console_log test_child_log test_record test_vmid test_privs test_seccomp_landlock \
	test_cgroup test_vif test_blockdev test_worker_msg test_virtq test_net test_allowlist \
	test_levels test_control_msg test_safe_open test_doc_numbers test_subid test_accounts \
	test_procscan test_libdeps test_policy test_util test_termfilter test_tap test_imglock test_blockuse test_peer \
	test_events

OBJ = $(BUILD)/obj
LIB_OBJS = $(LIB_SRCS:%.c=$(OBJ)/%.o)
UNIT_BINS = $(UNIT_TESTS:%=$(BUILD)/tests/%)

BACKENDS = $(BUILD)/bulkhead-blk $(BUILD)/bulkhead-rng $(BUILD)/bulkhead-net
FRONT_SRCS = tests/frontend/vu_front.c src/common/util.c

all: $(BUILD)/bulkhead $(BUILD)/bulkhead-probe $(UNIT_BINS) $(BUILD)/tests/evil-dm \
	$(BACKENDS) $(BUILD)/tests/vu-front $(BUILD)/tests/libsubid_bhtest.so

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# `bulkhead --version`: a release tarball's VERSION file, else git's
# description of the tree. version.c is rewritten only when that changes,
# so it is recompiled exactly then.
VERSION_STR = $(shell cat VERSION 2>/dev/null || \
	git describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/gen/version.c: FORCE
	@mkdir -p $(dir $@)
	@printf '#include "%s/src/cli/version.h"\nconst char bh_version[] = "%s";\n' \
		'$(CURDIR)' '$(VERSION_STR)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(OBJ)/gen/version.o: $(BUILD)/gen/version.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(CC) $(CFLAGS) -c $< -o $@
FORCE:

$(BUILD)/libbulkhead.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The monitor, the QMP worker and the copier are forked from this image
# (scripts/check-layout.sh knows which processes run which binary).
BULKHEAD_SRCS = $(CLI_SRCS) $(MONITOR_SRCS) $(WORKER_SRCS) $(COPIER_SRCS) $(SHARED_SRCS)
$(BUILD)/bulkhead: $(BULKHEAD_SRCS:%.c=$(OBJ)/%.o) $(OBJ)/gen/version.o
	@echo "  LD $@"; $(CC) $(CFLAGS) $(LDHARDEN) -o $@ $^ $(LIBS)

# The probe is static (it needs nothing from the jail's filesystem) and
# never sanitized: it runs as the VM's uid inside the jail.
$(BUILD)/bulkhead-probe: src/probe/probe.c
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(CC) -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) $(HARDEN) \
		-static-pie -o $@ $<

# The backends run in an empty root: static, libseccomp included. The
# sanitized variants are dynamic (ASan cannot be static) and are only run
# unconfined, by the synthetic front end's tests.
ifeq ($(SAN),1)
BACKEND_LD = $(CC) $(CFLAGS) $(LDHARDEN)
BACKEND_LIBS = $(LIBS)
else
BACKEND_LD = $(CC) $(CFLAGS) -static-pie
BACKEND_LIBS = -l:libseccomp.a
endif
.SECONDARY: $(OBJ)/src/backends/blk_main.o $(OBJ)/src/backends/rng_main.o \
	$(OBJ)/src/backends/net_main.o
$(BUILD)/bulkhead-%: $(OBJ)/src/backends/%_main.o $(BACKEND_SRCS:%.c=$(OBJ)/%.o)
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(BACKEND_LD) -o $@ $^ $(BACKEND_LIBS)

# The synthetic vhost-user front end (tests and benchmark).
$(BUILD)/tests/vu-front: $(OBJ)/tests/frontend/vu_front_main.o \
	$(OBJ)/tests/frontend/vu_front_net.o $(FRONT_SRCS:%.c=$(OBJ)/%.o)
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(CC) $(CFLAGS) $(LDHARDEN) -o $@ $^ -lpthread

# The benchmark (bench/README.md): not part of `all`, run by `make bench`.
$(BUILD)/blkbench: $(OBJ)/bench/blkbench.o $(FRONT_SRCS:%.c=$(OBJ)/%.o) $(BUILD)/libbulkhead.a
	@echo "  LD $@"; $(CC) $(CFLAGS) $(LDHARDEN) -o $@ $^ $(LIBS)

# A subid NSS module standing in for SSSD's (tests/e2e/idrange.sh).
$(BUILD)/tests/libsubid_bhtest.so: tests/peers/subid_module.c
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(CC) -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -fPIC \
		-shared -o $@ $<

# A compromised device model for the hostile-QMP tests: static, so it
# needs nothing from the jail's filesystem.
$(BUILD)/tests/evil-dm: tests/peers/evil_dm.c tests/peers/evil_net.c tests/peers/evil_net.h
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(CC) -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) $(HARDEN) \
		-static-pie -o $@ $(filter %.c,$^)

$(BUILD)/tests/%: $(OBJ)/tests/unit/%.o $(BUILD)/libbulkhead.a
	@mkdir -p $(dir $@)
	@echo "  LD $@"; $(CC) $(CFLAGS) $(LDHARDEN) -o $@ $< $(BUILD)/libbulkhead.a $(LIBS) -lcmocka

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

# --- dependencies, guest, checks -------------------------------------------

deps:
	sh scripts/install-deps.sh

guest: deps
	sh guest/build.sh build/guest

asan:
	$(MAKE) BUILD=build/asan SAN=1 all

FUZZ_TARGETS = fuzz_config fuzz_qmp fuzz_audit fuzz_worker_msg fuzz_vu_msg fuzz_virtq fuzz_net \
	fuzz_control fuzz_subid fuzz_elfdeps fuzz_policy fuzz_termfilter fuzz_cpuset fuzz_events
FUZZ_BINS = $(FUZZ_TARGETS:%=build/fuzz/%)
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		$(shell pkg-config --cflags jansson libseccomp libelf) \
		-o $@ $< $(LIB_SRCS) $(LIBS)
fuzz: $(FUZZ_BINS)

lint: all
	sh scripts/lint.sh
	sh scripts/check-layout.sh
	sh scripts/check-function-length.sh
	bash scripts/process-table.sh --check

check: deps
	$(MAKE) all
	$(MAKE) asan
	$(MAKE) fuzz
	sh guest/build.sh build/guest
	sh guest/hvm/build.sh build/guest-hvm
	bash tests/run-all.sh

demo: deps
	$(MAKE) all
	sh guest/build.sh build/guest
	bash scripts/demo.sh

# Not in check: one rebuild and a few real boots per mutant (see the script).
check-mutations: all guest
	bash scripts/check-mutations.sh

bench: deps
	$(MAKE) all $(BUILD)/blkbench
	$(BUILD)/blkbench

# Installed as a Debian admin expects (scripts/install.sh says where);
# uninstall removes exactly that, and keeps config files the admin changed.
PREFIX ?= /usr/local
INSTALL_VARS = DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)' BUILD='$(BUILD)' \
	$(foreach v,SBINDIR LIBEXECDIR MANDIR BASHCOMPDIR UNITDIR SYSCONFDIR,\
		$(if $($(v)),$(v)='$($(v))'))
install: $(BUILD)/bulkhead $(BUILD)/bulkhead-probe $(BACKENDS)
	$(INSTALL_VARS) sh scripts/install.sh install
uninstall:
	$(INSTALL_VARS) sh scripts/install.sh uninstall

# The Debian package, built from a copy of the tree and installed in a
# throwaway root (also run by make check, through tests/run-all.sh).
check-package: deps
	bash tests/package/deb.sh

# The network benchmark (bench/README.md): boots TCG guests from
# build/guest (`make guest`) under the e2e lock; as root, after host-init.
netbench: all
	bash bench/netbench.sh $(NETBENCH_ARGS)

# The start-up and memory benchmark (bench/README.md): bare QEMU against
# bulkhead create -p/destroy, one at a time, in parallel, and memory held.
startbench: all
	python3 bench/startbench.py $(STARTBENCH_ARGS)

docs/SUPPORT.md: $(BUILD)/bulkhead
	$(BUILD)/bulkhead features --markdown > $@

clean:
	rm -rf build

.PHONY: all deps guest asan fuzz lint check check-mutations demo bench netbench \
	startbench clean install uninstall check-package
