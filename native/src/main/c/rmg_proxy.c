/*
 * The PROXY protocol (HAProxy's, versions 1 and 2) in front of accepted connections of a
 * listener that asks for it (rmg_opts.proxy, set by LoopNative.proxyProtocol): a load balancer
 * that speaks it starts every connection with a header naming the client's address, which then
 * becomes the connection's remote address (c->rem).
 *
 * While the header is awaited, the connection is the glue's alone: Java has not heard of it
 * (its ACCEPT record waits), Mongoose's protocol handler (c->pfn, e.g. the HTTP parser) is
 * replaced by rmg_proxy_guard, which sees the bytes first, and a listener with TLS has not
 * started the handshake (the header comes before the ClientHello). Once the header is whole
 * it is taken out of recv, the ACCEPT record goes up with the header's source address, TLS
 * starts (the bytes after the header are the handshake's), the protocol handler is put back
 * and sees the rest. A malformed header, or none where one is required, closes the
 * connection without an answer; so does a header that has not come whole by the deadline
 * (the listener's request head timeout, else RMG_PROXY_WAIT_MS), or by the time its listener
 * closes. At most proxy_max_pending connections of a listener await their header at once
 * (Java sets it to the server's maxConnections); one more is closed when it is accepted.
 *
 * Reference: https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "rmg_jni.h"
#include "rmg_records.h"

#include <arpa/inet.h>

/* c->data[RMG_PROXY_AT..+7] while the header is awaited: its deadline (mg_millis). The body
 * bytes of rmg_http.c (data[8..15]) are unused until a request has begun. */
#define RMG_PROXY_AT 8
#define RMG_PROXY_WAIT_MS 10000

static const unsigned char s_v2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                           0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
static const char s_v1_sig[6] = {'P', 'R', 'O', 'X', 'Y', ' '};

/* Whether the first n bytes of buf are a prefix of sig (n may exceed its length). */
static int rmg_proxy_prefix(const unsigned char *buf, size_t n, const void *sig, size_t len) {
  return memcmp(buf, sig, n < len ? n : len) == 0;
}

/* A decimal port: 1 to 5 digits, at most 65535. */
static int rmg_proxy_port(const char *s, size_t n, uint16_t *port) {
  unsigned long v = 0;
  size_t i;
  if (n == 0 || n > 5) return -1;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (unsigned long) (s[i] - '0');
  }
  if (v > 65535) return -1;
  *port = (uint16_t) v;
  return 0;
}

/* An address of the family: IPv4 dotted quad or IPv6 text (inet_pton's forms). */
static int rmg_proxy_ip(const char *s, size_t n, int ip6, struct mg_addr *a) {
  char tmp[INET6_ADDRSTRLEN + 1];
  if (n == 0 || n >= sizeof(tmp)) return -1;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  memset(a, 0, sizeof(*a));
  a->is_ip6 = ip6 != 0;
  return inet_pton(ip6 ? AF_INET6 : AF_INET, tmp, a->addr.ip) == 1 ? 0 : -1;
}

/* Version 1: "PROXY TCP4|TCP6 src dst sport dport\r\n" or "PROXY UNKNOWN ...\r\n", at most
 * RMG_PROXY_V1_MAX bytes. */
