/* echo_cfg: the echo endpoint's settings (the README table lists them). */
#include "echo.h"
#include "log.h"
#include "siptls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#define E(f) offsetof(struct echo_cfg, f)

const struct cfg_row echo_cfg_rows[] = {
	{ "RTCGATE_ECHO_PORT", CFG_INT, "5070", 1, 65535, NULL, E(sip_port),
	  "SIP port, UDP and TCP" },
	{ "RTCGATE_ECHO_IP", CFG_STR, "127.0.0.1", 0, 0, NULL, E(ip),
	  "numeric address SIP and RTP bind to and put in Contact and SDP" },
	{ "RTCGATE_ECHO_TLS_CERT", CFG_STR, NULL, 0, 0, NULL, E(tls_cert),
	  "PEM certificate: with RTCGATE_ECHO_TLS_KEY, SIP over TLS too" },
	{ "RTCGATE_ECHO_TLS_KEY", CFG_STR, NULL, 0, 0, NULL, E(tls_key),
	  "PEM private key (unencrypted) of RTCGATE_ECHO_TLS_CERT" },
	{ "RTCGATE_ECHO_TLS_PORT", CFG_INT, "5071", 1, 65535, NULL,
	  E(tls_port), "SIP over TLS port (with a certificate)" },
	{ "RTCGATE_ECHO_MEDIA_PORTS", CFG_PORTRANGE, "40000-40999", 1024, 65535,
	  NULL, E(media_ports), "UDP ports for RTP (a call takes an even one)"
	},
	{ "RTCGATE_ECHO_MAX_CALLS", CFG_INT, "100", 1, 100000, NULL,
	  E(max_calls), "calls at once; more get 486" },
	{ "RTCGATE_ECHO_TONE_MS", CFG_INT, "1000", 0, 60000, NULL, E(tone_ms),
	  "length of the 440 Hz beeps before the echo (0: none)" },
	{ "RTCGATE_ECHO_MEDIA_TIMEOUT", CFG_INT, "30", 1, 3600, NULL,
	  E(media_timeout_s), "seconds without RTP before the call gets a BYE"
	},
};

const size_t echo_cfg_nrows = CFG_ROWS(echo_cfg_rows);

/* The one instance (outside main.c, like the services). */
struct echo echo;

/* The address must be numeric: it goes into the SDP as it is, and the RTP
 * sockets bind to it. */
static int echo_cfg_addr(void)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&echo.addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&echo.addr;

	memset(&echo.addr, 0, sizeof(echo.addr));
	if (inet_pton(AF_INET, echo.cfg.ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		echo.addr_len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, echo.cfg.ip, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		echo.addr_len = sizeof(*a6);
		return 0;
	}
	return EINVAL;
}

int echo_cfg_check(void)
{
	struct cfg_range *r = &echo.cfg.media_ports;

	if (!echo.cfg.tls_cert != !echo.cfg.tls_key) {
		LOG_ERROR("cfg", "bad configuration: set both "
			  "RTCGATE_ECHO_TLS_CERT and RTCGATE_ECHO_TLS_KEY, or "
			  "neither");
		return EINVAL;
	}

	if (echo_cfg_addr()) {
		LOG_ERROR("cfg", "bad configuration: RTCGATE_ECHO_IP=\"%s\": "
			  "use a numeric IPv4 or IPv6 address", echo.cfg.ip);
		return EINVAL;
	}
	echo.ports.lo = r->lo + (r->lo & 1);
	echo.ports.hi = r->hi;
	echo.ports.next = echo.ports.lo;
	if (echo.ports.lo > echo.ports.hi) {
		LOG_ERROR("cfg", "bad configuration: RTCGATE_ECHO_MEDIA_PORTS="
			  "%ld-%ld: the range needs an even port",
			  r->lo, r->hi);
		return EINVAL;
	}
	if (echo.cfg.tls_cert &&
	    siptls_dir_new("cfg", "RTCGATE_ECHO_TLS_CERT", echo.cfg.tls_cert,
			   "RTCGATE_ECHO_TLS_KEY", echo.cfg.tls_key,
			   &echo.tls_dir))
		return EINVAL;
	return 0;
}
