/*
 * reactor-mongoose: the send side of HTTP connections and the housekeeping of idle ones.
 * No natives (rmg_conn.c's natives call in).
 *
 * Mongoose sends c->send from its start and, after a partial send(), memmoves the rest to the
 * front and zeroes the tail byte by byte (mg_iobuf_del, mg_bzero): a large response costs a
 * copy and a byte loop per partial write, quadratic in the size of what is buffered (48 % of
 * the server's CPU for 64 KiB responses, docs/decisions/0005-large-responses.md). So:
 *   - write-through: when nothing is pending, bytes go straight to send(2) from the caller's
 *     memory (a pinned Java array or a direct buffer), without touching c->send; over TLS,
 *     the stack makes records of up to 16 KiB from that memory and they are sent at once
 *     (rmg_direct_send), a response head waiting in c->send for its body's first record;
 *   - what the socket does not take waits in a queue owned here (struct rmg_out), sent with
 *     send(2) from its read offset, never shifted;
 *   - c->send only holds one small piece (RMG_PIECE) when the socket is full, so that
 *     Mongoose polls for POLLOUT; when Mongoose has written it (MG_EV_WRITE) the queue is sent
 *     directly again (rmg_send_pump);
 *   - a file region is sent with sendfile(2) the same way (a piece is pread into c->send
 *     when the socket is full); over TLS, or when sendfile(2) refuses the file, pieces are
 *     pread and sent directly (over TLS, as records);
 *   - gathering (RMG_OP_CORK .. RMG_OP_UNCORK): while Java writes a burst of streamed buffers
 *     that a publisher emitted at once, they are copied into the loop's gather buffer and
 *     sent with one send(2) of up to RMG_GATHER bytes. Sending 64 KiB at a time costs the
 *     kernel about twice as much per byte on loopback as 1 MiB at a time, copy included
 *     (docs/decisions/0005-large-responses.md). Copied, not referenced: Java's buffers may
 *     be reused or released as soon as each write returns.
 * Lean idle connections: a connection that read nothing for RMG_IDLE_MS and has nothing
 * buffered gives its receive and send buffers back (rmg_send_idle); Mongoose allocates them
 * again at the next read or write.
 * Wiretap: rmg_wire records the bytes of a tapped connection for Java's logger, called by
 * every send here and by Mongoose's iolog (hook 27) for its own reads and writes.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#define _DEFAULT_SOURCE 1 /* pread, MSG_NOSIGNAL under -std=c11 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#ifdef __linux__
#include <linux/sockios.h> /* SIOCOUTQ */
#include <sys/ioctl.h>
#endif
#include <unistd.h>
#include "rmg_jni.h"

/* What goes into c->send when the socket is full: the most Mongoose memmoves and zeroes. */
#define RMG_PIECE (16 * 1024)
/* A connection with nothing buffered that read nothing for this long releases its buffers. */
#define RMG_IDLE_MS 500u
/* The most bytes gathered for one send(2) (RMG_OP_CORK). */
#define RMG_GATHER (1024 * 1024)
/* After this many bytes of released buffers, hand free heap pages back to the system. */
#define RMG_TRIM_BYTES (4u * 1024 * 1024)

/* Output queued behind what the socket took: bytes [off, len) of buf, then a file region. */
struct rmg_out {
  unsigned char *buf;
  size_t size, off, len;
  int fd;             /* file being sent, or -1 */
  int no_sendfile;    /* TLS, or sendfile(2) refused this pair: pread pieces instead */
  int64_t pos, left;  /* file region still to send */
  uint64_t stalled;   /* since when output waits with no byte gone out, ms (0: not waiting) */
  size_t kernel;      /* the socket's unacknowledged bytes at the last stall check (Linux) */
  uint64_t timeout_ms; /* the connection's own write timeout (rmg_send_timeout), 0: its listener's */
};

/* A connection's queue lives in its loop's outs table (c->data has no free bytes for it: the
 * streamed request body uses them); RMG_CF2_QUEUE in data[1] says it has one, so that the
 * table is only consulted for connections that do. Never on UDP connections. */
static struct rmg_loop *rmg_loop_of_conn(const struct mg_connection *c) {
  return (struct rmg_loop *) c->mgr;
}

