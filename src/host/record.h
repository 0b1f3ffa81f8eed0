/* The record of a VM: a small JSON file in its runtime directory, written
 * atomically by the CLI and the monitor, read by list/destroy/console. */
#ifndef BULKHEAD_RECORD_H
#define BULKHEAD_RECORD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/paths.h"
#include "../config/vif.h"
#include "accounts.h"

/* A tap the toolstack made for the VM: its name and the index it had,
 * so teardown deletes that very interface and no later one of the name. */
#define RECORD_TAPS_MAX 8
struct record_tap {
	char name[16]; /* IFNAMSIZ */
	unsigned ifindex;
};

/* The identity a bridged vif claims on the wire, which the anti-spoofing
 * rules enforce: create refuses a VM whose vif claims one another VM's
 * record holds (any owner). */
struct record_vif {
	uint8_t mac[6];
	struct vif_ip ips[VIF_IPS_MAX];
	size_t nips;
};

struct vm_record {
	char name[BH_NAME_MAX + 1];
	unsigned vmid;
	uid_t uid;
	gid_t gid;
	bool uid_exclusive;
	uid_t reaper_uid;
	char ident[16]; /* range, user, shared, root */
	pid_t dm_pid;   /* host pid; trusted only with dm_start */
	uint64_t dm_start;
	pid_t monitor_pid;
	uint64_t monitor_start;
	char state[16]; /* starting, paused, running, broken, stopping */
	char accel[8];
	bool security_supported;
	char config[PATH_MAX];
	char console_log[PATH_MAX];
	/* The config file's owner: whose files the VM may be given, at
	 * create and later (cd-insert, a take-over's restart). A record
	 * without it (made before it was kept) reads as root's. */
	uid_t owner;
	/* The VM's taps, made persistent or not: deleted at teardown. A
	 * record without them (made before they were kept) has none. */
	struct record_tap taps[RECORD_TAPS_MAX];
	size_t ntaps;
	/* Its bridged vifs' MACs and ip=. A record without them (made
	 * before they were kept) claims none. */
	struct record_vif vifs[RECORD_TAPS_MAX];
	size_t nvifs;
};

/* The device model's identity as a record keeps it (uid, gid, exclusive,
 * reaper, kind), and back: every monitor, the first or one taking the VM
 * over, runs its processes as the record says. -EINVAL for an unknown
 * kind. */
void record_set_identity(struct vm_record *r, const struct dm_identity *id);
int record_identity(const struct vm_record *r, struct dm_identity *id);

/* Whether b is the record of the very VM a was read for: the same VM
 * id and the same device model (its pid and start time), which a new
 * VM of the name or id never has and a monitor's take-over or an
 * in-place restart keeps. False while a's device model is not started
 * (dm_start 0): nothing to pin to yet. */
bool record_same_vm(const struct vm_record *a, const struct vm_record *b);

int record_path(char *buf, size_t len, const char *name);
int record_write(const struct vm_record *r);
/* Strictly typed read; -EINVAL for anything malformed. */
int record_read(const char *name, struct vm_record *r);
int record_parse(const char *text, size_t len, struct vm_record *r);
/* Call fn for each VM directory name under BH_VM_DIR (sorted). */
int record_foreach(int (*fn)(const char *name, void *arg), void *arg);

#endif
