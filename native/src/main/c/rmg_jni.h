/*
 * reactor-mongoose: declarations shared by the rmg_*.c files.
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The C side is a thin adapter. It owns no threads. Java calls every native from the
 * loop's poll thread, except LoopNative.wakeup. Rules of ownership: C rejects at the
 * limits (413/431/400, WebSocket 1009) and frames nothing else; it reports facts
 * (RMG_HTTP_EMPTY_QUERY) and Java decides keep-alive and writes every other answer.
 *
 * One file per concern (docs/mongoose-internals.md has the table, and every Mongoose
 * internal the files rely on). Files call each other only downwards; the build checks
 * that there is no cycle (native/call-graph.sh, `make check-layers`):
 *
 *   rmg_jni       -> rmg_constants, rmg_loop, rmg_conn, rmg_ws, rmg_http, rmg_tcp, rmg_udp,
 *                    rmg_sntp
 *                    (natives tables; kinds given to rmg_loop_set_kind)
 *   rmg_http      -> rmg_ws, rmg_send, rmg_constants (reason phrases), rmg_records
 *   rmg_ws        -> rmg_conn (rmg_apply), rmg_send, rmg_records, rmg_table
 *   rmg_conn      -> rmg_send, rmg_records, rmg_table
 *   rmg_loop      -> rmg_tls, rmg_send, rmg_records, rmg_table, rmg_alloc   (kinds only via struct rmg_kind)
 *   rmg_tls       -> rmg_records, rmg_table, rmg_alloc
 *   rmg_send      -> rmg_alloc
 *   rmg_tcp       -> rmg_conn (rmg_close_wait), rmg_records
 *                    (and rmg_tcp_eof, called by hook 51 of hook-mongoose.sh)
 *   rmg_udp       -> rmg_loop (rmg_loop_wrap), rmg_sntp, rmg_records, rmg_table
 *   rmg_sntp      -> rmg_records, rmg_table
 *   rmg_constants, rmg_records, rmg_table -> rmg_alloc
 */
#ifndef RMG_JNI_H
#define RMG_JNI_H

#include <jni.h>
#include <stdint.h>
#include <stddef.h>
#include "mongoose.h"
#include "rmg_alloc.h"
#include "rmg_records.h"
#include "rmg_table.h"

#if !defined(MG_VERSION)
#error "mongoose.h without MG_VERSION"
#endif

/* Java package of the peers. */
#define RMG_JNI_PKG "io/github/reactormongoose/internal/jni/"

/* Connection kinds (listener option, inherited by accepted connections). */
#define RMG_KIND_TCP 0
#define RMG_KIND_HTTP 1
#define RMG_KIND_UDP 2
#define RMG_KIND_COUNT 3

/* Operations of ConnNative.control (and of every send). */
#define RMG_OP_CLOSE 1            /* hard close: is_closing */
#define RMG_OP_DRAIN 2            /* graceful close: is_draining */
#define RMG_OP_PAUSE 4            /* stop reading: is_full */
#define RMG_OP_RESUME 8           /* read again */
#define RMG_OP_NOTIFY_WRITABLE 16 /* emit RMG_EV_WRITABLE once send.len <= low water */
#define RMG_OP_HTTP_END 32        /* response complete: clear is_resp */
#define RMG_OP_MORE 64            /* more bytes follow at once: send with MSG_MORE (rmg_send.c) */
#define RMG_OP_CORK 128           /* gather the next writes into larger sends (rmg_send.c) */
#define RMG_OP_UNCORK 256         /* send what was gathered, stop gathering */
#define RMG_OP_WIRETAP 512        /* log the bytes read and written: RMG_EV_WIRE records (rmg_conn.c;
                                   * connections accepted later by a listener inherit it) */
#define RMG_OP_INTERIM 1024       /* the bytes are an interim (1xx) response: the final one has not
                                   * started, so a refused body can still get its 400/413 */
#define RMG_OP_CLOSE_IDLE 2048    /* hard close unless bytes of a next request are in recv (a head
                                   * arriving slowly is the head timeout's, not the idle timeout's) */
#define RMG_OP_HALF_CLOSE 4096    /* raw TCP without TLS: the peer's FIN ends reading only
                                   * (RMG_EV_READ_END), not the connection (rmg_tcp.c) */
#define RMG_OP_SHUT_WR 8192       /* raw TCP without TLS: shut down our sending side once every byte
                                   * written before is out (RMG_EV_WRITE_END); writes are refused
                                   * from now on (RMG_ERR_OUTPUT_SHUT); reading goes on (rmg_tcp.c) */
#define RMG_OP_TLS_ALERT 16384    /* a TLS server: send the fatal alert whose description is in bits
                                   * RMG_OP_ALERT_SHIFT.. of the ops, read nothing more and close
                                   * after a linger (rmg_tls_abort); any other connection closes at once */