static struct rmg_table *rmg_outs(struct mg_connection *c) {
  return &rmg_loop_of_conn(c)->outs;
}

static struct rmg_out *rmg_out_of(struct mg_connection *c) {
  if (c->is_udp || !(c->data[1] & RMG_CF2_QUEUE)) return NULL;
  return (struct rmg_out *) (void *) rmg_table_get(rmg_outs(c), c->id);
}

static struct rmg_out *rmg_out_get(struct mg_connection *c) {
  struct rmg_out *o = rmg_out_of(c);
  if (o == NULL) {
    o = (struct rmg_out *) rmg_alloc(sizeof(*o));
    if (o == NULL) return NULL;
    memset(o, 0, sizeof(*o));
    o->fd = -1;
    if (rmg_table_put(rmg_outs(c), c->id, (struct mg_connection *) (void *) o) != 0) {
      rmg_free(o);
      return NULL;
    }
    c->data[1] |= RMG_CF2_QUEUE;
  }
  return o;
}

static size_t rmg_queued(const struct rmg_out *o) {
  return o == NULL ? 0 : (o->len - o->off) + (o->left > 0 ? (size_t) o->left : 0);
}

static void rmg_file_done(struct rmg_out *o) {
  if (o->fd >= 0) close(o->fd);
  o->fd = -1;
  o->left = 0;
  o->no_sendfile = 0;
}

/* Appends to c->send, growing it only when needed. mg_send() resizes the buffer to exactly
 * the rounded new length on every call, so a small write into a large, empty buffer shrinks
 * it (zeroing the old block byte by byte) and the next large write grows it back: two
 * allocations and a zeroing pass per response. Keeping the size avoids both. */
bool rmg_append(struct mg_connection *c, const void *buf, size_t len) {
  struct mg_iobuf *io = &c->send;
  if (c->is_udp) return mg_send(c, buf, len);
  if (io->len + len > io->size) {
    /* grow geometrically: a streamed body must not reallocate on every piece */
    size_t want = io->size * 2 > io->len + len ? io->size * 2 : io->len + len;
    if (!mg_iobuf_resize(io, want) && !mg_iobuf_resize(io, io->len + len)) return false;
  }
  memcpy(io->buf + io->len, buf, len);
  io->len += len;
  return true;
}

/* Appends to the queue's bytes; compacts only when the sent part is at least half of it. */
static bool rmg_queue_bytes(struct rmg_out *o, const void *buf, size_t len) {
  if (o->off > 0 && o->off == o->len) o->off = o->len = 0;
  if (o->off > 0 && o->len + len > o->size && o->off >= (o->len - o->off)) {
    memmove(o->buf, o->buf + o->off, o->len - o->off);
    o->len -= o->off;
    o->off = 0;
  }
  if (o->len + len > o->size) {
    size_t want = o->size * 2 > o->len + len ? o->size * 2 : o->len + len;
    unsigned char *p = (unsigned char *) rmg_alloc(want);
    if (p == NULL) return false;
    if (o->len > o->off) memcpy(p, o->buf + o->off, o->len - o->off);
    o->len -= o->off;
    o->off = 0;
    rmg_free(o->buf);
    o->buf = p;
    o->size = want;
  }
  memcpy(o->buf + o->len, buf, len);
  o->len += len;
  return true;
}

/* Reads the queued file region's next bytes (at most max) into buf: pread(2), retried on EINTR. */
static ssize_t rmg_file_read(struct rmg_out *o, void *buf, size_t max) {
  size_t want = o->left < (int64_t) max ? (size_t) o->left : max;
  ssize_t n;
  do {
    n = pread(o->fd, buf, want, (off_t) o->pos);
  } while (n < 0 && errno == EINTR);
  return n;
}

/* n bytes of the queued file region were taken (sent, or copied elsewhere). */
static void rmg_file_taken(struct rmg_out *o, long n) {
  o->pos += n;
  o->left -= n;
  if (o->left == 0) rmg_file_done(o);
}

/* The file ended before its region (it shrank while being sent: a log rotated, a file
 * rewritten in place), or reading it failed: the length announced cannot be kept. The
 * connection closes, and Java learns why (an ERROR record of its own kind, so that the cut is
 * the server's, logged, not a client that left). got: what the last read or sendfile(2) gave. */
