/*
 * reactor-mongoose: the wire format between C and Java, and the event arena
 * (rmg_records.c, no JNI). Java peer: internal/jni/EventRecords, which reads every
 * offset and flag below by name through NativeConstants (rmg_constants.c).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RMG_RECORDS_H
#define RMG_RECORDS_H

#include <stddef.h>
#include <stdint.h>

struct mg_addr;
struct mg_connection;

/* ---- event records written during mg_mgr_poll, decoded by Java afterwards ----
 * Every record: int32 type, int32 payload length, int64 connection id,
 * int64 argument, then the payload, padded to 8 bytes. Native byte order. */
#define RMG_REC_TYPE 0
#define RMG_REC_LENGTH 4
#define RMG_REC_ID 8
#define RMG_REC_ARG 16
#define RMG_RECORD_HEADER 24
#define RMG_RECORD_ALIGN 8

/* Socket address in records and ConnNative.address: family byte (RMG_ADDR_IPV4/6), one zero
 * byte, port (network order), 16 address bytes (4 used for IPv4). */
#define RMG_ADDR_SIZE 20
#define RMG_ADDR_FAMILY 0
#define RMG_ADDR_PORT 2
#define RMG_ADDR_IP 4
#define RMG_ADDR_IPV4 4
#define RMG_ADDR_IPV6 6

/* Result of LoopNative.poll: record bytes in the low 32 bits, plus these flags. */
#define RMG_POLL_LENGTH_MASK 0xffffffffLL
#define RMG_POLL_ARENA_MOVED (1LL << 32) /* the arena was reallocated: fetch a new view */
#define RMG_POLL_RECORD_LOST (1LL << 33) /* a record could not be stored (out of memory) */

/* Record types. */
enum rmg_event {
  RMG_EV_ACCEPT = 1,    /* arg = listener id; payload = local + remote address */
  RMG_EV_CONNECT = 2,   /* outbound connected; payload = local + remote address */
  RMG_EV_READ = 3,      /* raw data */
  RMG_EV_WRITABLE = 4,  /* send buffer fell to the low-water mark; arg = send.len */
  RMG_EV_CLOSE = 5,     /* connection closed and gone; arg = bytes written and never sent */
  RMG_EV_ERROR = 6,     /* arg = RMG_ERROR_ARG(kind, errno); payload = message */
  RMG_EV_HTTP_MSG = 7,  /* arg = RMG_HTTP_* flags; payload = serialized request */
  RMG_EV_WS_MSG = 8,    /* arg = opcode; payload = data */
  RMG_EV_WS_CTL = 9,    /* arg = opcode; payload = data */
  RMG_EV_REJECTED = 10, /* arg = HTTP status (or WebSocket close code) sent by the glue; for
                         * HTTP, the bytes of the body sent with it in the high 32 bits
                         * (RMG_REJECTED_ARG), and as payload the start of the request's first
                         * line as received (at most 2 KiB, maybe none; rmg_http.c rmg_reject) */
  RMG_EV_DRAINED = 11,  /* raw TCP: the send buffer was fully written; arg = bytes written */
  RMG_EV_WIRE = 12,     /* wiretap (RMG_OP_WIRETAP): arg = RMG_WIRE_*; payload = the bytes */
  RMG_EV_READ_END = 13, /* raw TCP with RMG_OP_HALF_CLOSE: the peer's FIN, after its last READ;
                         * the connection stays open for output (rmg_tcp.c) */
  RMG_EV_WRITE_END = 14, /* raw TCP after RMG_OP_SHUT_WR: our FIN is sent, after every byte
                          * written before it; reading goes on (rmg_tcp.c) */
  RMG_EV_HTTP_BODY = 20, /* a piece of a streamed request body (decoded); payload = bytes */
  RMG_EV_HTTP_END = 21,  /* the streamed request body is complete; payload: its trailer fields */
  /* a piece of a streamed request body, copied into the staging array Java passed to this
   * poll; arg = offset << 32 | length, no payload */
  RMG_EV_HTTP_BODY_STAGED = 22,
  RMG_EV_TLS_PEER = 30, /* TLS client: the server's Certificate message (rmg_tls.c) */
  RMG_EV_TLS_DONE = 31, /* TLS client: handshake complete, Java verifies before reading */
  /* UDP (rmg_udp.c, rmg_sntp.c); numbered from 40 so that other record types can be added
   * below without renumbering */
  RMG_EV_DATAGRAM = 40,  /* payload = sender address (RMG_ADDR_SIZE) + the datagram's bytes */
  RMG_EV_UDP_ERROR = 41, /* arg = errno of a socket error (ICMP on a connected socket) */
  RMG_EV_SNTP_TIME = 42, /* arg = server time, Unix ms; payload = int64 local wall clock, Unix ms */
  RMG_EV_SNTP_BAD = 43   /* payload = why an SNTP answer was refused (text) */
};