#define RMG_OP_ALERT_SHIFT 16

/* Error codes returned as negative numbers. */
#define RMG_ERR_NO_CONN -1
#define RMG_ERR_OOM -2
#define RMG_ERR_BAD_ARG -3
#define RMG_ERR_LISTEN -4
#define RMG_ERR_CONNECT -5
#define RMG_ERR_CLOSING -6
#define RMG_ERR_OUTPUT_SHUT -7 /* a write after RMG_OP_SHUT_WR */
#define RMG_ERR_UNSUPPORTED -8 /* RMG_OP_SHUT_WR on a connection that is not plain raw TCP (TLS, a listener) */
/* errno failures are returned as -(RMG_ERR_ERRNO_BASE + errno) */
#define RMG_ERR_ERRNO_BASE 1000

/* How a listener binds its port (rmg_loop_listen). */
#define RMG_LISTEN_EXCLUSIVE 0   /* Mongoose's own listener: nobody else may bind the port */
#define RMG_LISTEN_SHARE_FIRST 1 /* first of a group: SO_REUSEPORT, but not on a port in use */
#define RMG_LISTEN_SHARE_JOIN 2  /* joins the port of the group's first listener */

/* Per-listener options; accepted connections inherit the pointer through fn_data. */
struct rmg_opts {
  struct rmg_opts *next;
  unsigned long listener_id;
  int kind;
  size_t max_body;       /* bytes of request body before 413 */
  size_t max_head;       /* bytes of request line + headers before 431 */
  size_t max_line;       /* bytes of the request line (without CRLF) before 414; 0: max_head */
  size_t max_headers;    /* header lines before 431, 1..MG_MAX_HTTP_HEADERS - 1; 0: that much */
  size_t max_ws_frame;   /* bytes of WebSocket payload before close 1009 */
  size_t pipeline_limit; /* buffered bytes while a response is pending before pausing reads */
  uint64_t head_timeout_ms; /* ms from the first byte of a request head to its end before 408; 0: none */
  uint64_t write_timeout_ms; /* ms output may wait without a byte going out before the connection
                              * closes (rmg_send.c rmg_send_stall); 0: none */
  int proxy;             /* accepted connections start with a PROXY protocol header: 0 no,
                          * RMG_PROXY_ON always, RMG_PROXY_AUTO when one comes (rmg_proxy.c) */
  mg_event_handler_t accept_pfn; /* the listener's protocol handler, while rmg_proxy_guard stands in */
  unsigned proxy_pending;     /* accepted connections awaiting their PROXY header */
  unsigned proxy_max_pending; /* more are closed at accept; 0: no bound */
  int closed;                 /* the listener has closed (its awaiting connections close too) */
  struct rmg_tls *tls;   /* listener with TLS: accepted connections start it (rmg_tls.c) */
  unsigned refs;         /* connections whose fn_data this is (the listener and the connections
                          * it accepted): freed when the last one closes (rmg_loop.c) */
};

struct rmg_loop {
  struct mg_mgr mgr; /* first member: (struct rmg_loop *) c->mgr */
  unsigned long wakeup_id;
  struct rmg_arena ev;
  struct rmg_table conns;
  struct rmg_table outs; /* id -> struct rmg_out * (rmg_send.c), for connections with RMG_CF2_QUEUE */
  struct rmg_opts *opts;
  struct rmg_opts client_opts[RMG_KIND_COUNT]; /* for outbound connections, by kind */
  size_t low_water;
  /* A connection began draining (rmg_apply): the next poll must not wait, so that Mongoose
   * closes it at once when nothing is left to send. Written responses usually leave c->send
   * empty (rmg_send.c writes through), so no POLLOUT would end the wait. */
  int poll_now;
  /* Set by LoopNative.poll for the length of one poll, NULL otherwise (the fuzz harness
   * polls without Java): the loop's staging array, into which streamed request body pieces
   * are copied (RMG_EV_HTTP_BODY_STAGED, rmg_http.c), and the thread's JNIEnv. */
  JNIEnv *env;
  jbyteArray stage;
  size_t stage_cap, stage_used;
  /* Connections accepted by the loop's listeners so far (rmg_accept_guard). */
  uint64_t accepts;
  /* RMG_OP_CORK (rmg_send.c): the id of the connection whose writes are being gathered (0:
   * none; one at a time per loop), and the bytes gathered for it in gather (allocated at
   * first use, RMG_GATHER bytes, freed with the loop). */
  unsigned long corked;
  unsigned char *gather;
  size_t gathered;
  /* Wiretap (rmg_wire): set during mg_mgr_poll, when records go to ev. Bytes sent outside it
   * (a command's write-through), and the error of a connect that failed inside the connect
   * command (rmg_ev_fn), are recorded in wire, allocated at first use, and moved to the front
   * of ev by the next poll, which then does not wait. */
  int in_poll;
  struct rmg_arena wire;
  /* rmg_udp.c: the buffer every UDP socket of the loop is read into (RMG_UDP_BUF bytes,
   * allocated with the first socket, freed with the loop): one per loop, not per socket. */
  unsigned char *udp_buf;
};