static void rmg_file_cut(struct mg_connection *c, struct rmg_out *o, long got) {
  struct rmg_loop *loop = rmg_loop_of_conn(c);
  char msg[160];
  int err = got < 0 ? errno : 0;
  if (err != 0) {
    snprintf(msg, sizeof(msg), "reading the file failed at byte %lld, %lld bytes before the end of its region: %s",
             (long long) o->pos, (long long) o->left, strerror(err));
  } else {
    snprintf(msg, sizeof(msg), "the file ended at byte %lld, %lld bytes before the end of its region (it shrank while being sent)",
             (long long) o->pos, (long long) o->left);
  }
  c->is_closing = 1;
  rmg_file_done(o);
  /* also reached inside a command (rmg_send_file pumps at once): a record written to ev then
   * would be lost at the next poll's reset; wire's are moved to its front (as rmg_wire's) */
  rmg_record_error(loop->in_poll ? &loop->ev : &loop->wire, c, RMG_ERROR_FILE_CUT, err, msg);
  if (!loop->in_poll) loop->poll_now = 1;
}

/* Turns the rest of a queued file into queued bytes (something must follow it). */
static bool rmg_file_to_bytes(struct rmg_out *o) {
  unsigned char tmp[8192];
  while (o->left > 0) {
    ssize_t n = rmg_file_read(o, tmp, sizeof(tmp));
    if (n <= 0 || !rmg_queue_bytes(o, tmp, (size_t) n)) return false;
    rmg_file_taken(o, n);
  }
  rmg_file_done(o);
  return true;
}

/* Whether the glue may send on the socket itself: an established connection of the HTTP
 * kind, over TLS once its handshake is done (other kinds keep Mongoose's path: the TCP kind
 * reports DRAINED from MG_EV_WRITE, which direct sends do not fire). */
static bool rmg_direct_ok(const struct mg_connection *c) {
  return !c->is_udp && !c->is_tls_hs && !c->is_listening && !c->is_connecting &&
         !c->is_resolving && !c->is_closing && c->fn_data != NULL &&
         ((const struct rmg_opts *) c->fn_data)->kind == RMG_KIND_HTTP;
}

void rmg_wire(struct mg_connection *c, const void *buf, long n, int written) {
  struct rmg_loop *loop = (struct rmg_loop *) c->mgr;
  if (!c->is_hexdumping || n <= 0) return;
  /* a command's send (outside the poll) goes to loop->wire: records written to ev now would be
   * lost at the next poll's reset, which moves them to its front instead, and must not wait */
  (void) rmg_record_bytes(loop->in_poll ? &loop->ev : &loop->wire, RMG_EV_WIRE, c->id,
                          written ? RMG_WIRE_WRITTEN : RMG_WIRE_READ, buf, (size_t) n);
  if (!loop->in_poll) loop->poll_now = 1;
}

static long rmg_sock_send(struct mg_connection *c, const void *buf, size_t len, int flags) {
  ssize_t n;
  do {
    n = send((int) (size_t) c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT | flags);
  } while (n < 0 && errno == EINTR);
  if (n > 0 && c->is_hexdumping) rmg_wire(c, buf, (long) n, 1); /* plain text: the glue's every send(2) */
  return (long) n;
}

/* Sends up to len bytes directly: send(2), or over TLS one record of up to 16 KiB made by
 * Mongoose's stack (mg_tls_send), of which the socket takes what it can; the rest waits in
 * the stack (c->is_tls_throttled) and goes first at the next call, at the next POLLOUT
 * (hooks 11 and 13) or before Mongoose writes c->send. Without this, a TLS connection sent
 * one record per poll from c->send, shifting all of c->send after each (quadratic: a 64 MiB
 * body took 7.6 s), and every response cost two epoll_ctl calls. The bytes taken (> 0), or
 * -1 with errno (EAGAIN: the socket is full, nothing was taken). */