/* What an RMG_EV_ERROR reports (the low byte of its arg): so that Java tells a peer's reset,
 * the glue's write timeout and a failed TLS handshake from other errors by type, not by the
 * message's words. */
enum rmg_error_kind {
  RMG_ERROR_OTHER = 0,         /* Mongoose's message: a protocol error, out of memory... */
  RMG_ERROR_SOCKET = 1,        /* the socket failed (poll saw POLLERR, a connect failed) */
  RMG_ERROR_WRITE_TIMEOUT = 2, /* the glue reset a peer that took nothing (rmg_send_stall) */
  RMG_ERROR_TLS = 3,           /* during the TLS handshake */
  RMG_ERROR_FILE_CUT = 4       /* a file being sent ended (or failed) before its region: the
                                * length announced cannot be kept (rmg_send.c rmg_file_cut) */
};
/* The arg of RMG_EV_ERROR: the kind, and above it the socket's pending error (SO_ERROR: the
 * errno of a refused connect, a reset...), 0 if it had none. */
#define RMG_ERROR_ARG(kind, err) ((int64_t) (kind) | (int64_t) (err) << 8)
/* RMG_EV_REJECTED's arg for HTTP: the status sent, and the bytes of its body in the high 32 bits. */
#define RMG_REJECTED_ARG(status, body) ((int64_t) (status) | (int64_t) (body) << 32)

/* The argument of RMG_EV_WIRE: which way the bytes went. Read: what a socket read gave
 * (decrypted, on TLS), before any protocol handler saw it. Written: what the socket took
 * (before encryption, on TLS), wherever it came from (Java, the glue, Mongoose). */
#define RMG_WIRE_READ 0
#define RMG_WIRE_WRITTEN 1

/* Flags in the argument of RMG_EV_HTTP_MSG: facts, Java decides what to do with them. */
#define RMG_HTTP_STREAMED 2    /* the body follows in RMG_EV_HTTP_BODY records, then RMG_EV_HTTP_END */
#define RMG_HTTP_EMPTY_QUERY 4 /* the target ends in '?' (an empty query, which hm->query does not tell from none) */

/* The arena: one growable block per loop, refilled by every poll. */
struct rmg_arena {
  unsigned char *buf;
  size_t len, cap;
  int moved; /* buf was reallocated since the last reset */
  int lost;  /* a record could not be stored since the last reset */
};

/* Returns 0, or -1 when out of memory. */
int rmg_arena_init(struct rmg_arena *a);
void rmg_arena_free(struct rmg_arena *a);
/* Start of a poll: empties the arena (and gives back a block that grew too large). */
void rmg_arena_reset(struct rmg_arena *a);
/* What LoopNative.poll returns: bytes written | RMG_POLL_* flags. */
int64_t rmg_arena_result(const struct rmg_arena *a);

/* Appends a record header and returns its payload area (payload_len bytes to fill), or
 * NULL when it cannot be stored (sets a->lost). */
unsigned char *rmg_record(struct rmg_arena *a, int type, unsigned long id, int64_t arg,
                          size_t payload_len);
/* Moves src's records to the end of dst and empties src. 0, or -1 when out of memory (then
 * dst->lost is set and src's records are dropped). */
int rmg_arena_take(struct rmg_arena *dst, struct rmg_arena *src);
/* A record whose payload is a copy of buf[0, len). Returns 0, or -1 (a->lost is set). */
int rmg_record_bytes(struct rmg_arena *a, int type, unsigned long id, int64_t arg,
                     const void *buf, size_t len);
/* An RMG_EV_ERROR record for c: what failed (RMG_ERROR_*), the socket's errno (0: none) and the
 * message as payload. */
void rmg_record_error(struct rmg_arena *a, const struct mg_connection *c, int kind, int err, const char *msg);
/* A record whose payload is c's local then remote address. */
void rmg_record_addrs(struct rmg_arena *a, int type, const struct mg_connection *c, int64_t arg);
/* Writes the RMG_ADDR_SIZE bytes of one address at p. */
void rmg_put_addr(unsigned char *p, const struct mg_addr *addr);

#endif