static int rmg_proxy_v1(const unsigned char *buf, size_t len, struct mg_addr *src, int *has_src) {
  const char *s = (const char *) buf, *f[6];
  size_t end, i, fl[6], nf = 0, at;
  int ip6;
  uint16_t port, dst_port;
  struct mg_addr dst;
  for (end = 0; end + 1 < len && end + 2 <= RMG_PROXY_V1_MAX; end++) {
    if (s[end] == '\r' && s[end + 1] == '\n') break;
  }
  if (end + 1 >= len || s[end] != '\r' || s[end + 1] != '\n') {
    return len >= RMG_PROXY_V1_MAX ? RMG_PROXY_BAD : RMG_PROXY_MORE;
  }
  /* fields separated by single spaces: PROXY, protocol, then 4 for TCP4/TCP6 */
  for (at = 0, i = 0; i <= end; i++) {
    if (i == end || s[i] == ' ') {
      if (nf == 6) return RMG_PROXY_BAD;
      f[nf] = s + at;
      fl[nf++] = i - at;
      at = i + 1;
      if (nf == 2 && fl[1] == 7 && memcmp(f[1], "UNKNOWN", 7) == 0) {
        *has_src = 0; /* the rest of the line is to be ignored */
        return (int) (end + 2);
      }
    }
  }
  if (nf != 6 || fl[1] != 4 || (memcmp(f[1], "TCP4", 4) != 0 && memcmp(f[1], "TCP6", 4) != 0)) {
    return RMG_PROXY_BAD;
  }
  ip6 = f[1][3] == '6';
  /* source and destination address, source and destination port; only the source is kept */
  if (rmg_proxy_ip(f[2], fl[2], ip6, src) != 0 || rmg_proxy_ip(f[3], fl[3], ip6, &dst) != 0 ||
      rmg_proxy_port(f[4], fl[4], &port) != 0 || rmg_proxy_port(f[5], fl[5], &dst_port) != 0) {
    return RMG_PROXY_BAD;
  }
  src->port = mg_htons(port);
  *has_src = 1;
  return (int) (end + 2);
}

/* Version 2: the signature, version 2 + command, family + transport, a 16-bit length, the
 * addresses and TLVs (ignored). */
static int rmg_proxy_v2(const unsigned char *buf, size_t len, struct mg_addr *src, int *has_src) {
  size_t n;
  if (len < 16) return RMG_PROXY_MORE;
  n = ((size_t) buf[14] << 8) | buf[15];
  if ((buf[12] >> 4) != 2 || (buf[12] & 15) > 1 || 16 + n > RMG_PROXY_V2_MAX) return RMG_PROXY_BAD;
  if (len < 16 + n) return RMG_PROXY_MORE;
  *has_src = 0;
  if ((buf[12] & 15) == 0) return (int) (16 + n); /* LOCAL: the proxy's own connection */
  switch (buf[13] >> 4) {
    case 0: /* UNSPEC */
      break;
    case 1: /* INET: src, dst, src port, dst port */
      if (n < 12) return RMG_PROXY_BAD;
      memset(src, 0, sizeof(*src));
      memcpy(src->addr.ip, buf + 16, 4);
      memcpy(&src->port, buf + 24, 2); /* network order, as mg_addr keeps it */
      *has_src = 1;
      break;
    case 2: /* INET6 */
      if (n < 36) return RMG_PROXY_BAD;
      memset(src, 0, sizeof(*src));
      memcpy(src->addr.ip, buf + 16, 16);
      memcpy(&src->port, buf + 48, 2);
      src->is_ip6 = true;
      *has_src = 1;
      break;
    case 3: /* UNIX: no address of ours to give */
      if (n < 216) return RMG_PROXY_BAD;
      break;
    default:
      return RMG_PROXY_BAD;
  }
  return (int) (16 + n);
}

int rmg_proxy_parse(const unsigned char *buf, size_t len, struct mg_addr *src, int *has_src) {
  *has_src = 0;
  if (len == 0) return RMG_PROXY_MORE;
  if (rmg_proxy_prefix(buf, len, s_v1_sig, sizeof(s_v1_sig))) {
    return len < sizeof(s_v1_sig) ? RMG_PROXY_MORE : rmg_proxy_v1(buf, len, src, has_src);
  }
  if (rmg_proxy_prefix(buf, len, s_v2_sig, sizeof(s_v2_sig))) {
    return len < sizeof(s_v2_sig) ? RMG_PROXY_MORE : rmg_proxy_v2(buf, len, src, has_src);
  }
  return RMG_PROXY_NONE;
}

