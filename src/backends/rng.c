#include "rng.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

int64_t
rng_request(void *dev, struct vq_chain *c, char *why, size_t whylen)
{
	struct rng_dev *r = dev;
	uint64_t done = 0;

	if (c->nout) {
		snprintf(why, whylen,
			 "rng request with device-readable "
			 "buffers");
		return -1;
	}
	for (unsigned i = 0; i < c->nin && done < RNG_REQ_BYTES_MAX; i++) {
		const struct vq_seg *s = &c->seg[i];
		size_t want = s->len;
		size_t got = 0;

		if (want > RNG_REQ_BYTES_MAX - done)
			want = (size_t)(RNG_REQ_BYTES_MAX - done);
		while (got < want) {
			ssize_t n = getrandom(s->host + got, want - got, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return (int64_t)(done + got);
			got += (size_t)n;
		}
		done += got;
	}
	r->bytes += done;
	return (int64_t)done;
}