static long rmg_direct_send(struct mg_connection *c, const void *buf, size_t len, int flags) {
  long n;
  if (!c->is_tls) return rmg_sock_send(c, buf, len, flags);
  if (c->is_tls_throttled) {
    n = mg_tls_send(c, buf, len); /* sends the rest of the last record, takes nothing */
    if (n == MG_IO_ERR) {
      errno = EPIPE;
      return -1;
    }
    if (c->is_tls_throttled) {
      errno = EAGAIN;
      return -1;
    }
  }
  n = mg_tls_send(c, buf, len);
  if (n > 0) {
    if (c->is_hexdumping) rmg_wire(c, buf, n, 1);
    return n;
  }
  errno = n == 0 ? ENOMEM : n == MG_IO_WAIT ? EAGAIN : EPIPE;
  return -1;
}

/* After a failed direct send that is not EAGAIN: the connection hands the bytes to Mongoose,
 * whose send fails too and closes it at a poll, where what the peer sent before a reset is
 * read first (hook 45): the answer of a server that refuses an upload early and resets. So
 * does a TLS connection whose socket failed (EPIPE from rmg_direct_send; nothing more can go
 * out); one whose stack could not take the record (ENOMEM) may have lost it, and closes. */
static bool rmg_direct_failed(struct mg_connection *c, const void *buf, size_t len) {
  if (!c->is_tls || errno == EPIPE) return rmg_append(c, buf, len);
  c->is_closing = 1;
  return true;
}

static bool rmg_would_block(void) {
  return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* Puts up to RMG_PIECE bytes of the queue into c->send (the socket is full: Mongoose then
 * polls for POLLOUT and writes them; MG_EV_WRITE brings us back to rmg_send_pump). */
static void rmg_piece(struct mg_connection *c, struct rmg_out *o) {
  if (o->len > o->off) {
    size_t n = o->len - o->off < RMG_PIECE ? o->len - o->off : RMG_PIECE;
    if (rmg_append(c, o->buf + o->off, n)) o->off += n;
  } else if (o->left > 0) {
    size_t want = o->left < RMG_PIECE ? (size_t) o->left : RMG_PIECE;
    struct mg_iobuf *io = &c->send;
    ssize_t n;
    if (io->size - io->len < want && !mg_iobuf_resize(io, io->len + want)) return;
    n = rmg_file_read(o, io->buf + io->len, RMG_PIECE);
    if (n <= 0) {
      rmg_file_cut(c, o, (long) n);
      return;
    }
    io->len += (size_t) n;
    rmg_file_taken(o, n);
  }
}

/* The next piece of a queued file region without sendfile(2) (over TLS the bytes must be
 * encrypted; some files refuse it): read, then sent directly (over TLS, as one record).
 * Returns as rmg_direct_send; 0 when the file ended before the region (the connection then
 * closes). */
static long rmg_file_send_piece(struct mg_connection *c, struct rmg_out *o) {
  unsigned char tmp[RMG_PIECE];
  ssize_t got = rmg_file_read(o, tmp, sizeof(tmp));
  long n;
  if (got <= 0) {
    rmg_file_cut(c, o, (long) got);
    return 0;
  }
  n = rmg_direct_send(c, tmp, (size_t) got, 0);
  if (n > 0) rmg_file_taken(o, n);
  return n;
}

/* Sends the queue directly while the socket takes it and c->send is empty. */
void rmg_send_pump(struct mg_connection *c) {
  struct rmg_out *o = rmg_out_of(c);
  if (o == NULL || c->send.len > 0 || rmg_queued(o) == 0) return;
  if (!rmg_direct_ok(c)) {
    if (!c->is_closing) rmg_piece(c, o);
    return;
  }
  while (c->send.len == 0 && rmg_queued(o) > 0) {
    long n;
    if (o->len > o->off) {
      n = rmg_direct_send(c, o->buf + o->off, o->len - o->off, 0);
      if (n > 0) o->off += (size_t) n;
    } else if (!o->no_sendfile) {
      off_t p = (off_t) o->pos;
      size_t want = o->left > (1 << 30) ? (size_t) 1 << 30 : (size_t) o->left;
      n = (long) sendfile((int) (size_t) c->fd, o->fd, &p, want);
      if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
        o->no_sendfile = 1; /* this file cannot be sent with sendfile(2): read pieces */
        continue;
      }
      if (n == 0) { /* end of file before the region's end */
        rmg_file_cut(c, o, 0);
        break;
      }
      if (n > 0) rmg_file_taken(o, n);
    } else {
      n = rmg_file_send_piece(c, o);
      if (n == 0) break; /* the file ended early: closing */
    }
    if (n < 0) {
      if (rmg_would_block()) {
        rmg_piece(c, o);
      } else {
        c->is_closing = 1; /* as Mongoose does after a failed send */
      }
      break;
    }
  }
  if (o->off == o->len) o->off = o->len = 0;
}