/* What a connection kind does with Mongoose's events. rmg_loop.c's handler does the
 * generic part (table, ACCEPT/CONNECT/WRITABLE/ERROR/CLOSE records), then calls event()
 * for every event (for MG_EV_CLOSE: before the CLOSE record). */
struct rmg_kind {
  void (*event)(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data);
  /* Opens a listener; NULL means mg_listen. */
  struct mg_connection *(*listen)(struct mg_mgr *mgr, const char *url, mg_event_handler_t fn,
                                  void *fn_data);
  /* Installs the kind's protocol handler on a listener the glue opened itself (a shared
   * port, see rmg_loop.c); NULL when the kind has none. 0, or -1 with errno set. */
  int (*adopt)(struct mg_connection *listener);
};

/* The natives of one Java peer, registered by JNI_OnLoad. */
struct rmg_natives {
  const char *cls;
  const JNINativeMethod *methods;
  int count;
};
#define RMG_NATIVES(cls, m) {RMG_JNI_PKG cls, m, (int) (sizeof(m) / sizeof((m)[0]))}

/* Per-connection flags live in c->data[0] (we use neither static serving nor uploads). */
#define RMG_CF_NOTIFY_WRITABLE 1
#define RMG_CF_PAUSED 2
#define RMG_CF_REJECTED 4 /* HTTP kind: answered by C or closing with our close frame, lingering
                           * (rmg_linger); TCP kind: in its close wait (rmg_close_wait) */
#define RMG_CF_OUR_DRAIN 8
/* 16 is free */
#define RMG_CF_TRACKED 32
#define RMG_CF_PIPELINE_PAUSED 64
#define RMG_CF_LINGER_SHUT 128 /* rejected: writes shut down, lingering (deadline in data[8..15]) */
/* Second flag byte, c->data[1]. */
#define RMG_CF2_PRESIZED 1 /* recv was sized for the current request's Content-Length */
#define RMG_CF2_WS_TEXT 2  /* WebSocket: the fragmented message in progress is text */
#define RMG_CF2_WS_CLOSED 4 /* WebSocket: a close frame came; later frames are discarded */
#define RMG_CF2_SNTP 8     /* UDP: datagrams are SNTP answers, parsed by rmg_sntp.c */
/* c->data[RMG_TLS_PENDING] is 1 while an outbound connection waits to start TLS (its context
 * in data[16..23]). Outbound connections only: data[24..31] is the request head clock of
 * accepted HTTP connections (data[1] has no free bit left). */
#define RMG_TLS_PENDING 24
/* c->data[RMG_EPOLL_STATE] (the index is -D'd in native/Makefile's MG_DEFS, for mongoose.c
 * too): what the socket is registered for in epoll, kept by rmg_epoll_sync (hook 11 in
 * hook-mongoose.sh): 0 = EPOLLIN (as MG_EPOLL_ADD registers it), 1 = no event but EPOLLERR and
 * EPOLLHUP, edge-triggered (reads paused, nothing to write: a reset still closes it),
 * 2 = EPOLLIN | EPOLLOUT, 3 = EPOLLOUT. The glue never writes it. */
_Static_assert(RMG_EPOLL_STATE >= 32 && RMG_EPOLL_STATE < MG_DATA_SIZE - 8,
               "RMG_EPOLL_STATE: past the glue's c->data[0..31], before Mongoose's last 8 bytes");
/* c->data[RMG_TLS_FLAGS] of a TLS connection, set when its handshake starts (rmg_tls.c):
 * RMG_TLS_F_CERT_OPTIONAL when the server asks for a client certificate but takes a client
 * without one (hook 20 of hook-mongoose.sh reads it); RMG_TLS_F_CLOSE_NOTIFIED once our
 * close_notify is sealed (rmg_tls_closing). Past the epoll byte and before Mongoose's last 8
 * bytes of c->data. */
#define RMG_TLS_FLAGS 33
#define RMG_TLS_F_CERT_OPTIONAL 1
#define RMG_TLS_F_CLOSE_NOTIFIED 2
#define RMG_TLS_F_ABORTED 4 /* a server sent a fatal alert and lingers (rmg_tls_abort) */
/* c->data[RMG_PROXY_STATE] of an accepted connection: RMG_PROXY_PENDING while the PROXY
 * protocol header of its listener is awaited (rmg_proxy.c). */
#define RMG_PROXY_STATE 34
#define RMG_PROXY_PENDING 1
_Static_assert(RMG_PROXY_STATE > RMG_TLS_FLAGS && RMG_PROXY_STATE < MG_DATA_SIZE - 8,
               "RMG_PROXY_STATE: between the TLS flags and Mongoose's last 8 bytes");
