/* The VM plan's one contract: every fd the device model's argv names
 * (fd=N, -add-fd fd=N, /dev/fdset/N) is a slot of the plan's fd table
 * holding the resource that option needs, and every slot is named. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/jail/jail.h"
#include "../../src/plan/vm_plan.h"

static struct vm_config cfg;
static struct vm_plan plan;

static const struct dm_identity range_id = {
	.kind = IDENT_RANGE,
	.uid = 131073,
	.gid = 131073,
	.exclusive = true,
};

static void
build(const char *text, bool restore)
{
	struct cfg_error e;
	char why[256];

	if (config_parse(text, strlen(text), "t.cfg", &cfg, &e) < 0)
		fail_msg("%s", e.msg);
	struct plan_input in = { .cfg = &cfg,
				 .id = &range_id,
				 .be_id = &range_id,
				 .restore = restore };
	if (vm_plan_build(&in, &plan, why, sizeof(why)) < 0)
		fail_msg("%s", why);
}

/* The value of KEY= in a comma-separated option string, or NULL. */
static const char *
opt(const char *s, const char *key, char *buf, size_t len)
{
	size_t k = strlen(key);

	for (const char *p = s; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, key, k) == 0 && p[k] == '=') {
			snprintf(buf, len, "%.*s", (int)strcspn(p + k + 1, ","),
				 p + k + 1);
			return buf;
		}
	}
	return NULL;
}

static unsigned
disk_index(const char *vdev)
{
	for (unsigned i = 0; i < cfg.ndisks; i++)
		if (strcmp(cfg.disks[i].vdev, vdev) == 0)
			return i;
	fail_msg("argv names an unknown disk %s", vdev);
	return 0;
}

/* Slot N must exist and hold kind/index; it counts as named. */
static void
expect_slot(const char *arg, bool *used, enum plan_fd_kind kind, unsigned index)
{
	char b[16];
	long n = strtol(opt(arg, "fd", b, sizeof(b)), NULL, 10);

	if (n < 0 || (size_t)n >= plan.fds.n)
		fail_msg("%s: fd %ld is not in the table (%zu slots)", arg, n,
			 plan.fds.n);
	const struct plan_fd *s = &plan.fds.slot[n];
	if (s->kind != kind || s->index != index)
		fail_msg("%s: slot %ld holds %s %u, not %s %u", arg, n,
			 plan_fd_kind_name(s->kind), s->index,
			 plan_fd_kind_name(kind), index);
	used[n] = true;
}

/* A chardev's socket: QMP, console, or a backend's. */
static void
check_chardev(const char *arg, bool *used)
{
	char id[64];

	if (!opt(arg, "fd", id, sizeof(id)))
		return;
	opt(arg, "id", id, sizeof(id));
	if (strcmp(id, "bh-qmp") == 0)
		expect_slot(arg, used, PFD_QMP, 0);
	else if (strcmp(id, "bh-console") == 0)
		expect_slot(arg, used, PFD_CONSOLE, 0);
	else if (strcmp(id, "bh-vu-rng") == 0)
		expect_slot(arg, used, PFD_RNG_VHOST, 0);
	else if (strncmp(id, "bh-vu-", 6) == 0)
		expect_slot(arg, used, PFD_DISK_VHOST, disk_index(id + 6));
	else
		fail_msg("unknown chardev with an fd: %s", arg);
}

/* -add-fd fd=N,set=S,opaque=VDEV-ro|rw; set S then belongs to VDEV. */
static void
check_add_fd(const char *arg, bool *used, int *set_disk)
{
	char op[64], set[16];

	assert_non_null(opt(arg, "opaque", op, sizeof(op)));
	assert_non_null(opt(arg, "set", set, sizeof(set)));
	size_t l = strlen(op);
	assert_true(l > 3 && op[l - 3] == '-');
	bool rw = strcmp(op + l - 2, "rw") == 0;
	op[l - 3] = '\0';
	unsigned d = disk_index(op);
	expect_slot(arg, used, rw ? PFD_DISK_RW : PFD_DISK_RO, d);
	long s = strtol(set, NULL, 10);
	assert_true(s >= 0 && s < 64);
	assert_true(set_disk[s] < 0 || set_disk[s] == (int)d);
	set_disk[s] = (int)d;
}

/* A file node reads /dev/fdset/S: S must be its own disk's set. */
static void
check_blockdev(const char *arg, const int *set_disk)
{
	char fn[64], node[64];
	const char *f = opt(arg, "filename", fn, sizeof(fn));

	if (!f)
		return;
	assert_int_equal(strncmp(f, "/dev/fdset/", 11), 0);
	long s = strtol(f + 11, NULL, 10);
	assert_true(s >= 0 && s < 64);
	assert_non_null(opt(arg, "node-name", node, sizeof(node)));
	assert_int_equal(strncmp(node, "file-", 5), 0);
	if (set_disk[s] != (int)disk_index(node + 5))
		fail_msg("%s: fdset %ld is not this disk's", arg, s);
}

