#include "hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int
medium_check_fd(int fd, char *why, size_t whylen)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, &st) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(why, whylen, "not a regular file or block device");
		return -1;
	}
	if ((fl & O_ACCMODE) != O_RDONLY) {
		snprintf(why, whylen, "medium fd is not read-only");
		return -1;
	}
	return 0;
}

int
save_check_fd(int fd, bool for_write, char *why, size_t whylen)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "the save file is not a regular file");
		return -1;
	}
	int mode = fl & O_ACCMODE;
	if (for_write ? mode == O_RDONLY : mode != O_RDONLY) {
		snprintf(why, whylen, "the save file fd is open for %s",
			 for_write ? "reading only" : "writing");
		return -1;
	}
	return 0;
}

int
vnc_check_fd(int fd, char *why, size_t whylen)
{
	struct stat st;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int domain = -1, type = -1;
	socklen_t len = sizeof(int);

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		snprintf(why, whylen, "the VNC client fd is not a socket");
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    domain != AF_UNIX ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM) {
		snprintf(why, whylen,
			 "the VNC client fd is not a unix stream socket");
		return -1;
	}
	if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0) {
		snprintf(why, whylen, "the VNC client socket is not connected");
		return -1;
	}
	return 0;
}