/* c->data[RMG_WS_MAX..+3] of a WebSocket: the endpoint's message limit (uint32, bytes; set at
 * the upgrade from WebsocketServerSpec.maxFramePayloadLength or the server's
 * maxWebsocketFrameSize), 0: the listener's max_ws_frame. */
#define RMG_WS_MAX 36
/* c->data[RMG_HALF_CLOSE] of a raw TCP connection (rmg_tcp.c): RMG_HC_ON once Java asked for
 * half-close (RMG_OP_HALF_CLOSE), RMG_HC_EOF once the peer's FIN was read (reading has stopped
 * for good: RMG_OP_RESUME leaves is_full set), RMG_HC_REPORTED once RMG_EV_READ_END was written.
 * Our own side: RMG_HC_SHUT once Java asked to shut it down (RMG_OP_SHUT_WR: writes are refused),
 * RMG_HC_SHUT_DONE once shutdown(SHUT_WR) was called, RMG_HC_SHUT_REPORTED once
 * RMG_EV_WRITE_END was written. */
#define RMG_HALF_CLOSE 35
#define RMG_HC_ON 1
#define RMG_HC_EOF 2
#define RMG_HC_REPORTED 4
#define RMG_HC_SHUT 8
#define RMG_HC_SHUT_DONE 16
#define RMG_HC_SHUT_REPORTED 32
_Static_assert(RMG_HALF_CLOSE > RMG_PROXY_STATE && RMG_HALF_CLOSE < RMG_WS_MAX,
               "RMG_HALF_CLOSE: between the PROXY state and the WebSocket limit");
_Static_assert(RMG_WS_MAX > RMG_TLS_FLAGS && RMG_WS_MAX + 4 <= MG_DATA_SIZE - 8,
               "RMG_WS_MAX: between the TLS flags and Mongoose's last 8 bytes");
_Static_assert(RMG_TLS_FLAGS > RMG_EPOLL_STATE && RMG_TLS_FLAGS < MG_DATA_SIZE - 8,
               "RMG_TLS_FLAGS: between the epoll byte and Mongoose's last 8 bytes");
/* c->data[RMG_WS_UTF8]: UTF-8 validator state of that message after its last whole frame */
#define RMG_WS_UTF8 3
/* c->data[RMG_WS_FLAGS] of a WebSocket (data[4] is a streamed body's, never both at once; set
 * at the upgrade): RMG_WS_F_DEFLATE when permessage-deflate was negotiated (RFC 7692: RSV1
 * marks a compressed message, which Java inflates), RMG_WS_F_INFLATE while the fragmented
 * message in progress is compressed (its UTF-8 is checked by Java after inflating),
 * RMG_WS_F_OWN_PING when the application answers PINGs itself (WebsocketServerSpec.handlePing:
 * Mongoose's own PONG is skipped, hook 26 of hook-mongoose.sh). */
#define RMG_WS_FLAGS 4
#define RMG_WS_F_DEFLATE 1
#define RMG_WS_F_INFLATE 2
#define RMG_WS_F_OWN_PING 4
/* RFC 6455 RSV1: the first frame of a compressed message; given to Java with the opcode */
#define RMG_WS_RSV1 0x40
#define RMG_CF2_WROTE 16   /* HTTP: bytes were appended to send since the last streamed request head */
/* A streamed request body (rmg_http.c): data[2] = RMG_BODY_* mode, data[3] = chunked parser
 * state (a WebSocket uses data[3] as RMG_WS_UTF8: never both at once; zeroed at the body's
 * end), data[4..7] = uint32 bytes of the current chunk-size line or trailer section, data[8..15] =
 * uint64 bytes decoded so far (the linger deadline's bytes: a connection lingers only after its
 * body), data[16..23] = uint64 bytes left (Content-Length, or of the current chunk). */
/* Listeners (rmg_accept_guard, rmg_loop.c): data[2] = 1 if readable at the last poll,
 * data[8..15] = the loop's accept count then, data[16..23] = when a paused accept resumes. */
#define RMG_BODY_NONE 0
#define RMG_BODY_LENGTH 1  /* Content-Length body streaming */
#define RMG_BODY_CHUNKED 2 /* chunked body streaming, decoded in C */
#define RMG_BODY_DONE 3    /* body ended: the HTTP parser goes back in place at the next event */
#define RMG_CF2_ACTIVE 32  /* read or written since the last poll (rmg_send.c, idle buffers) */
#define RMG_CF2_QUEUE 64   /* has an output queue in loop->outs (rmg_send.c) */
#define RMG_CF2_AGED 128   /* no activity seen over one idle tick (rmg_send.c) */

