/* A bind guard on a cgroup, enforced by the host kernel: cgroup BPF
 * programs (bind4, bind6) that rewrite the port of a datagram socket's
 * bind() in the group to 0, so the kernel picks an ephemeral one, and
 * refuse any other socket's bind naming a port. For passt (type=user vifs), which binds a host UDP socket to the
 * port a guest sends from: with the guard a guest chooses no host port,
 * squats none a host service needs and opens no listener on a port of
 * its choosing. The programs stay attached as long as the group exists,
 * whatever the process does; removing the group removes them. */
#ifndef BULKHEAD_BIND_GUARD_H
#define BULKHEAD_BIND_GUARD_H

#include <stddef.h>

/* Attach the guard to NAME's group (cgroup_v2_dir: on a hybrid host a
 * v2 group beside its v1 ones). 0, or -1 with why. */
int bind_guard_attach(const char *name, char *why, size_t whylen);

#endif