static void
check_plan(void)
{
	bool used[JAIL_FDS_MAX] = { false };
	int set_disk[64];
	const struct qemu_argv *a = &plan.argv;

	for (size_t i = 0; i < 64; i++)
		set_disk[i] = -1;
	/* -add-fd first: a -blockdev may come before its set otherwise. */
	for (size_t i = 0; i + 1 < a->n; i++)
		if (strcmp(a->argv[i], "-add-fd") == 0)
			check_add_fd(a->argv[i + 1], used, set_disk);
	for (size_t i = 0; i + 1 < a->n; i++) {
		const char *o = a->argv[i], *v = a->argv[i + 1];
		char b[32];

		if (strcmp(o, "-chardev") == 0)
			check_chardev(v, used);
		else if (strcmp(o, "-blockdev") == 0)
			check_blockdev(v, set_disk);
		else if (strcmp(o, "-netdev") == 0) {
			assert_non_null(opt(v, "id", b, sizeof(b)));
			assert_int_equal(strncmp(b, "net", 3), 0);
			if (strncmp(v, "vhost-user,", 11) == 0)
				assert_non_null(
					strstr(v, ",chardev=bh-vu-net"));
			else
				expect_slot(v, used, PFD_TAP,
					    (unsigned)strtoul(b + 3, NULL, 10));
		} else if (strcmp(o, "-add-fd") != 0 && strstr(v, "fd="))
			fail_msg("%s %s: an fd the check does not know", o, v);
	}
	/* stdio is not named in the argv; everything else must be. */
	assert_true(plan.fds.n >= 5);
	assert_int_equal(plan.fds.slot[0].kind, PFD_NULL);
	assert_int_equal(plan.fds.slot[1].kind, PFD_OUTPUT);
	assert_int_equal(plan.fds.slot[2].kind, PFD_OUTPUT);
	for (size_t i = 3; i < plan.fds.n; i++)
		if (!used[i])
			fail_msg("slot %zu (%s %u) is named by no option", i,
				 plan_fd_kind_name(plan.fds.slot[i].kind),
				 plan.fds.slot[i].index);
}

static size_t
count_backends(bool blk)
{
	size_t n = 0;

	for (size_t i = 0; i < plan.nbackends; i++)
		n += (plan.backends[i].kind == BACKEND_BLK) == blk;
	return n;
}

static bool
has_arg(const char *s)
{
	for (size_t i = 0; i < plan.argv.n; i++)
		if (strcmp(plan.argv.argv[i], s) == 0)
			return true;
	return false;
}

#define BASE "name='vm'\nkernel='/k'\naccel='tcg'\nvcpus=2\n"

/* A sparse file of size bytes, open read-only (its size is all that
 * counts). */