/* ---- rmg_constants.c ---- */
extern const struct rmg_natives rmg_constants_natives;
/* The HTTP reason phrase of status, or NULL: the one table (Java reads it too). */
const char *rmg_reason_phrase(int status);
/* Mongoose's log level; at MG_LL_NONE nothing at all is written (hex dumps included). */
void rmg_log_level(int level);

/* ---- rmg_loop.c ---- */
extern const struct rmg_natives rmg_loop_natives;
/* Sets what connections of this kind do; called once by JNI_OnLoad, before any loop. */
void rmg_loop_set_kind(int kind, const struct rmg_kind *k);
/* The non-JNI core of LoopNative (create, destroy, poll, listen), so that the natives stay
 * thin and native/fuzz can drive a loop without a JVM. rmg_loop_new returns NULL when out
 * of memory; rmg_loop_listen_url returns the listener id or a negative code. */
struct rmg_loop *rmg_loop_new(int low_water);
void rmg_loop_free(struct rmg_loop *loop);
int64_t rmg_loop_poll_once(struct rmg_loop *loop, int ms);
/* Sets the request head timeout (ms, 0: none), the longest request line (bytes without the
 * CRLF, 0: max_head) and the most header lines (0: MG_MAX_HTTP_HEADERS - 1) of a listener's
 * connections; 0 or RMG_ERR_*. */
int rmg_loop_listener_rules(struct rmg_loop *loop, int64_t listener_id, int64_t head_ms, int max_line,
                            int64_t write_ms, int max_headers);
/* LoopNative.proxyProtocol: mode 0, RMG_PROXY_ON or RMG_PROXY_AUTO (rmg_proxy.c) for a
 * listener's next connections, and how many may await their header at once (0: no bound).
 * 0 or RMG_ERR_*. */
int rmg_loop_proxy_protocol(struct rmg_loop *loop, int64_t listener_id, int mode, int max_pending);
int64_t rmg_loop_listen_url(struct rmg_loop *loop, const char *url, int kind, int64_t max_body,
                            int max_head, int max_ws_frame, int pipeline_limit, int share);
/* Wraps a socket the glue opened (mg_wrapfd) as a connection of kind, handled like every
 * other connection (tracked, records); NULL when out of memory or kind is unknown. */
struct mg_connection *rmg_loop_wrap(struct rmg_loop *loop, int fd, int kind);

/* Hook 45 (rmg_loop.c): the bytes a connection's receive buffer holds (0 on error). */
int rmg_unread(const struct mg_connection *c);

/* ---- rmg_conn.c ---- */
extern const struct rmg_natives rmg_conn_natives;
/* JNI_OnLoad: looks up ByteBuffer's array fields (ConnNative.sendHeap). */
void rmg_conn_init(JNIEnv *env);
/* Applies RMG_OP_* to a connection after a write; returns send.len. */
jlong rmg_apply(struct rmg_loop *loop, struct mg_connection *c, jint ops);
/* Reads again after the pause for pipelined input (unless Java paused reading itself). */
void rmg_resume_pipeline(struct mg_connection *c);
/* A lingering close (HTTP refusals, WebSocket close frames of ours): from now on input is
 * discarded, writes are shut down once send is empty (after a TLS close_notify), and the
 * connection closes when the peer does or after RMG_LINGER_MS. Closing at once with the peer's
 * unread bytes in the kernel's receive buffer would make the kernel send a reset and drop the
 * output still queued in it: the peer would never read the answer. */
void rmg_linger_start(struct mg_connection *c);
/* MG_EV_POLL and MG_EV_WRITE of a lingering connection. */
void rmg_linger(struct mg_connection *c);
/* ConnNative.closeWait, the WebSocket client's wait for the server's close after its own
 * (a connection of the TCP kind): from now on the connection closes wait_ms after its output
 * is all out, by the same rule as rmg_linger (the wait starts when the last byte has left, not
 * when the close frame was queued), and with stall_ms > 0 that is its write timeout
 * (rmg_send_timeout: output that has not moved for so long resets it, with an
 * RMG_ERROR_WRITE_TIMEOUT record). Unlike rmg_linger, input is still delivered (Java reads the
 * server's close frame) and writes are not shut down. Sets RMG_CF_REJECTED (for the TCP kind:
 * in its close wait). send.len, or RMG_ERR_* (RMG_ERR_BAD_ARG for another kind). */
jlong rmg_conn_close_wait(struct rmg_loop *loop, jlong id, int64_t wait_ms, int64_t stall_ms);
/* MG_EV_POLL and MG_EV_WRITE of a TCP connection in its close wait. */
void rmg_close_wait(struct mg_connection *c);
/* The non-JNI core of ConnNative.send/sendArray and control: send.len or RMG_ERR_*. */
jlong rmg_conn_write(struct rmg_loop *loop, jlong id, const void *buf, size_t len, jint ops);
jlong rmg_conn_control_ops(struct rmg_loop *loop, jlong id, jint ops);
jlong rmg_conn_file(struct rmg_loop *loop, jlong id, const void *head, size_t head_len,
                    const char *path, const char *root, int64_t size, int64_t mtime_ms,
                    int64_t pos, int64_t count, jint ops);

