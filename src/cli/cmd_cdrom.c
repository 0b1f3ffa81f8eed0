/* cd-insert / cd-eject, as in xl: the CLI opens the medium as root and
 * passes the fd to the VM's monitor, which hands it to QEMU over QMP. The
 * device model never sees the path. A VM made from a user's config gets
 * only a medium that user may read (safe_who.h). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../config/disk.h"
#include "../host/blockuse.h"
#include "../host/imglock.h"
#include "../host/record.h"
#include "../host/safe_open.h"
#include "../host/safe_who.h"
#include "cli.h"

static int
check_vdev(const char *vdev)
{
	unsigned bus, unit;

	if (disk_ide_slot(vdev, &bus, &unit) < 0) {
		log_error("'%s' is not a cdrom vdev (hda, hdb, hdc or hdd)",
			  vdev);
		return 2;
	}
	return 0;
}

int
cmd_cd_insert(int argc, char **argv)
{
	char why[PATH_MAX + 256];

	if (argc != 4) {
		log_error("usage: bulkhead cd-insert NAME VDEV FILE");
		return 2;
	}
	static struct safe_who owner; /* large: keep it off the stack */
	struct vm_record rec;
	int rc = cli_vm_args("cd-insert", argv[1]);
	if (rc || (rc = check_vdev(argv[2])))
		return rc;
	if (record_read(argv[1], &rec) < 0) {
		log_error("%s: no running VM of that name", argv[1]);
		return 1;
	}
	if (safe_who_of(rec.owner, &owner, why, sizeof(why)) < 0) {
		log_error("%s: the config's owner: %s", argv[1], why);
		return 2;
	}
	int fd = safe_open_as(&owner, argv[3], O_RDONLY, SAFE_REG | SAFE_BLK,
			      why, sizeof(why));
	if (fd < 0) {
		log_error("%s", why);
		return 2;
	}
	/* As at create: no block device the host uses, and a read lock
	 * (no medium a running VM writes). */
	struct stat st;
	if ((fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) &&
	     blockuse_check(st.st_rdev, why, sizeof(why)) < 0) ||
	    imglock_take(fd, false, why, sizeof(why)) < 0) {
		log_error("%s: %s", argv[3], why);
		close(fd);
		return 2;
	}
	rc = cli_vm_request(argv[1], CTL_CD_INSERT, argv[2], fd,
			    "medium inserted");
	close(fd);
	return rc;
}

int
cmd_cd_eject(int argc, char **argv)
{
	if (argc != 3) {
		log_error("usage: bulkhead cd-eject NAME VDEV");
		return 2;
	}
	int rc = cli_vm_args("cd-eject", argv[1]);
	if (rc || (rc = check_vdev(argv[2])))
		return rc;
	return cli_vm_request(argv[1], CTL_CD_EJECT, argv[2], -1,
			      "medium ejected");
}
