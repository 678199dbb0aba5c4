/*
 * reactor-mongoose: library entry points. JNI_OnLoad registers the natives of every Java
 * peer and the event functions of every connection kind; nothing else lives here, and no
 * other file calls into this one (it is the top of the call graph, see rmg_jni.h).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "rmg_jni.h"

static const struct rmg_natives *const s_peers[] = {
    &rmg_constants_natives, /* first: NativeConstants loads the library */
    &rmg_loop_natives,
    &rmg_conn_natives,
    &rmg_ws_natives,
    &rmg_udp_natives,
    &rmg_sntp_natives,
    &rmg_tls_natives,
};
#define RMG_PEERS ((int) (sizeof(s_peers) / sizeof(s_peers[0])))

static int rmg_register(JNIEnv *env, const struct rmg_natives *n) {
  jclass c = (*env)->FindClass(env, n->cls);
  int rc;
  if (c == NULL) return -1;
  rc = (*env)->RegisterNatives(env, c, n->methods, n->count);
  (*env)->DeleteLocalRef(env, c);
  return rc == 0 ? 0 : -1;
}

static void rmg_unregister(JNIEnv *env, const struct rmg_natives *n) {
  jclass c = (*env)->FindClass(env, n->cls);
  if (c != NULL) {
    (*env)->UnregisterNatives(env, c);
    (*env)->DeleteLocalRef(env, c);
  } else {
    (*env)->ExceptionClear(env);
  }
}

JNIEXPORT jint JNI_OnLoad(JavaVM *vm, void *reserved) {
  JNIEnv *env = NULL;
  int i, j;
  (void) reserved;
  if ((*vm)->GetEnv(vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) return JNI_ERR;
  rmg_log_level(MG_LL_NONE); /* Mongoose logs at DEBUG by default; off unless asked */
  rmg_tls_clock_init();
  (void) rmg_gcm_fast(); /* decided once, before any poll thread seals a record */
  rmg_conn_init(env);
  rmg_loop_set_kind(RMG_KIND_TCP, &rmg_tcp_kind);
  rmg_loop_set_kind(RMG_KIND_HTTP, &rmg_http_kind);
  rmg_loop_set_kind(RMG_KIND_UDP, &rmg_udp_kind);
  for (i = 0; i < RMG_PEERS; i++) {
    if (rmg_register(env, s_peers[i]) != 0) {
      /* undo, with the pending error set aside (no JNI call may run while it is pending) */
      jthrowable e = (*env)->ExceptionOccurred(env);
      (*env)->ExceptionClear(env);
      for (j = i - 1; j >= 0; j--) rmg_unregister(env, s_peers[j]);
      if (e != NULL) (*env)->Throw(env, e);
      return JNI_ERR;
    }
  }
  return JNI_VERSION_1_8;
}

JNIEXPORT void JNI_OnUnload(JavaVM *vm, void *reserved) {
  JNIEnv *env = NULL;
  int i;
  (void) reserved;
  if ((*vm)->GetEnv(vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) return;
  for (i = RMG_PEERS - 1; i >= 0; i--) rmg_unregister(env, s_peers[i]);
}