/* ---- rmg_send.c (no natives): write-through, the output queue, sendfile, idle buffers ---- */
/* Appends to c->send itself (the path of UDP, TLS and the TCP kind). */
bool rmg_append(struct mg_connection *c, const void *buf, size_t len);
/* Sends or queues bytes after everything pending; false when out of memory. */
bool rmg_send_bytes(struct mg_connection *c, const void *buf, size_t len, bool more);
/* Opens a regular file (fd or -errno); queues a region of it after everything pending (the
 * fd is owned from then on; 0 or -ENOMEM). */
int rmg_send_open(const char *path);
int rmg_send_file(struct mg_connection *c, int fd, int64_t pos, int64_t count);
/* c->send.len + the queue: what Java's high/low-water marks compare. */
size_t rmg_send_pending(struct mg_connection *c);
/* Output a peer has not read yet beyond which a connection stops reading what would only
 * make more (pipelined requests, WebSocket PINGs answered by Mongoose), until its output is
 * down to the loop's low-water mark: a client that sends and never reads cannot grow the
 * server's memory. */
#define RMG_OUT_BACKLOG (1024 * 1024)
/* MG_EV_WRITE/MG_EV_POLL: sends the queue while the socket takes it. */
void rmg_send_pump(struct mg_connection *c);
/* Moves the queue into c->send before another writer appends there. */
void rmg_send_flush(struct mg_connection *c);
/* A wiretapped connection (c->is_hexdumping, RMG_OP_WIRETAP) read or wrote n > 0 bytes at buf
 * (written: RMG_WIRE_WRITTEN): an RMG_EV_WIRE record. Does nothing for other connections.
 * Called by Mongoose's iolog (hook 27) and by the direct sends here. */
void rmg_wire(struct mg_connection *c, const void *buf, long n, int written);
/* MG_EV_CLOSE: frees the queue. */
void rmg_send_close(struct mg_connection *c);
/* RMG_OP_CORK / RMG_OP_UNCORK: start gathering c's writes / send what was gathered. */
void rmg_send_cork(struct mg_connection *c);
void rmg_send_uncork(struct mg_connection *c);
/* The loop's gathering ended without its connection (it is gone): drops what was gathered. */
void rmg_send_uncork_gone(struct rmg_loop *loop, unsigned long id);
/* MG_EV_POLL: releases the buffers of a connection idle for a while; MG_EV_READ marks it active. */
void rmg_send_idle(struct mg_connection *c, uint64_t now);
void rmg_send_touch(struct mg_connection *c);
void rmg_send_wrote(struct mg_connection *c, long n);
/* Gives c a write timeout of its own, ms (0: its listener's again), in place of its listener's
 * write_timeout_ms: output that waits that long without a byte going out resets the connection
 * (the WebSocket client's close wait, rmg_conn_close_wait). false when out of memory or UDP. */
bool rmg_send_timeout(struct mg_connection *c, uint64_t ms);
/* Bytes of I/O buffers the connection holds (recv, send, queue). */
size_t rmg_send_held(struct mg_connection *c);

/* ---- rmg_tcp.c ---- */
extern const struct rmg_kind rmg_tcp_kind;

/* ---- rmg_udp.c ---- */
extern const struct rmg_kind rmg_udp_kind;
extern const struct rmg_natives rmg_udp_natives;
/* The non-JNI cores of UdpNative (also driven by native/fuzz). rmg_udp_adopt makes a UDP
 * connection of a datagram socket (flags: RMG_CF2_SNTP or 0); the connection's id, or a
 * negative code (the socket is closed then). */
int64_t rmg_udp_adopt(struct rmg_loop *loop, int fd, int flags);
/* Sends one datagram to ip/port (ip_len 4 or 16), or, with ip NULL, to the connected peer:
 * 0, or a negative code (-(RMG_ERR_ERRNO_BASE + errno) for EAGAIN, EMSGSIZE, ...). */
jlong rmg_udp_send(struct rmg_loop *loop, jlong id, const uint8_t *ip, size_t ip_len, int port,
                   const void *buf, size_t len);

/* ---- rmg_sntp.c ---- */
extern const struct rmg_natives rmg_sntp_natives;
/* Checks one datagram received on an SNTP connection and parses it with mg_sntp_parse: writes
 * an RMG_EV_SNTP_TIME record, or RMG_EV_SNTP_BAD with the reason. */
