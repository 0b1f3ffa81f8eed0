/* The version `bulkhead --version` prints; its definition is generated
 * at build time (Makefile: build/gen/version.c). */
#ifndef BULKHEAD_VERSION_H
#define BULKHEAD_VERSION_H

extern const char bh_version[];

#endif
