/* Unit tests for mediad/icecand: SDP candidates <-> libnice's NiceCandidate
 * (full ICE mode).  Real Chrome and Firefox lines, round trips through our
 * SDP parser and writer, and what must be refused (TCP, RTCP component,
 * mDNS names, a port of 0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "mediad/icecand.h"

static NiceCandidate *to_nice(const char *line, int want)
{
	struct sdp_candidate c;
	NiceCandidate *nc = NULL;

	assert_int_equal(sdp_candidate_parse(&c, line), 0);
	assert_int_equal(icecand_to_nice(&c, 3, &nc), want);
	if (want)
		assert_null(nc);
	return nc;
}

static void test_chrome_host(void **st)
{
	NiceCandidate *nc = to_nice("candidate:2999745851 1 udp 2122260223 "
		"192.168.1.20 54321 typ host generation 0 network-id 1", 0);
	char a[NICE_ADDRESS_STRING_LEN];

	assert_int_equal(nc->type, NICE_CANDIDATE_TYPE_HOST);
	assert_int_equal(nc->transport, NICE_CANDIDATE_TRANSPORT_UDP);
	assert_int_equal(nc->stream_id, 3);
	assert_int_equal(nc->component_id, 1);
	assert_int_equal(nc->priority, 2122260223u);
	assert_string_equal(nc->foundation, "2999745851");
	nice_address_to_string(&nc->addr, a);
	assert_string_equal(a, "192.168.1.20");
	assert_int_equal(nice_address_get_port(&nc->addr), 54321);
	nice_candidate_free(nc);
}

static void test_srflx_with_raddr(void **st)
{
	NiceCandidate *nc = to_nice("a=candidate:842163049 1 udp 1686052607 "
		"203.0.113.9 61000 typ srflx raddr 10.0.0.5 rport 54321", 0);
	char a[NICE_ADDRESS_STRING_LEN];

	assert_int_equal(nc->type, NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE);
	nice_address_to_string(&nc->base_addr, a);
	assert_string_equal(a, "10.0.0.5");
	assert_int_equal(nice_address_get_port(&nc->base_addr), 54321);
	nice_candidate_free(nc);
}

static void test_types_and_ipv6(void **st)
{
	NiceCandidate *nc = to_nice("candidate:1 1 UDP 16777215 2001:db8::7 "
		"3478 typ relay raddr 2001:db8::1 rport 9", 0);
	char a[NICE_ADDRESS_STRING_LEN];

	assert_int_equal(nc->type, NICE_CANDIDATE_TYPE_RELAYED);
	nice_address_to_string(&nc->addr, a);
	assert_string_equal(a, "2001:db8::7");
	assert_int_equal(nice_address_ip_version(&nc->addr), 6);
	nice_candidate_free(nc);
	nc = to_nice("candidate:9 1 udp 1845501695 198.51.100.1 5000 typ "
		     "prflx raddr 0.0.0.0 rport 0", 0);
	assert_int_equal(nc->type, NICE_CANDIDATE_TYPE_PEER_REFLEXIVE);
	nice_candidate_free(nc);
}

static void test_refused(void **st)
{
	struct sdp_candidate c;
	NiceCandidate *nc = NULL;

	/* TCP (RFC 6544), component 2, Chrome's mDNS host name */
	to_nice("candidate:3 1 tcp 1518280447 192.168.1.20 9 typ host "
		"tcptype active", ENOTSUP);
	to_nice("candidate:4 2 udp 2122260222 192.168.1.20 54322 typ host",
		ENOTSUP);
	to_nice("candidate:5 1 udp 2122260223 0c1d6b1e-7f5a-4b8e-9c3d-"
		"2a1b3c4d5e6f.local 54321 typ host", EAFNOSUPPORT);
	/* a host name is not resolved here (it would block the worker) */
	to_nice("candidate:6 1 udp 1 stun.example.com 3478 typ host",
		EAFNOSUPPORT);
	assert_int_equal(sdp_candidate_parse(&c, "candidate:7 1 udp 1 "
		"127.0.0.1 1 typ host"), 0);
	c.port = 0;
	assert_int_equal(icecand_to_nice(&c, 1, &nc), EINVAL);
	assert_int_equal(icecand_to_nice(NULL, 1, &nc), EINVAL);
	assert_int_equal(icecand_to_nice(&c, 1, NULL), EINVAL);
	assert_null(nc);
}

/* An unusable related address is dropped, the candidate kept. */
static void test_bad_raddr_kept(void **st)
{
	NiceCandidate *nc = to_nice("candidate:8 1 udp 1686052607 203.0.113.9"
		" 61000 typ srflx raddr foo.local rport 1", 0);

	assert_false(nice_address_is_valid(&nc->base_addr));
	nice_candidate_free(nc);
}

/* NiceCandidate -> SDP -> our parser -> NiceCandidate gives the same. */
static void test_round_trip(void **st)
{
	const char *lines[] = {
		"candidate:1 1 udp 2015363327 127.0.0.1 32000 typ host",
		"candidate:2 1 udp 1677721855 203.0.113.7 40000 typ srflx "
			"raddr 127.0.0.1 rport 32000",
		"candidate:3 1 udp 2015363327 ::1 32001 typ host",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		NiceCandidate *nc = to_nice(lines[i], 0), *back = NULL;
		struct sdp_candidate c, again;
		char out[SDP_MAX_LINE];

		assert_int_equal(icecand_from_nice(nc, &c), 0);
		assert_int_equal(sdp_candidate_write(&c, out, sizeof(out)), 0);
		assert_string_equal(out, lines[i]);
		assert_int_equal(sdp_candidate_parse(&again, out), 0);
		assert_int_equal(icecand_to_nice(&again, 3, &back), 0);
		assert_true(nice_address_equal(&nc->addr, &back->addr));
		assert_int_equal(back->type, nc->type);
		assert_int_equal(back->priority, nc->priority);
		nice_candidate_free(back);
		nice_candidate_free(nc);
	}
}

static void test_from_nice_refused(void **st)
{
	NiceCandidate *nc = nice_candidate_new(NICE_CANDIDATE_TYPE_HOST);
	struct sdp_candidate c;

	nc->transport = NICE_CANDIDATE_TRANSPORT_TCP_PASSIVE;
	assert_int_equal(icecand_from_nice(nc, &c), ENOTSUP);
	nc->transport = NICE_CANDIDATE_TRANSPORT_UDP;
	/* no address at all */
	assert_int_equal(icecand_from_nice(nc, &c), EINVAL);
	assert_int_equal(icecand_from_nice(NULL, &c), EINVAL);
	nice_candidate_free(nc);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chrome_host),
		cmocka_unit_test(test_srflx_with_raddr),
		cmocka_unit_test(test_types_and_ipv6),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad_raddr_kept),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_from_nice_refused),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("icecand", tests, NULL, NULL);
}