/* Bytes gathered for c and not sent yet. */
static size_t rmg_gathered(const struct mg_connection *c) {
  const struct rmg_loop *loop = rmg_loop_of_conn(c);
  return loop->corked == c->id ? loop->gathered : 0;
}

/* Bytes waiting to be sent: what was gathered, c->send, the queue and the rest of a queued file. */
size_t rmg_send_pending(struct mg_connection *c) {
  return rmg_gathered(c) + c->send.len + rmg_queued(rmg_out_of(c));
}

/* Sends what was gathered for c as any write (the socket takes it, or the rest is queued);
 * c stays corked. false when out of memory. */
static bool rmg_gather_flush(struct mg_connection *c) {
  struct rmg_loop *loop = rmg_loop_of_conn(c);
  size_t n = loop->gathered;
  bool ok;
  if (n == 0) return true;
  loop->gathered = 0;
  loop->corked = 0; /* rmg_send_bytes sends it now */
  ok = rmg_send_bytes(c, loop->gather, n, false);
  loop->corked = c->id;
  return ok;
}

/* A write of a corked connection: 1 gathered, 0 out of memory, -1 to be written as usual
 * (after what was gathered, which is sent first). Gathered bytes always come before anything
 * in c->send or the queue: gathering only starts when both are empty. */
static int rmg_gather(struct mg_connection *c, const void *buf, size_t len) {
  struct rmg_loop *loop = rmg_loop_of_conn(c);
  if (loop->gathered + len > RMG_GATHER && !rmg_gather_flush(c)) return 0;
  if (len > RMG_GATHER / 2 || c->send.len > 0 || rmg_queued(rmg_out_of(c)) > 0 || !rmg_direct_ok(c)) {
    return rmg_gather_flush(c) ? -1 : 0; /* large already, or the socket is full: as usual */
  }
  if (loop->gather == NULL) {
    loop->gather = (unsigned char *) rmg_alloc(RMG_GATHER);
    if (loop->gather == NULL) return -1;
  }
  memcpy(loop->gather + loop->gathered, buf, len);
  loop->gathered += len;
  return 1;
}

/* RMG_OP_CORK: c's next writes are gathered (one connection per loop at a time; a second
 * cork while one is on is ignored, and that connection's writes go out as usual). */
void rmg_send_cork(struct mg_connection *c) {
  struct rmg_loop *loop = rmg_loop_of_conn(c);
  if (loop->corked == 0 && rmg_direct_ok(c) && !c->is_tls) loop->corked = c->id; /* TLS: records of 16 KiB anyway */
}

/* RMG_OP_UNCORK: sends what was gathered and stops gathering. A connection that began closing
 * meanwhile drops it, as Mongoose drops the rest of its output; one whose queue cannot grow
 * is closed (its response cannot be completed). */
void rmg_send_uncork(struct mg_connection *c) {
  struct rmg_loop *loop = rmg_loop_of_conn(c);
  if (loop->corked != c->id) return;
  if (c->is_closing) loop->gathered = 0;
  if (!rmg_gather_flush(c)) c->is_closing = 1; /* the flush leaves nothing gathered */
  loop->corked = 0;
}

void rmg_send_uncork_gone(struct rmg_loop *loop, unsigned long id) {
  if (loop->corked == id) {
    loop->corked = 0;
    loop->gathered = 0;
  }
}

/* Sends or queues bytes in order after everything pending. With more, the caller writes more
 * bytes right after (a head before its body): the kernel holds a partial segment back
 * (MSG_MORE) so that head and body leave in the same packets. */
