/*
 * reactor-mongoose: the constants Java reads by name at class initialisation, the
 * allocation and loop counters, the errno messages and the one table of HTTP reason
 * phrases (peer: internal/jni/NativeConstants).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#define _DEFAULT_SOURCE 1 /* strerror_r (XSI form) under -std=c11 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "rmg_jni.h"

struct rmg_constant {
  const char *name;
  jlong value;
};

#define RMG_C(x) {#x, (jlong) (x)}
static const struct rmg_constant s_constants[] = {
    RMG_C(RMG_REC_TYPE),
    RMG_C(RMG_REC_LENGTH),
    RMG_C(RMG_REC_ID),
    RMG_C(RMG_REC_ARG),
    RMG_C(RMG_RECORD_HEADER),
    RMG_C(RMG_RECORD_ALIGN),
    RMG_C(RMG_ADDR_SIZE),
    RMG_C(RMG_ADDR_FAMILY),
    RMG_C(RMG_ADDR_PORT),
    RMG_C(RMG_ADDR_IP),
    RMG_C(RMG_ADDR_IPV6),
    RMG_C(RMG_POLL_LENGTH_MASK),
    RMG_C(RMG_POLL_ARENA_MOVED),
    RMG_C(RMG_POLL_RECORD_LOST),
    RMG_C(RMG_ERR_ERRNO_BASE),
    RMG_C(EADDRINUSE),
    RMG_C(EACCES),
    RMG_C(ESTALE),
    RMG_C(EADDRNOTAVAIL),
    RMG_C(ECONNREFUSED),
    RMG_C(ECONNRESET),
    RMG_C(RMG_EV_ACCEPT),
    RMG_C(RMG_EV_CONNECT),
    RMG_C(RMG_EV_READ),
    RMG_C(RMG_EV_WRITABLE),
    RMG_C(RMG_EV_CLOSE),
    RMG_C(RMG_EV_ERROR),
    RMG_C(RMG_ERROR_SOCKET),
    RMG_C(RMG_ERROR_WRITE_TIMEOUT),
    RMG_C(RMG_ERROR_TLS),
    RMG_C(RMG_ERROR_FILE_CUT),
    RMG_C(RMG_EV_HTTP_MSG),
    RMG_C(RMG_EV_WS_MSG),
    RMG_C(RMG_EV_WS_CTL),
    RMG_C(RMG_EV_REJECTED),
    RMG_C(RMG_EV_DRAINED),
    RMG_C(RMG_EV_WIRE),
    RMG_C(RMG_EV_READ_END),
    RMG_C(RMG_EV_WRITE_END),
    RMG_C(RMG_WIRE_WRITTEN),
    RMG_C(RMG_EV_DATAGRAM),
    RMG_C(RMG_EV_UDP_ERROR),
    RMG_C(RMG_EV_SNTP_TIME),
    RMG_C(RMG_EV_SNTP_BAD),
    RMG_C(EAGAIN),
    RMG_C(ENOBUFS),
    RMG_C(EMSGSIZE),
    RMG_C(RMG_EV_TLS_PEER),
    RMG_C(RMG_EV_TLS_DONE),
    RMG_C(RMG_HTTP_STREAMED),
    RMG_C(RMG_HTTP_EMPTY_QUERY),
    RMG_C(RMG_EV_HTTP_BODY),
    RMG_C(RMG_EV_HTTP_END),
    RMG_C(RMG_EV_HTTP_BODY_STAGED),
    RMG_C(RMG_LISTEN_EXCLUSIVE),
    RMG_C(RMG_LISTEN_SHARE_FIRST),
    RMG_C(RMG_LISTEN_SHARE_JOIN),
    RMG_C(RMG_KIND_TCP),
    RMG_C(RMG_KIND_HTTP),
    RMG_C(RMG_KIND_UDP),
    RMG_C(RMG_PROXY_ON),
    RMG_C(RMG_PROXY_AUTO),
    RMG_C(RMG_WS_F_DEFLATE),
    RMG_C(RMG_WS_F_OWN_PING),
    RMG_C(RMG_OP_CLOSE),
    RMG_C(RMG_OP_DRAIN),
    RMG_C(RMG_OP_PAUSE),
    RMG_C(RMG_OP_RESUME),
    RMG_C(RMG_OP_NOTIFY_WRITABLE),
    RMG_C(RMG_OP_HTTP_END),
    RMG_C(RMG_OP_MORE),
    RMG_C(RMG_OP_CORK),
    RMG_C(RMG_OP_UNCORK),
    RMG_C(RMG_OP_WIRETAP),
    RMG_C(RMG_OP_INTERIM),
    RMG_C(RMG_OP_CLOSE_IDLE),
    RMG_C(RMG_OP_HALF_CLOSE),
    RMG_C(RMG_OP_SHUT_WR),
    RMG_C(RMG_OP_TLS_ALERT),
    RMG_C(RMG_OP_ALERT_SHIFT),
    RMG_C(RMG_ERR_NO_CONN),
    RMG_C(RMG_ERR_OOM),
    RMG_C(RMG_ERR_BAD_ARG),
    RMG_C(RMG_ERR_LISTEN),
    RMG_C(RMG_ERR_CONNECT),
    RMG_C(RMG_ERR_CLOSING),
    RMG_C(RMG_ERR_OUTPUT_SHUT),
    RMG_C(RMG_ERR_UNSUPPORTED),
    RMG_C(WEBSOCKET_OP_CONTINUE),
    RMG_C(WEBSOCKET_OP_TEXT),
    RMG_C(WEBSOCKET_OP_BINARY),
    RMG_C(WEBSOCKET_OP_CLOSE),
    RMG_C(WEBSOCKET_OP_PING),
    RMG_C(WEBSOCKET_OP_PONG),
    RMG_C(MG_MAX_HTTP_HEADERS),
    RMG_C(MG_MAX_RECV_SIZE),
    RMG_C(MG_IO_SIZE),
    RMG_C(MG_ENABLE_EPOLL),
    RMG_C(MG_ENABLE_DIRLIST),
    RMG_C(MG_LL_NONE),
    RMG_C(MG_LL_ERROR),
    RMG_C(MG_LL_INFO),
    RMG_C(MG_LL_DEBUG),
    RMG_C(MG_LL_VERBOSE),
};

static jlong JNICALL rmg_constants_constant(JNIEnv *env, jclass cls, jstring name) {
  const char *s;
  size_t i;
  jlong v = 0;
  int found = 0;
  (void) cls;
  if (name == NULL) {
    rmg_throw(env, "java/lang/NullPointerException", "name");
    return 0;
  }
  s = (*env)->GetStringUTFChars(env, name, NULL);
  if (s == NULL) return 0;
  for (i = 0; i < sizeof(s_constants) / sizeof(s_constants[0]); i++) {
    if (strcmp(s_constants[i].name, s) == 0) {
      v = s_constants[i].value;
      found = 1;
      break;
    }
  }
  if (!found) {
    char msg[160];
    snprintf(msg, sizeof(msg), "unknown native constant %s", s);
    (*env)->ReleaseStringUTFChars(env, name, s);
    rmg_throw(env, "java/lang/IllegalArgumentException", msg);
    return 0;
  }
  (*env)->ReleaseStringUTFChars(env, name, s);
  return v;
}

static jstring JNICALL rmg_constants_mongooseVersion(JNIEnv *env, jclass cls) {
  (void) cls;
  return (*env)->NewStringUTF(env, MG_VERSION);
}

static jstring JNICALL rmg_constants_errnoMessage(JNIEnv *env, jclass cls, jint err) {
  char buf[256];
  (void) cls;
  buf[0] = '\0';
  if (strerror_r(err, buf, sizeof(buf)) != 0 || buf[0] == '\0') snprintf(buf, sizeof(buf), "errno %d", (int) err);
  return (*env)->NewStringUTF(env, buf);
}

/* The one table of HTTP reason phrases (Java caches it at class initialisation): the IANA
 * registry's, and for a code it lacks the class's phrase as Netty gives (never NULL). */