/* The header is in (or, for RMG_PROXY_AUTO, none came): the connection becomes Java's. */
static void rmg_proxy_done(struct mg_connection *c, const struct rmg_opts *o, size_t consumed,
                           const struct mg_addr *src) {
  struct rmg_loop *loop = (struct rmg_loop *) c->mgr;
  rmg_proxy_close(c);
  memset(c->data + RMG_PROXY_AT, 0, 8);
  c->pfn = o->accept_pfn;
  if (consumed > 0) mg_iobuf_del(&c->recv, 0, consumed);
  if (src != NULL) c->rem = *src;
  rmg_record_addrs(&loop->ev, RMG_EV_ACCEPT, c, (int64_t) o->listener_id);
  if (o->tls != NULL) {
    rmg_tls_accept(c, o->tls);
    if (c->recv.len > 0) {
      /* what came after the header is the start of the handshake: it belongs in the TLS
       * input (Mongoose's next poll sees it there and goes on with the handshake) */
      if (mg_iobuf_add(&c->rtls, c->rtls.len, c->recv.buf, c->recv.len) == 0) {
        mg_error(c, "OOM");
        return;
      }
      c->recv.len = 0;
    }
  }
}

/* c->pfn while the header is awaited. Only reads matter; the other events wait, so that
 * the protocol handler sees nothing of a connection Java does not know yet. */
static void rmg_proxy_guard(struct mg_connection *c, int ev, void *ev_data) {
  const struct rmg_opts *o = (const struct rmg_opts *) c->fn_data;
  struct mg_addr src;
  int has_src, r;
  /* (rmg_proxy_done puts the handler back: this runs only while the header is awaited) */
  if (ev != MG_EV_READ || c->is_closing) return;
  r = rmg_proxy_parse(c->recv.buf, c->recv.len, &src, &has_src);
  if (r == RMG_PROXY_MORE) return;
  if (r == RMG_PROXY_BAD || (r == RMG_PROXY_NONE && o->proxy != RMG_PROXY_AUTO)) {
    c->recv.len = 0;
    c->is_closing = 1; /* no answer: whoever this is does not speak what the listener expects */
    return;
  }
  rmg_proxy_done(c, o, r == RMG_PROXY_NONE ? 0 : (size_t) r, has_src ? &src : NULL);
  if (c->pfn != NULL && c->recv.len > 0 && !c->is_closing) c->pfn(c, ev, ev_data);
}

void rmg_proxy_accept(struct mg_connection *c, struct rmg_opts *o) {
  uint64_t wait = o->head_timeout_ms > 0 ? o->head_timeout_ms : RMG_PROXY_WAIT_MS;
  uint64_t deadline = mg_millis() + wait;
  o->accept_pfn = c->pfn; /* the listener's, the same for each of its connections */
  c->pfn = rmg_proxy_guard;
  c->data[RMG_PROXY_STATE] = RMG_PROXY_PENDING;
  memcpy(c->data + RMG_PROXY_AT, &deadline, sizeof(deadline));
  /* Java counts connections (maxConnections) only once it has heard of them: the ones that
   * keep their header back are bounded here, or a client that opens many and sends nothing
   * would hold sockets past any limit until their deadlines */
  if (o->proxy_max_pending > 0 && o->proxy_pending >= o->proxy_max_pending) c->is_closing = 1;
  o->proxy_pending++;
}

int rmg_proxy_pending(const struct mg_connection *c, uint64_t now) {
  uint64_t deadline;
  if (c->data[RMG_PROXY_STATE] != RMG_PROXY_PENDING) return 0;
  if (((const struct rmg_opts *) c->fn_data)->closed) return -1; /* the server is going away */
  memcpy(&deadline, c->data + RMG_PROXY_AT, sizeof(deadline));
  return now > deadline ? -1 : 1;
}

void rmg_proxy_close(struct mg_connection *c) {
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  if (c->data[RMG_PROXY_STATE] != RMG_PROXY_PENDING) return;
  c->data[RMG_PROXY_STATE] = 0;
  if (o->proxy_pending > 0) o->proxy_pending--;
}