bool rmg_send_bytes(struct mg_connection *c, const void *buf, size_t len, bool more) {
  const unsigned char *p = (const unsigned char *) buf;
  struct rmg_out *o;
  if (c->is_udp) return rmg_append(c, buf, len); /* mg_send: sent at once */
  c->data[1] |= RMG_CF2_ACTIVE;
  if (len == 0) return true;
  if (rmg_loop_of_conn(c)->corked == c->id) {
    int g = rmg_gather(c, buf, len);
    if (g >= 0) return g == 1;
  }
  o = rmg_out_of(c);
  if (!rmg_direct_ok(c) && (o == NULL || rmg_queued(o) == 0)) return rmg_append(c, p, len);
  if (o != NULL && o->left > 0 && !rmg_file_to_bytes(o)) return false;
  if (c->is_tls && rmg_queued(o) == 0 && rmg_direct_ok(c)) {
    long n = 0;
    /* a head waits in c->send for its body, so that both leave in one record */
    if (more && c->send.len + len <= RMG_PIECE) return rmg_append(c, p, len);
    if (c->send.len > 0 && !c->is_tls_throttled) {
      /* what waits in c->send (a head, a small earlier write) goes first, topped up with
       * the start of these bytes to one record */
      size_t k = c->send.len < RMG_PIECE ? RMG_PIECE - c->send.len : 0;
      if (k > len) k = len;
      if (!rmg_append(c, p, k)) return false;
      p += k;
      len -= k;
      n = rmg_direct_send(c, c->send.buf, c->send.len, 0);
      if (n >= (long) c->send.len) {
        c->send.len = 0;
      } else if (n > 0) {
        mg_iobuf_del(&c->send, 0, (size_t) n);
      } else if (!rmg_would_block()) {
        return rmg_direct_failed(c, p, len);
      }
    }
    while (len > 0 && c->send.len == 0 && (n = rmg_direct_send(c, p, len, 0)) > 0) {
      p += n;
      len -= (size_t) n;
    }
    if (n < 0 && !rmg_would_block()) return rmg_direct_failed(c, p, len);
    if (len == 0) return true;
  } else if (c->send.len == 0 && rmg_queued(o) == 0 && rmg_direct_ok(c)) {
    long n = rmg_sock_send(c, p, len, more ? MSG_MORE : 0);
    if (n > 0) {
      p += n;
      len -= (size_t) n;
    } else if (n < 0 && !rmg_would_block()) {
      /* a broken connection: hand the bytes to Mongoose, whose send fails and closes it */
      return rmg_append(c, p, len);
    }
    if (len == 0) return true;
  }
  if (rmg_queued(o) == 0 && c->send.len + len <= RMG_PIECE) return rmg_append(c, p, len);
  if (c->send.len == 0) {
    /* the socket is full: one piece in c->send so that Mongoose waits for POLLOUT */
    size_t n = len < RMG_PIECE ? len : RMG_PIECE;
    if (!rmg_append(c, p, n)) return false;
    p += n;
    len -= n;
  }
  o = rmg_out_get(c);
  return o != NULL && rmg_queue_bytes(o, p, len);
}

/* Opens a regular file for rmg_send_file: the fd, or -errno (-EISDIR, -EINVAL for another
 * kind of file). */
int rmg_send_open(const char *path) {
  struct stat st;
  /* O_NONBLOCK: opening a FIFO without a writer would block the poll thread until one came
   * (a regular file, the only kind served, ignores the flag) */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return -errno;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
  }
  return fd;
}

/* Queues count bytes of the open file fd (owned from now on) from pos, after everything
 * pending, and starts sending. 0, or -ENOMEM. */
int rmg_send_file(struct mg_connection *c, int fd, int64_t pos, int64_t count) {
  struct rmg_out *o;
  if (count <= 0 || pos < 0) {
    close(fd);
    return 0;
  }
  if (rmg_gathered(c) > 0 && !rmg_gather_flush(c)) {
    close(fd);
    return -ENOMEM;
  }
  o = rmg_out_get(c);
  if (o == NULL || (o->left > 0 && !rmg_file_to_bytes(o))) {
    close(fd);
    return -ENOMEM;
  }
  o->fd = fd;
  o->pos = pos;
  o->left = count;
  o->no_sendfile = !rmg_direct_ok(c) || c->is_tls || c->is_hexdumping; /* a wiretap sees every byte */
  if (!c->is_udp) c->data[1] |= RMG_CF2_ACTIVE;
  rmg_send_pump(c);
  return 0;
}