const char *rmg_reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot"; /* IANA: "(Unused)"; the phrase of RFC 2324, Spring's and Go's */
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    default: break;
  }
  switch (status / 100) {
    case 1: return "Informational";
    case 2: return "Success";
    case 3: return "Redirection";
    case 4: return "Client Error";
    case 5: return "Server Error";
    default: return "Unknown Status";
  }
}

static jstring JNICALL rmg_constants_reasonPhrase(JNIEnv *env, jclass cls, jint status) {
  const char *r = rmg_reason_phrase((int) status);
  (void) cls;
  return r == NULL ? NULL : (*env)->NewStringUTF(env, r);
}

static jlong JNICALL rmg_constants_liveAllocations(JNIEnv *env, jclass cls) {
  (void) env, (void) cls;
  return (jlong) rmg_live_allocations();
}

static jlong JNICALL rmg_constants_liveBytes(JNIEnv *env, jclass cls) {
  (void) env, (void) cls;
  return (jlong) rmg_live_bytes();
}

static jlong JNICALL rmg_constants_liveLoops(JNIEnv *env, jclass cls) {
  (void) env, (void) cls;
  return (jlong) rmg_live_loops();
}

static void rmg_log_discard(char c, void *param) {
  (void) c, (void) param;
}

/* Mongoose's level only guards MG_LOG: mg_hexdump (called on an unparsable HTTP request, with
 * up to 16 bytes the client sent) writes to the log function whatever the level. So below
 * MG_LL_ERROR the function itself discards, and nothing the peer sent reaches stdout. */
void rmg_log_level(int level) {
  mg_log_set(level);
  mg_log_set_fn(level > MG_LL_NONE ? mg_pfn_stdout : rmg_log_discard, NULL);
}

static void JNICALL rmg_constants_logLevel(JNIEnv *env, jclass cls, jint level) {
  (void) env, (void) cls;
  rmg_log_level(level);
}

/* Which code seals and opens TLS records, decided at load: 0 Mongoose's, 1 rmg_gcm.c with AES-NI
 * on 128-bit registers, 2 the same with VAES on 256-bit ones. */
static jint JNICALL rmg_constants_gcmPath(JNIEnv *env, jclass cls) {
  (void) env, (void) cls;
  return rmg_gcm_fast() ? (rmg_gcm_wide() ? 2 : 1) : 0;
}

static const JNINativeMethod s_methods[] = {
    {"constant", "(Ljava/lang/String;)J", (void *) rmg_constants_constant},
    {"mongooseVersion", "()Ljava/lang/String;", (void *) rmg_constants_mongooseVersion},
    {"liveAllocations", "()J", (void *) rmg_constants_liveAllocations},
    {"liveBytes", "()J", (void *) rmg_constants_liveBytes},
    {"liveLoops", "()J", (void *) rmg_constants_liveLoops},
    {"logLevel", "(I)V", (void *) rmg_constants_logLevel},
    {"errnoMessage", "(I)Ljava/lang/String;", (void *) rmg_constants_errnoMessage},
    {"reasonPhrase", "(I)Ljava/lang/String;", (void *) rmg_constants_reasonPhrase},
    {"gcmPath", "()I", (void *) rmg_constants_gcmPath},
};

const struct rmg_natives rmg_constants_natives = RMG_NATIVES("NativeConstants", s_methods);
