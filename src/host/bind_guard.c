#include "bind_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_ops.h"

static long
sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static int
insns_load(enum bpf_prog_type prog, enum bpf_attach_type type,
	   const struct bpf_insn *insns, size_t n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = prog;
	a.expected_attach_type = type;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return (int)sys_bpf(BPF_PROG_LOAD, &a);
}

#define INSN(c, d, s_, o, i)                                              \
	{                                                                 \
		.code = (c), .dst_reg = (d), .src_reg = (s_), .off = (o), \
		.imm = (i)                                                \
	}
#define CTX(field) ((short)offsetof(struct bpf_sock_addr, field))

/* A bind naming port 0 passes. A datagram socket's port becomes 0 (the
 * kernel picks one; passt keeps its own map to the guest's port). Any
 * other socket's bind naming a port is refused (EPERM): passt binds a
 * TCP socket to a local destination's address and port only to probe
 * whether anything listens there, and connects anyway when refused. */
static int
prog_load(enum bpf_attach_type type)
{
	const struct bpf_insn insns[] = {
		/* 0: r2 = ctx->user_port; 1: if 0, to 6 (pass) */
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1,
		     CTX(user_port), 0),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_2, 0, 4, 0),
		/* 2: r3 = ctx->type; 3: not a datagram socket, to 8 */
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, CTX(type),
		     0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_3, 0, 4, SOCK_DGRAM),
		/* 4-5: ctx->user_port = 0 (no immediate store into ctx) */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 0),
		INSN(BPF_STX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_2,
		     CTX(user_port), 0),
		/* 6-7: pass; 8-9: refuse */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	return insns_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, type, insns,
			  sizeof(insns) / sizeof(insns[0]));
}

#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51 /* Linux 6.3; Debian 12's headers lack it */
#endif
#define OPT(field) ((short)offsetof(struct bpf_sockopt, field))

/* setsockopt(SOL_IP, IP_LOCAL_PORT_RANGE) is refused (EPERM): with a
 * range of one port, a bind naming port 0, or a listen() with no bind,
 * gets exactly the port the bind program above would refuse (review 15).
 * Every other option passes. */
static int
sockopt_load(void)
{
	const struct bpf_insn insns[] = {
		/* 0-1: not SOL_IP, to 6 (pass) */
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1,
		     OPT(level), 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 4, SOL_IP),
		/* 2-3: not IP_LOCAL_PORT_RANGE, to 6 */
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1,
		     OPT(optname), 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 2,
		     IP_LOCAL_PORT_RANGE),
		/* 4-5: refuse; 6-7: pass */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	return insns_load(BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT,
			  insns, sizeof(insns) / sizeof(insns[0]));
}

/* No flag: a group below it could not replace it (passt makes none). */
static int
attach_one(int cg, enum bpf_attach_type type)
{
	union bpf_attr a;
	int prog = type == BPF_CGROUP_SETSOCKOPT ? sockopt_load()
						 : prog_load(type),
	    rc = 0;

	if (prog < 0)
		return -errno;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cg;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = type;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		rc = -errno;
	close(prog); /* the attachment holds the program */
	return rc;
}

int
bind_guard_attach(const char *name, char *why, size_t whylen)
{
	char dir[CG_PATH_MAX];
	int rc = cgroup_v2_dir(name, dir, sizeof(dir));

	if (rc < 0) {
		snprintf(why, whylen,
			 "bind guard on %s: no cgroup v2 group: %s", name,
			 strerror(-rc));
		return -1;
	}
	int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		snprintf(why, whylen, "bind guard: %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	rc = attach_one(cg, BPF_CGROUP_INET4_BIND);
	if (rc == 0)
		rc = attach_one(cg, BPF_CGROUP_INET6_BIND);
	if (rc == 0)
		rc = attach_one(cg, BPF_CGROUP_SETSOCKOPT);
	close(cg);
	if (rc < 0) {
		snprintf(why, whylen, "bind guard: BPF program on %s: %s", dir,
			 strerror(-rc));
		return -1;
	}
	return 0;
}