/* Moves everything queued into c->send, for writers that append to c->send themselves
 * (the 413/431/400 answers, the WebSocket handshake). */
void rmg_send_flush(struct mg_connection *c) {
  struct rmg_out *o;
  rmg_send_uncork(c); /* the other writer appends to c->send: nothing may be gathered after it */
  o = rmg_out_of(c);
  if (o == NULL || rmg_queued(o) == 0) return;
  if (o->left > 0 && !rmg_file_to_bytes(o)) {
    rmg_file_done(o);
    c->is_closing = 1;
    return;
  }
  if (rmg_append(c, o->buf + o->off, o->len - o->off)) o->off = o->len = 0;
}

/* MG_EV_CLOSE: frees the queue and closes its file. */
void rmg_send_close(struct mg_connection *c) {
  struct rmg_out *o = rmg_out_of(c);
  rmg_send_uncork_gone(rmg_loop_of_conn(c), c->id);
  if (o == NULL) return;
  rmg_file_done(o);
  rmg_free(o->buf);
  rmg_free(o);
  rmg_table_del(rmg_outs(c), c->id);
  c->data[1] &= (uint8_t) ~RMG_CF2_QUEUE;
}

/* Bytes of buffers released since the heap was last trimmed (one poll thread per loop). */
static size_t s_released;

static void rmg_release(struct mg_iobuf *io) {
  /* mg_free directly: mg_iobuf_free would zero it byte by byte first, and it holds nothing */
  __atomic_add_fetch(&s_released, io->size, __ATOMIC_RELAXED);
  mg_free(io->buf);
  io->buf = NULL;
  io->size = 0;
}

/* Whether the peer took bytes of the socket's send buffer since the last call: its
 * unacknowledged bytes (SIOCOUTQ) fell. Linux reports a full socket writable (MG_EV_WRITE) only
 * once a third of its buffer is free, which a slow reader of a buffer grown to megabytes takes
 * seconds to free. Elsewhere false: MG_EV_WRITE alone counts. */
static bool rmg_kernel_moved(struct mg_connection *c, struct rmg_out *o) {
#ifdef __linux__
  int n = 0;
  bool moved;
  if (ioctl((int) (size_t) c->fd, SIOCOUTQ, &n) != 0 || n < 0) return false;
  moved = (size_t) n < o->kernel;
  o->kernel = (size_t) n;
  return moved;
#else
  (void) c;
  (void) o;
  return false;
#endif
}

/* The write timeout (rmg_opts.write_timeout_ms), on idle ticks: output that has waited that
 * long without a byte of it going out closes the connection, with a reset and an error that
 * says so. Bytes going out start the wait again: MG_EV_WRITE, as whatever moves after the socket
 * was full goes through c->send first (rmg_piece), and on Linux the socket's own queue
 * shrinking between two ticks (rmg_kernel_moved). A peer that reads a byte now and then through
 * a tiny window (the slow-read attack) moves neither: the kernel frees room in a full send
 * buffer only as segments are acknowledged, and the reader's kernel opens its window again only
 * once a segment's worth (or half its buffer) was read. A connection's own timeout
 * (rmg_send_timeout) replaces its listener's. */
