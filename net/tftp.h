/* tftp.h — the pure parts of the TFTP client (net/tftp.c): building the read request,
 * reading the server's option acknowledgement (RFC 2347) and placing 16-bit block numbers
 * in a transfer longer than 65535 blocks. The transfer itself is fetch_scheme_tftp. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TFTP_BLKSIZE_RFC1350 512   /* without the blksize option */
#define TFTP_BLKSIZE_MIN 8	   /* RFC 2348 */
#define TFTP_BLKSIZE_MAX 65464	   /* RFC 2348 */
#define TFTP_WINDOWSIZE_MAX 65535  /* RFC 7440 */
#define TFTP_TIMEOUT_OPTION_MAX 255 /* RFC 2349, seconds */
#define TFTP_REQUEST_MAX 512	   /* RFC 2347: a request with its options fits in 512 bytes */

/* RFC 1350 section 5, RFC 2347 (OACK) */
enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6,
};

/* The options a read request asks for; 0 (false) leaves an option out. */
struct tftp_request_options {
	unsigned blksize;
	unsigned windowsize; /* 1 is lockstep: the option is not sent */
	unsigned timeout_s;
	bool tsize;
};

/* What the server granted in its OACK. Options it left out fall back to RFC 1350. */
struct tftp_params {
	unsigned blksize;
	unsigned windowsize;
	bool has_tsize;
	uint64_t tsize;
};

/* Build an RRQ for file in octet mode with the options of req into buf. 0, -EINVAL for an
 * empty name, or -ENAMETOOLONG when it would not fit in size (or TFTP_REQUEST_MAX) bytes. */
int tftp_rrq_build(const char *file, const struct tftp_request_options *req, uint8_t *buf,
		   size_t size, size_t *ret_len);

/* Parse the body of an OACK (after the 2-byte opcode): "name\0value\0" pairs. An option
 * that was not asked for, a value out of range or above what was asked, a repeated option
 * or a malformed pair is refused: -EPROTO with the reason in err. */
int tftp_oack_parse(const uint8_t *body, size_t len, const struct tftp_request_options *req,
		    struct tftp_params *ret, char *err, size_t err_len);

/* The absolute number (counting on past 65535, the next block after 65535 being 0 on the
 * wire) of the received 16-bit block number wire, taken as the one nearest to expected. */
uint64_t tftp_block_unwrap(uint64_t expected, uint16_t wire);