static int
sized_file(unsigned long long size)
{
	char path[] = "/tmp/bh-ut-fsize-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

/* RLIMIT_FSIZE follows the read-write disks only: the review's 2 GiB
 * read-only image beside a 1 MiB scratch disk gave the device model a
 * 2 GiB limit, and it grew the scratch disk to 2 GiB. With backends the
 * limit covers guest RAM (QEMU ftruncates its memfd), and no more. */
static void
test_fsize_rw_disks_only(void **state)
{
	(void)state;
	const unsigned long long mib = 1ull << 20;
	int ro = sized_file(2048 * mib), rw = sized_file(mib);
	int rw_ro = dup(rw), big = sized_file(700 * mib);

	build(BASE "memory=512\n"
		   "disk=['vdev=xvda,access=ro,target=/big.img',"
		   "'vdev=xvdb,access=rw,target=/scratch.img']\n",
	      false);
	assert_int_equal(vm_plan_set_fd(&plan, PFD_DISK_RO, 0, ro), 0);
	assert_int_equal(vm_plan_set_fd(&plan, PFD_DISK_RO, 1, rw_ro), 0);
	assert_int_equal(vm_plan_set_fd(&plan, PFD_DISK_RW, 1, rw), 0);
	assert_int_equal(vm_plan_fsize(&cfg, &plan.fds), mib);
	vm_plan_free(&plan);
	/* Only read-only disks: the floor. */
	build(BASE "disk=['vdev=xvda,access=ro,target=/big.img']\n", false);
	assert_int_equal(vm_plan_set_fd(&plan, PFD_DISK_RO, 0, ro), 0);
	assert_int_equal(vm_plan_fsize(&cfg, &plan.fds), JAIL_FSIZE_MIN);
	vm_plan_free(&plan);
	/* Backends: guest RAM, not the read-only image... */
	build(BASE "memory=512\nrng='isolated'\n"
		   "disk=['vdev=xvda,access=ro,target=/big.img',"
		   "'vdev=xvdb,access=rw,target=/scratch.img']\n",
	      false);
	assert_int_equal(vm_plan_set_fd(&plan, PFD_DISK_RO, 0, ro), 0);
	assert_int_equal(vm_plan_set_fd(&plan, PFD_DISK_RW, 1, rw), 0);
	assert_int_equal(vm_plan_fsize(&cfg, &plan.fds), 512 * mib);
	/* ...or a read-write disk larger than it. */
	assert_int_equal(vm_plan_set_fd(&plan, PFD_DISK_RW, 1, big), 0);
	assert_int_equal(vm_plan_fsize(&cfg, &plan.fds), 700 * mib);
	vm_plan_free(&plan);
	close(ro);
	close(rw);
	close(rw_ro);
	close(big);
}

static void
test_disks_rw_ro(void **state)
{
	(void)state;
	build(BASE "disk=['vdev=xvda,access=rw,target=/a',"
		   "'vdev=xvdb,access=ro,target=/b',"
		   "'vdev=xvdc,access=rw,target=/c']\n",
	      false);
	check_plan();
	assert_int_equal(plan.fds.n, 5 + 2 + 1 + 2);
	assert_int_equal(plan.nbackends, 0);
	assert_false(has_arg("-incoming"));
	vm_plan_free(&plan);
}

static void
test_isolated(void **state)
{
	(void)state;
	build(BASE "rng='isolated'\n"
		   "disk=['vdev=xvda,access=rw,target=/a',"
		   "'vdev=xvdb,access=rw,backendtype=isolated,target=/b',"
		   "'vdev=xvdc,access=ro,backendtype=isolated,target=/c']\n",
	      false);
	check_plan();
	/* xvda: 2 fds; each isolated disk and the rng: one socket. */
	assert_int_equal(plan.fds.n, 5 + 2 + 1 + 1 + 1);
	assert_int_equal(count_backends(true), 2);
	assert_int_equal(count_backends(false), 1);
	assert_true(plan.backends[1].read_only);
	assert_int_equal(plan.backends[0].sock, PFD_DISK_VHOST);
	assert_int_equal(plan.backends[2].sock, PFD_RNG_VHOST);
	vm_plan_free(&plan);
}

/* An isolated vif: QEMU gets a socket in its slot, never the tap; the
 * tap goes to its bulkhead-net with the vif's index. */
static void
test_isolated_vif(void **state)
{
	(void)state;
	build(BASE "vif=['bridge=br0', 'bridge=br1,backendtype=isolated,"
		   "mac=00:16:3e:01:02:03']\n",
	      false);
	check_plan();
	/* QEMU 7.2 takes vhost-user-net only by path: no slot at all. */
	assert_int_equal(plan.fds.n, 5 + 1);
	assert_int_equal(plan_fd_num(&plan.fds, PFD_TAP, 0), 5);
	assert_int_equal(plan_fd_num(&plan.fds, PFD_TAP, 1), -1);
	assert_int_equal(plan.nbackends, 1);
	assert_int_equal(plan.backends[0].kind, BACKEND_NET);
	assert_int_equal(plan.backends[0].disk, 1);
	assert_int_equal(plan.backends[0].sock, PFD_NULL);
	assert_string_equal(plan.backends[0].dev, "vif1");
	assert_true(has_arg("socket,id=bh-vu-net1,"
			    "path=/run/bulkhead/vm/vm/vu-vif1.sock"));
	assert_true(has_arg("vhost-user,id=net1,chardev=bh-vu-net1"));
	/* TCG: INTx for the isolated NIC (QEMU 7.2's MSI-X crash). */
	assert_true(has_arg("virtio-net-pci,netdev=net1,"
			    "mac=00:16:3e:01:02:03,romfile=,vectors=0"));
	assert_true(has_arg("virtio-net-pci,netdev=net0,romfile="));
	assert_true(has_arg("tap,id=net0,fd=5,vhost=off"));
	/* A backend maps guest memory: a shared memfd. */
	assert_true(has_arg("memory-backend-memfd,id=bh-mem,size=128M,"
			    "share=on"));
	vm_plan_free(&plan);
}

static void
test_cdroms_vifs(void **state)
{
	(void)state;
	build(BASE "disk=['vdev=hdc,devtype=cdrom,target=/x.iso',"
		   "'vdev=xvda,access=ro,target=/a',"
		   "'vdev=hda,devtype=cdrom,target=']\n"
		   "vif=['bridge=br0', 'bridge=br1,mac=00:16:3e:01:02:03',"
		   "'bridge=br2']\n",
	      false);
	check_plan();
	/* CD-ROMs take no slot: their media come over QMP. */
	assert_int_equal(plan.fds.n, 5 + 1 + 3);
	assert_int_equal(plan_fd_num(&plan.fds, PFD_TAP, 2), 8);
	vm_plan_free(&plan);
}

static void
test_restore_everything(void **state)
{
	(void)state;
	build(BASE "rng='isolated'\n"
		   "disk=['vdev=xvda,access=rw,target=/a',"
		   "'vdev=xvdb,access=rw,backendtype=isolated,target=/b',"
		   "'vdev=hdc,devtype=cdrom,target=',"
		   "'vdev=xvdc,access=ro,target=/c']\n"
		   "vif=['bridge=br0']\n",
	      true);
	check_plan();
	assert_true(has_arg("-incoming"));
	assert_int_equal(plan.fds.n, 5 + 2 + 1 + 1 + 1 + 1);
	vm_plan_free(&plan);
}

/* The monitor fills the slots it makes itself; the fd array is refused
 * while any slot is empty, and closing frees each host fd once. */
static void
test_fill_and_close(void **state)
{
	(void)state;
	int fds[JAIL_FDS_MAX], p[2];

	build(BASE "vif=['bridge=br0']\nrng='isolated'\n", false);
	assert_int_equal(vm_plan_fd_array(&plan, fds, JAIL_FDS_MAX), -EBADF);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(vm_plan_set_fd(&plan, PFD_OUTPUT, 0, p[1]), 0);
	assert_int_equal(vm_plan_set_fd(&plan, PFD_DISK_RO, 0, 0), -ENOENT);
	for (enum plan_fd_kind k = PFD_NULL; k < PFD_KINDS; k++)
		if (k != PFD_OUTPUT)
			vm_plan_set_fd(&plan, k, 0, dup(p[0]));
	assert_int_equal(vm_plan_fd_array(&plan, fds, JAIL_FDS_MAX), 7);
	assert_int_equal(fds[1], p[1]);
	assert_int_equal(fds[2], p[1]);
	vm_plan_close_fds(&plan);
	for (size_t i = 0; i < plan.fds.n; i++)
		assert_int_equal(plan.fds.slot[i].fd, -1);
	/* The pipe's write end was closed once: reading sees EOF. */
	char c;
	assert_int_equal(read(p[0], &c, 1), 0);
	close(p[0]);
	vm_plan_free(&plan);
}

/* Who runs what: the worker never shares a uid with other VMs. */
static void
test_worker_identity(void **state)
{
	(void)state;
	struct dm_identity shared = { .kind = IDENT_SHARED,
				      .uid = 1234,
				      .gid = 1234,
				      .exclusive = false };
	struct plan_input in = { .cfg = &cfg, .id = &shared };
	char why[256];

	build(BASE, false);
	assert_int_equal(plan.worker_uid, 131073);
	vm_plan_free(&plan);
	assert_int_equal(vm_plan_build(&in, &plan, why, sizeof(why)), 0);
	assert_int_equal(plan.worker_uid, 65534);
	assert_int_equal(plan.id.uid, 1234);
	vm_plan_free(&plan);
}

/* cpus at create (host resources in hand): a CPU not online now fails
 * the plan, never an unpinned VM. A take-over or a dry run (no host
 * resources) makes no cgroup, and does not fail for it. */
static void
test_cpus_offline(void **state)
{
	(void)state;
	struct cfg_error e;
	struct plan_host h;
	char why[256] = "";
	const char *t = BASE "cpus='0,1023'\n";

	assert_int_equal(config_parse(t, strlen(t), "t.cfg", &cfg, &e), 0);
	plan_host_init(&h);
	struct plan_input in = {
		.cfg = &cfg, .id = &range_id, .be_id = &range_id, .host = &h
	};
	assert_int_equal(vm_plan_build(&in, &plan, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cpus: CPU 1023 is not online"));
	vm_plan_free(&plan);
	in.host = NULL;
	assert_int_equal(vm_plan_build(&in, &plan, why, sizeof(why)), 0);
	assert_string_equal(plan.limits.cpus, "");
	vm_plan_free(&plan);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disks_rw_ro),
		cmocka_unit_test(test_fsize_rw_disks_only),
		cmocka_unit_test(test_isolated),
		cmocka_unit_test(test_isolated_vif),
		cmocka_unit_test(test_cdroms_vifs),
		cmocka_unit_test(test_restore_everything),
		cmocka_unit_test(test_fill_and_close),
		cmocka_unit_test(test_worker_identity),
		cmocka_unit_test(test_cpus_offline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