static void rmg_send_stall(struct mg_connection *c, uint64_t now) {
  const struct rmg_opts *opts = (const struct rmg_opts *) c->fn_data;
  struct rmg_out *o = rmg_out_of(c);
  uint64_t limit = o != NULL && o->timeout_ms != 0 ? o->timeout_ms : opts != NULL ? opts->write_timeout_ms : 0;
  size_t pending;
  if (limit == 0 || c->is_closing) return;
  pending = rmg_send_pending(c);
  if (pending == 0) {
    if (o != NULL) o->stalled = 0;
    return;
  }
  if (o == NULL && (o = rmg_out_get(c)) == NULL) return;
  if (rmg_kernel_moved(c, o) || o->stalled == 0) {
    o->stalled = now;
  } else if (now - o->stalled >= limit) {
    char msg[128];
    struct linger reset = {1, 0};
    snprintf(msg, sizeof(msg), "write timeout: the peer took none of %zu bytes for %llu ms", pending,
             (unsigned long long) (now - o->stalled));
    /* a reset, not a FIN behind the unsent bytes: the kernel would otherwise keep the socket
     * and its full send buffer, dribbling them out to the same peer for minutes */
    setsockopt((int) (size_t) c->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    rmg_record_error(&rmg_loop_of_conn(c)->ev, c, RMG_ERROR_WRITE_TIMEOUT, 0, msg); /* in a poll */
    c->is_closing = 1;
  }
}

bool rmg_send_timeout(struct mg_connection *c, uint64_t ms) {
  struct rmg_out *o;
  if (c->is_udp || (o = rmg_out_get(c)) == NULL) return false;
  o->timeout_ms = ms;
  return true;
}

/* MG_EV_WRITE: Mongoose sent n bytes of c->send. */
void rmg_send_wrote(struct mg_connection *c, long n) {
  struct rmg_out *o = rmg_out_of(c);
  if (o != NULL && n > 0) o->stalled = 0;
}

/* Idle ticks: every RMG_IDLE_MS / 2 of poll time. A connection with no activity (ACTIVE) over
 * two ticks is idle. The tick of the current mg_mgr_poll iteration is per poll thread (one loop
 * per thread), so no per-connection time stamp is needed. */
static __thread uint64_t t_iter_now, t_tick;
static __thread int t_ticked;

static int rmg_idle_tick(uint64_t now) {
  if (now != t_iter_now) { /* a new iteration (or a new millisecond of the same one) */
    uint64_t tick = now / (RMG_IDLE_MS / 2);
    t_ticked = tick != t_tick;
    t_tick = tick;
    t_iter_now = now;
  }
  return t_ticked;
}

/* MG_EV_POLL: a connection idle for RMG_IDLE_MS to 1.5 x RMG_IDLE_MS with nothing buffered
 * gives its buffers back (Mongoose keeps a MG_IO_SIZE receive buffer per connection forever
 * otherwise). Mongoose allocates recv again at the next read (ioalloc grows when size <= len)
 * and send at the next write; a WebSocket keeps no state in an empty recv. */
void rmg_send_idle(struct mg_connection *c, uint64_t now) {
  struct rmg_out *o;
  if (c->is_listening || c->is_udp || !rmg_idle_tick(now)) return;
  rmg_send_stall(c, now);
  if (c->data[1] & RMG_CF2_ACTIVE) {
    c->data[1] &= (uint8_t) ~(RMG_CF2_ACTIVE | RMG_CF2_AGED);
    return;
  }
  o = rmg_out_of(c);
  if (c->recv.size == 0 && c->send.size == 0 && o == NULL) return; /* lean already */
  if (c->is_resp || c->recv.len > 0 || c->send.len > 0 || rmg_queued(o) > 0 || c->is_closing) {
    return;
  }
  if (!(c->data[1] & RMG_CF2_AGED)) {
    c->data[1] |= RMG_CF2_AGED; /* quiet for one tick: released at the next one */
    return;
  }
  if (c->recv.size > 0) rmg_release(&c->recv);
  if (c->send.size > 0) rmg_release(&c->send);
  if (o != NULL) {
    __atomic_add_fetch(&s_released, o->size + sizeof(*o), __ATOMIC_RELAXED);
    rmg_send_close(c);
  }
  if (__atomic_load_n(&s_released, __ATOMIC_RELAXED) >= RMG_TRIM_BYTES) {
    /* the freed blocks sit between live ones: only malloc_trim returns their pages */
    __atomic_store_n(&s_released, 0, __ATOMIC_RELAXED);
    malloc_trim(0);
  }
}

/* Bytes of buffers the connection holds: recv, send and the queue. */
size_t rmg_send_held(struct mg_connection *c) {
  struct rmg_out *o = rmg_out_of(c);
  return c->recv.size + c->send.size + (o == NULL ? 0 : o->size + sizeof(*o));
}

/* MG_EV_READ: the connection is active (rmg_send_idle). */
void rmg_send_touch(struct mg_connection *c) {
  if (!c->is_udp) c->data[1] |= RMG_CF2_ACTIVE;
}