void rmg_sntp_answer(struct rmg_loop *loop, struct mg_connection *c, const unsigned char *buf, size_t len);
/* c->data[RMG_SNTP_SENT..+7] of an SNTP connection: the transmit timestamp of its request as
 * sent (network order, 0 before the request and after its answer); an answer must echo it as
 * its origin timestamp. */
#define RMG_SNTP_SENT 8
/* Sends an SNTP request (Mongoose's, with random low bits) on connection id: 0 or a negative code. */
jlong rmg_sntp_request(struct rmg_loop *loop, jlong id);

/* ---- rmg_http_head.c ---- */
/* The status to refuse a complete request head with (0: acceptable) and why (RFC 9112). */
int rmg_http_head_check(const struct mg_http_message *hm, const char **why);
/* Whether an Expect field of hm asks for 100-continue (a list; empty members ignored). */
int rmg_http_expects_continue(const struct mg_http_message *hm);
/* 400 if the first line of buf is complete and not a request line (0: incomplete or well formed). */
int rmg_http_line_check(const char *buf, size_t len, const char **why);
/* The authority of an absolute-form request target; empty for others. */
struct mg_str rmg_http_target_authority(struct mg_str uri);
/* The origin-form of an absolute-form request target; any other target unchanged. */
struct mg_str rmg_http_origin_form(struct mg_str uri);

/* ---- rmg_http.c ---- */
extern const struct rmg_kind rmg_http_kind;

/* ---- rmg_ws.c ---- */
extern const struct rmg_natives rmg_ws_natives;
/* The part of the HTTP kind's event function for a connection that is a WebSocket. */
void rmg_ws_event(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data);
/* The non-JNI core of WsNative.upgrade and sendArray: 0 / send.len, or RMG_ERR_*. flags:
 * RMG_WS_F_DEFLATE and RMG_WS_F_OWN_PING. */
jint rmg_ws_upgrade_conn(struct rmg_loop *loop, jlong id, const char *key, const char *protocol,
                         const char *extra, int flags, size_t max_frame);
/* Hook 26 of hook-mongoose.sh: whether Mongoose answers a PING of this WebSocket itself. */
int rmg_ws_auto_pong(const struct mg_connection *c);
jlong rmg_ws_send_frame(struct rmg_loop *loop, jlong id, const void *buf, size_t len, jint op,
                        jint ops);

/* ---- rmg_proxy.c ---- */
#define RMG_PROXY_ON 1
#define RMG_PROXY_AUTO 2
#define RMG_PROXY_V1_MAX 107  /* the longest version 1 line, CRLF included */
#define RMG_PROXY_V2_MAX 4112 /* the longest version 2 header taken: 16 + 4096 bytes */
/* rmg_proxy_parse: bytes of the whole header (> 0), or one of these */
#define RMG_PROXY_MORE 0  /* a header has begun: more bytes are needed */
#define RMG_PROXY_BAD (-1) /* malformed, or longer than allowed */
#define RMG_PROXY_NONE (-2) /* the bytes do not begin a PROXY header */
/* Parses a PROXY protocol header (v1 or v2) at the start of buf; *has_src: src was set (a
 * proxied TCP connection; not for LOCAL, UNKNOWN, UNSPEC or UNIX). */
int rmg_proxy_parse(const unsigned char *buf, size_t len, struct mg_addr *src, int *has_src);
/* MG_EV_ACCEPT on a listener with o->proxy: the connection awaits its header. */
void rmg_proxy_accept(struct mg_connection *c, struct rmg_opts *o);
/* 0: not awaiting a header; 1: awaiting it; -1: awaiting it past its deadline, or its
 * listener has closed. */
int rmg_proxy_pending(const struct mg_connection *c, uint64_t now);
/* MG_EV_CLOSE of an accepted connection: one fewer awaiting its header, if it was. */
void rmg_proxy_close(struct mg_connection *c);

/* ---- rmg_gcm.c (hooks 15 and 16 of hook-mongoose.sh declare the other two) ---- */
/* Whether records are sealed and opened with AES-NI: the CPU has it, RMG_SOFT_GCM is not 1,
 * and the code agreed with Mongoose's at the first call (JNI_OnLoad makes it). */
int rmg_gcm_fast(void);
/* Whether rmg_gcm_fast's code runs on 256-bit registers (VAES, VPCLMULQDQ). */
int rmg_gcm_wide(void);

/* ---- rmg_rsa.c (hook 19 of hook-mongoose.sh calls it in place of mg_rsa_crt_sign) ---- */
/* The RSA-CRT signature of em (sig_len bytes, the modulus's length) with 64-bit limbs; 0, or
 * -1 (refused or failed its check; sig zeroed) and Mongoose's signer runs instead. */
int rmg_rsa_crt_sign(const uint8_t *em, size_t em_len, const uint8_t *dp, size_t dp_len, const uint8_t *dq,
                     size_t dq_len, const uint8_t *p, size_t p_len, const uint8_t *q, size_t q_len,
                     const uint8_t *qinv, size_t qinv_len, uint8_t *sig, size_t sig_len);

