/* evil-dm's raw frames on its tap (evil_net.c). */
#ifndef BULKHEAD_EVIL_NET_H
#define BULKHEAD_EVIL_NET_H

/* Send forged and legitimate frames for about 24 s, then return. */
void evil_net(int argc, char **argv);
/* Send forged STP configuration BPDUs for about 5 minutes. */
void evil_bpdu(int argc, char **argv);
void evil_passt_udp(int argc, char **argv);
/* Review 15: ND options, DAD and DHCP replies that speak for others. */
void evil_ndopts(int argc, char **argv);

#endif
