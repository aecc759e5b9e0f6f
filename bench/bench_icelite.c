/* bench_icelite: CPU cost of icelite_handle per STUN packet, by verdict.
 *
 *   cc -O2 -Icommon -Iservices/mediad $(pkg-config --cflags nice) \
 *      bench/bench_icelite.c services/mediad/icelite.c \
 *      -o build/h-ice/bench_icelite $(pkg-config --libs nice) -lcrypto
 *
 * Each figure is the median of RUNS runs (min and max alongside), in
 * nanoseconds per packet handled, reply built included.  Requests come
 * from libnice's STUN library as a controlling peer, shaped like Chrome's
 * (USERNAME, GOOG-NETWORK-INFO, ICE-CONTROLLING, PRIORITY, USE-CANDIDATE,
 * MESSAGE-INTEGRITY, FINGERPRINT: 104 bytes).  Every call's verdict is
 * checked, so a figure cannot come from a short cut.
 */
#include "icelite.h"
#include "lib/benchc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stun/usages/ice.h>

enum {
	RUNS = 9,
	ITERS = 200000,		/* packets per run */
	BUF = 1500,
};

static const char UFRAG[] = "AbCd1234";
static const char PWD[] = "0123456789abcdefghij+/XY";
static const char USER[] = "AbCd1234:rM7/";

static const uint16_t client_attrs[] = {
	STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
	STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_FINGERPRINT, 0
};

static struct icelite ice;
static StunAgent client;
static struct sockaddr_in from4;
static struct sockaddr_in6 from6;

struct input {
	const char *name;
	uint8_t pkt[BUF];
	size_t len;
	const struct sockaddr *from;
	socklen_t fromlen;
	enum icelite_verdict expect;
};

static double run(const struct input *in)
{
	uint8_t reply[BUF];
	struct icelite_check out;
	uint64_t t0 = bench_ns(CLOCK_MONOTONIC);

	for (int i = 0; i < ITERS; i++) {
		size_t n = sizeof(reply);

		if (icelite_handle(&ice, in->pkt, in->len, in->from,
				   in->fromlen, reply, &n, &out) !=
		    in->expect) {
			fprintf(stderr, "%s: unexpected verdict\n", in->name);
			exit(1);
		}
	}
	return (double)(bench_ns(CLOCK_MONOTONIC) - t0) / ITERS;
}

static void report(const struct input *in)
{
	double r[RUNS];

	run(in);	/* warm caches and branch predictors */
	for (int i = 0; i < RUNS; i++)
		r[i] = run(in);
	qsort(r, RUNS, sizeof(r[0]), bench_cmp_double);
	printf("%-40s %4zu B %8.1f ns   (min %.1f, max %.1f)\n", in->name,
	       in->len, r[RUNS / 2], r[0], r[RUNS - 1]);
}

/* A Chrome-shaped check with the given USERNAME and key. */
static size_t chrome_check(uint8_t *buf, const char *user, const char *key)
{
	StunMessage msg;

	stun_agent_init_request(&client, &msg, buf, BUF, STUN_BINDING);
	stun_message_append_bytes(&msg, STUN_ATTRIBUTE_USERNAME, user,
				  strlen(user));
	stun_message_append32(&msg, (StunAttribute)0xC057, 0x00010002);
	stun_message_append64(&msg, STUN_ATTRIBUTE_ICE_CONTROLLING,
			      0x1122334455667788ull);
	stun_message_append32(&msg, STUN_ATTRIBUTE_PRIORITY, 1845501695u);
	stun_message_append_flag(&msg, STUN_ATTRIBUTE_USE_CANDIDATE);
	return stun_agent_finish_message(&client, &msg, (const uint8_t *)key,
					 strlen(key));
}

static void set(struct input *in, const char *name, size_t len,
		enum icelite_verdict expect)
{
	in->name = name;
	in->len = len;
	in->from = (const struct sockaddr *)&from4;
	in->fromlen = sizeof(from4);
	in->expect = expect;
}

/* The packets timed, one per verdict path; returns how many. */
static int make_inputs(struct input *in)
{
	StunMessage msg;
	int k = 0;

	set(&in[k], "valid check, IPv4 -> REPLY",
	    chrome_check(in[k].pkt, USER, PWD), ICELITE_REPLY);
	k++;
	set(&in[k], "valid check, IPv6 -> REPLY",
	    chrome_check(in[k].pkt, USER, PWD), ICELITE_REPLY);
	in[k].from = (const struct sockaddr *)&from6;
	in[k].fromlen = sizeof(from6);
	k++;
	set(&in[k], "wrong pwd (HMAC fails) -> 401",
	    chrome_check(in[k].pkt, USER, "0123456789abcdefghij+/XZ"),
	    ICELITE_UNAUTHORIZED);
	k++;
	set(&in[k], "wrong ufrag (no HMAC) -> 401",
	    chrome_check(in[k].pkt, "AbCd1234:zzzz", PWD),
	    ICELITE_UNAUTHORIZED);
	k++;
	set(&in[k], "bad FINGERPRINT -> BAD",
	    chrome_check(in[k].pkt, USER, PWD), ICELITE_BAD);
	in[k].pkt[in[k].len - 1] ^= 1;
	k++;
	stun_agent_init_indication(&client, &msg, in[k].pkt, BUF,
				   STUN_BINDING);
	set(&in[k], "Binding indication -> IGNORE",
	    stun_agent_finish_message(&client, &msg, NULL, 0),
	    ICELITE_IGNORE);
	k++;
	memset(in[k].pkt, 0x5A, 172);
	in[k].pkt[0] = 0x80;	/* an RTP packet sent here by mistake */
	set(&in[k], "172 B non-STUN -> BAD", 172, ICELITE_BAD);
	return k + 1;
}

int main(void)
{
	static struct input in[8];
	int k;

	if (icelite_init(&ice, NULL) ||
	    icelite_set_credentials(&ice, UFRAG, PWD, "rM7/")) {
		fprintf(stderr, "icelite init failed\n");
		return 1;
	}
	stun_agent_init(&client, client_attrs, STUN_COMPATIBILITY_RFC5389,
			STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
			STUN_AGENT_USAGE_USE_FINGERPRINT);
	from4.sin_family = AF_INET;
	from4.sin_port = htons(50123);
	inet_pton(AF_INET, "192.0.2.77", &from4.sin_addr);
	from6.sin6_family = AF_INET6;
	from6.sin6_port = htons(61000);
	inet_pton(AF_INET6, "2001:db8::4:1", &from6.sin6_addr);

	k = make_inputs(in);
	printf("icelite_handle, %d packets per run, median of %d runs; "
	       "sizeof(struct icelite) = %zu\n", ITERS, RUNS, sizeof(ice));
	for (int i = 0; i < k; i++)
		report(&in[i]);
	return 0;
}