/* ---- rmg_tls.c ---- */
struct rmg_tls;
/* Hook 20: whether the server connection c takes a client that sends no certificate. */
int rmg_tls_cert_optional(const struct mg_connection *c);
/* Hook 38: what a decrypted non-application record after the handshake asks for (rmg_tls.c). */
int rmg_tls_post_handshake(struct mg_connection *c, unsigned type, const unsigned char *m, size_t len,
                           uint32_t *skip);
/* Hooks 42, 43: joins the plaintext records of a ClientHello or ServerHello split over several
 * (1, 0 to wait, -1 after mg_error). */
int rmg_tls_join_hello(struct mg_connection *c);
/* Hook 41: puts together handshake messages split over encrypted records (rmg_tls.c). */
int rmg_tls_gather(struct mg_connection *c, struct mg_iobuf *hs, unsigned type, const unsigned char *m,
                   size_t len);
/* Hook 32, the idle close and the linger: whether c is yet to send its close_notify (true once). */
int rmg_tls_closing(struct mg_connection *c);
/* Hook 31 (in mongoose.c): seals a close_notify after what the stack holds and sends what the
 * socket takes (the rest as a throttled record's). */
void rmg_tls_close_notify(struct mg_connection *c);
/* Hook 61 (in mongoose.c): a TLS server connection seals the fatal alert desc (or, for -1, the one
 * the failed handshake step chose: hooks 52-63) with the keys its client reads with, and sends it
 * at once (before the ServerHello, in a plaintext record); the description sent, or 0 (none: a
 * client, no failure with an alert, one already sent). */
int rmg_tls_alert(struct mg_connection *c, int desc);
/* The RFC 8446 6 name of an alert description ("unknown_ca"), or "alert". */
const char *rmg_tls_alert_name(int desc);
/* A TLS server connection ends its handshake (or connection) with the fatal alert desc (-1: the
 * one its failed handshake step chose), then lingers, reading nothing, before it closes (the
 * client's writes in flight must not meet a closed socket, whose reset would end the client's
 * handshake with "Broken pipe" before it reads the alert). The description sent, or 0: nothing
 * was sent, and the caller closes the connection as before. */
int rmg_tls_abort(struct mg_connection *c, int desc);
extern const struct rmg_natives rmg_tls_natives;
/* Sets Mongoose's wall clock (mg_boot_timestamp_ms) from CLOCK_REALTIME once. */
void rmg_tls_clock_init(void);
/* A TLS context (one reference): the built-in stack's inputs, prepared by Java. */
struct rmg_tls *rmg_tls_new(int is_client, const void *cert, size_t cert_len, const void *key,
                            size_t key_len, const void *ca, size_t ca_len, const char *name,
                            int64_t handshake_ms, int cert_optional);
void rmg_tls_release(struct rmg_tls *t);
/* Event hooks of rmg_ev_fn: accept on a TLS listener, the handshake deadline, and the start
 * (or drop, start = 0) of an outbound connection's pending TLS. */
void rmg_tls_accept(struct mg_connection *c, const struct rmg_tls *t);
void rmg_tls_poll(struct mg_connection *c);
void rmg_tls_connected(struct mg_connection *c, int start);
/* The non-JNI cores of TlsNative.listener / update / client: 0 or RMG_ERR_*. */
int rmg_tls_listener(struct rmg_loop *loop, int64_t id, struct rmg_tls *t);
int rmg_tls_listener_update(struct rmg_loop *loop, int64_t id, struct rmg_tls *t);
int rmg_tls_client(struct rmg_loop *loop, int64_t id, struct rmg_tls *t);

/* ---- small helpers, inline so that they add no edge between files ---- */

static inline struct rmg_loop *rmg_loop_of(jlong handle) {
  return (struct rmg_loop *) (intptr_t) handle;
}

/* Connection lookup by id (NULL when gone). */
static inline struct mg_connection *rmg_conn(struct rmg_loop *loop, jlong id) {
  return rmg_table_get(&loop->conns, (unsigned long) id);
}

/* Whether arr is not NULL and [off, off + len) lies inside it; 64-bit arithmetic, so that no
 * off + len of two jints overflows past the check. */
static inline int rmg_array_range_ok(JNIEnv *env, jarray arr, jlong off, jlong len) {
  return arr != NULL && off >= 0 && len >= 0 && off + len <= (jlong) (*env)->GetArrayLength(env, arr);
}

static inline void rmg_throw(JNIEnv *env, const char *cls, const char *msg) {
  jclass c = (*env)->FindClass(env, cls);
  if (c != NULL) {
    (*env)->ThrowNew(env, c, msg);
    (*env)->DeleteLocalRef(env, c);
  }
}

#endif
