/*
 * reactor-mongoose: AES-128-GCM for the records of Mongoose's built-in TLS 1.3 stack, with the
 * CPU's AES and carry-less multiply instructions (AES-NI, PCLMULQDQ). No natives.
 *
 * Mongoose encrypts a byte at a time with tables and multiplies in GF(2^128) a bit at a time:
 * about 100 MB/s, so an HTTPS download was bound by it (81 % of the server's CPU in aes_cipher
 * and gcm_mult) and a hello over HTTPS spent 15 % of its CPU there. Hooks 15 and 16 of
 * hook-mongoose.sh call rmg_gcm_seal / rmg_gcm_open in place of mg_aes_gcm_encrypt /
 * mg_aes_gcm_decrypt when rmg_gcm_fast() says so: the CPU has both instructions and this code
 * gave the same bytes as Mongoose's own on a known-answer test (the test case 4 of the GCM
 * specification) and on records of every length from 0 to 272 bytes (decided once, when the
 * library loads; a mismatch keeps Mongoose's code for the life of the process and says so on
 * stderr). RMG_SOFT_GCM=1 in the environment keeps Mongoose's code too. Java reads the
 * decision as NativeConstants.aesNiGcm().
 *
 * Only the 12-byte nonce and 16-byte key and tag of TLS 1.3's TLS_AES_128_GCM_SHA256, the one
 * suite the stack offers. The GHASH multiplication is the one of Intel's white paper "Intel
 * Carry-Less Multiplication Instruction and its Usage for Computing the GCM Mode" (bytes
 * reflected, Karatsuba-free schoolbook product, then the reduction modulo x^128+x^7+x^2+x+1).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rmg_jni.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define RMG_GCM_TARGET __attribute__((target("aes,pclmul,ssse3,sse4.1")))

struct rmg_gcm_key {
  __m128i rk[11]; /* AES-128 round keys */
  __m128i h[4];   /* the hash key H, H^2, H^3, H^4, bytes reflected */
};

#define RMG_EXPAND(i, rcon)                                                  \
  do {                                                                       \
    __m128i t = _mm_aeskeygenassist_si128(k->rk[(i) - 1], (rcon));           \
    __m128i r = k->rk[(i) - 1];                                              \
    t = _mm_shuffle_epi32(t, 0xff);                                          \
    r = _mm_xor_si128(r, _mm_slli_si128(r, 4));                              \
    r = _mm_xor_si128(r, _mm_slli_si128(r, 4));                              \
    r = _mm_xor_si128(r, _mm_slli_si128(r, 4));                              \
    k->rk[i] = _mm_xor_si128(r, t);                                          \
  } while (0)

RMG_GCM_TARGET static __m128i rmg_bswap(__m128i x) {
  return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

RMG_GCM_TARGET static __m128i rmg_aes(const struct rmg_gcm_key *k, __m128i b) {
  int i;
  b = _mm_xor_si128(b, k->rk[0]);
  for (i = 1; i < 10; i++) b = _mm_aesenc_si128(b, k->rk[i]);
  return _mm_aesenclast_si128(b, k->rk[10]);
}

/* a * b in GF(2^128), both with their bytes reflected (Intel's white paper, figure 5). */
RMG_GCM_TARGET static __m128i rmg_gfmul(__m128i a, __m128i b) {
  __m128i t2, t3, t4, t5, t6, t7, t8, t9;
  t3 = _mm_clmulepi64_si128(a, b, 0x00);
  t4 = _mm_clmulepi64_si128(a, b, 0x10);
  t5 = _mm_clmulepi64_si128(a, b, 0x01);
  t6 = _mm_clmulepi64_si128(a, b, 0x11);
  t4 = _mm_xor_si128(t4, t5);
  t5 = _mm_slli_si128(t4, 8);
  t4 = _mm_srli_si128(t4, 8);
  t3 = _mm_xor_si128(t3, t5);
  t6 = _mm_xor_si128(t6, t4);
  /* shift the 256-bit product left by one (the reflected representation) */
  t7 = _mm_srli_epi32(t3, 31);
  t8 = _mm_srli_epi32(t6, 31);
  t3 = _mm_slli_epi32(t3, 1);
  t6 = _mm_slli_epi32(t6, 1);
  t9 = _mm_srli_si128(t7, 12);
  t8 = _mm_slli_si128(t8, 4);
  t7 = _mm_slli_si128(t7, 4);
  t3 = _mm_or_si128(t3, t7);
  t6 = _mm_or_si128(t6, t8);
  t6 = _mm_or_si128(t6, t9);
  /* reduce */
  t7 = _mm_slli_epi32(t3, 31);
  t8 = _mm_slli_epi32(t3, 30);
  t9 = _mm_slli_epi32(t3, 25);
  t7 = _mm_xor_si128(t7, t8);
  t7 = _mm_xor_si128(t7, t9);
  t8 = _mm_srli_si128(t7, 4);
  t7 = _mm_slli_si128(t7, 12);
  t3 = _mm_xor_si128(t3, t7);
  t2 = _mm_srli_epi32(t3, 1);
  t4 = _mm_srli_epi32(t3, 2);
  t5 = _mm_srli_epi32(t3, 7);
  t2 = _mm_xor_si128(t2, t4);
  t2 = _mm_xor_si128(t2, t5);
  t2 = _mm_xor_si128(t2, t8);
  t3 = _mm_xor_si128(t3, t2);
  return _mm_xor_si128(t6, t3);
}

RMG_GCM_TARGET static void rmg_gcm_init(struct rmg_gcm_key *k, const unsigned char *key) {
  k->rk[0] = _mm_loadu_si128((const __m128i *) (const void *) key);
  RMG_EXPAND(1, 0x01);
  RMG_EXPAND(2, 0x02);
  RMG_EXPAND(3, 0x04);
  RMG_EXPAND(4, 0x08);
  RMG_EXPAND(5, 0x10);
  RMG_EXPAND(6, 0x20);
  RMG_EXPAND(7, 0x40);
  RMG_EXPAND(8, 0x80);
  RMG_EXPAND(9, 0x1b);
  RMG_EXPAND(10, 0x36);
  k->h[0] = rmg_bswap(rmg_aes(k, _mm_setzero_si128()));
  k->h[1] = rmg_gfmul(k->h[0], k->h[0]);
  k->h[2] = rmg_gfmul(k->h[1], k->h[0]);
  k->h[3] = rmg_gfmul(k->h[2], k->h[0]);
}

/* x = ((((x ^ b0) H ^ b1) H ^ b2) H ^ b3) H, as four independent products (the multiplication
 * is linear): (x ^ b0) H^4 ^ b1 H^3 ^ b2 H^2 ^ b3 H. */
RMG_GCM_TARGET static __m128i rmg_ghash4(const struct rmg_gcm_key *k, __m128i x, __m128i b0, __m128i b1,
                                         __m128i b2, __m128i b3) {
  __m128i p0 = rmg_gfmul(_mm_xor_si128(x, rmg_bswap(b0)), k->h[3]);
  __m128i p1 = rmg_gfmul(rmg_bswap(b1), k->h[2]);
  __m128i p2 = rmg_gfmul(rmg_bswap(b2), k->h[1]);
  __m128i p3 = rmg_gfmul(rmg_bswap(b3), k->h[0]);
  return _mm_xor_si128(_mm_xor_si128(p0, p1), _mm_xor_si128(p2, p3));
}

/* x = (x ^ block) * H over len bytes, the last block padded with zeros. */
RMG_GCM_TARGET static __m128i rmg_ghash(const struct rmg_gcm_key *k, __m128i x, const unsigned char *p,
                                        size_t len) {
  while (len > 0) {
    unsigned char last[16];
    __m128i b;
    if (len >= 16) {
      b = _mm_loadu_si128((const __m128i *) (const void *) p);
      p += 16;
      len -= 16;
    } else {
      memset(last, 0, sizeof(last));
      memcpy(last, p, len);
      b = _mm_loadu_si128((const __m128i *) (const void *) last);
      len = 0;
    }
    x = rmg_gfmul(_mm_xor_si128(x, rmg_bswap(b)), k->h[0]);
  }
  return x;
}

/* Counter block i after J0 = nonce || 1: nonce || (1 + i), big-endian. */
RMG_GCM_TARGET static __m128i rmg_ctr(const unsigned char *nonce, uint32_t i) {
  unsigned char b[16];
  memcpy(b, nonce, 12);
  b[12] = (unsigned char) (i >> 24);
  b[13] = (unsigned char) (i >> 16);
  b[14] = (unsigned char) (i >> 8);
  b[15] = (unsigned char) i;
  return _mm_loadu_si128((const __m128i *) (const void *) b);
}

/* out = in ^ keystream from counter 2 on; with hash_in the ciphertext is in, else out. The
 * hash is updated block by block before the block is written, so out may equal in. */
RMG_GCM_TARGET static __m128i rmg_gcm_ctr(const struct rmg_gcm_key *k, const unsigned char *nonce,
                                          unsigned char *out, const unsigned char *in, size_t len,
                                          __m128i x, int hash_in) {
  uint32_t ctr = 2;
  while (len >= 64) { /* four blocks at a time: the AES rounds of independent blocks overlap */
    __m128i c0 = _mm_xor_si128(rmg_ctr(nonce, ctr), k->rk[0]);
    __m128i c1 = _mm_xor_si128(rmg_ctr(nonce, ctr + 1), k->rk[0]);
    __m128i c2 = _mm_xor_si128(rmg_ctr(nonce, ctr + 2), k->rk[0]);
    __m128i c3 = _mm_xor_si128(rmg_ctr(nonce, ctr + 3), k->rk[0]);
    __m128i b0, b1, b2, b3;
    int r;
    for (r = 1; r < 10; r++) {
      c0 = _mm_aesenc_si128(c0, k->rk[r]);
      c1 = _mm_aesenc_si128(c1, k->rk[r]);
      c2 = _mm_aesenc_si128(c2, k->rk[r]);
      c3 = _mm_aesenc_si128(c3, k->rk[r]);
    }
    c0 = _mm_aesenclast_si128(c0, k->rk[10]);
    c1 = _mm_aesenclast_si128(c1, k->rk[10]);
    c2 = _mm_aesenclast_si128(c2, k->rk[10]);
    c3 = _mm_aesenclast_si128(c3, k->rk[10]);
    b0 = _mm_loadu_si128((const __m128i *) (const void *) in);
    b1 = _mm_loadu_si128((const __m128i *) (const void *) (in + 16));
    b2 = _mm_loadu_si128((const __m128i *) (const void *) (in + 32));
    b3 = _mm_loadu_si128((const __m128i *) (const void *) (in + 48));
    c0 = _mm_xor_si128(c0, b0);
    c1 = _mm_xor_si128(c1, b1);
    c2 = _mm_xor_si128(c2, b2);
    c3 = _mm_xor_si128(c3, b3);
    x = hash_in ? rmg_ghash4(k, x, b0, b1, b2, b3) : rmg_ghash4(k, x, c0, c1, c2, c3);
    _mm_storeu_si128((__m128i *) (void *) out, c0);
    _mm_storeu_si128((__m128i *) (void *) (out + 16), c1);
    _mm_storeu_si128((__m128i *) (void *) (out + 32), c2);
    _mm_storeu_si128((__m128i *) (void *) (out + 48), c3);
    in += 64;
    out += 64;
    len -= 64;
    ctr += 4;
  }
  while (len > 0) {
    unsigned char ks[16];
    size_t n = len < 16 ? len : 16, i;
    if (hash_in) x = rmg_ghash(k, x, in, n);
    _mm_storeu_si128((__m128i *) (void *) ks, rmg_aes(k, rmg_ctr(nonce, ctr)));
    for (i = 0; i < n; i++) out[i] = (unsigned char) (in[i] ^ ks[i]);
    if (!hash_in) x = rmg_ghash(k, x, out, n);
    in += n;
    out += n;
    len -= n;
    ctr++;
  }
  return x;
}

/* The tag: E(J0) ^ GHASH(A, C, lengths). */
RMG_GCM_TARGET static void rmg_gcm_tag(const struct rmg_gcm_key *k, const unsigned char *nonce, __m128i x,
                                       size_t aad_len, size_t len, unsigned char tag[16]) {
  unsigned char lens[16];
  uint64_t a = (uint64_t) aad_len * 8, c = (uint64_t) len * 8;
  int i;
  for (i = 0; i < 8; i++) {
    lens[i] = (unsigned char) (a >> (56 - 8 * i));
    lens[8 + i] = (unsigned char) (c >> (56 - 8 * i));
  }
  x = rmg_ghash(k, x, lens, 16);
  _mm_storeu_si128((__m128i *) (void *) tag, _mm_xor_si128(rmg_aes(k, rmg_ctr(nonce, 1)), rmg_bswap(x)));
}

RMG_GCM_TARGET void rmg_gcm_seal(unsigned char *out, const unsigned char *in, size_t len, const unsigned char *key,
                                 const unsigned char *nonce, const unsigned char *aad, size_t aad_len,
                                 unsigned char *tag) {
  struct rmg_gcm_key k;
  __m128i x;
  rmg_gcm_init(&k, key);
  x = rmg_ghash(&k, _mm_setzero_si128(), aad, aad_len);
  x = rmg_gcm_ctr(&k, nonce, out, in, len, x, 0);
  rmg_gcm_tag(&k, nonce, x, aad_len, len, tag);
  memset(&k, 0, sizeof(k));
}

RMG_GCM_TARGET int rmg_gcm_open(unsigned char *out, const unsigned char *in, size_t len, const unsigned char *key,
                                const unsigned char *nonce, const unsigned char *aad, size_t aad_len,
                                const unsigned char *tag) {
  struct rmg_gcm_key k;
  unsigned char want[16], diff = 0;
  __m128i x;
  int i;
  rmg_gcm_init(&k, key);
  x = rmg_ghash(&k, _mm_setzero_si128(), aad, aad_len);
  x = rmg_gcm_ctr(&k, nonce, out, in, len, x, 1);
  rmg_gcm_tag(&k, nonce, x, aad_len, len, want);
  memset(&k, 0, sizeof(k));
  for (i = 0; i < 16; i++) diff |= (unsigned char) (want[i] ^ tag[i]);
  return diff == 0 ? 0 : -1;
}

/* Same bytes as Mongoose's code? (once, at the first record) */
static int rmg_gcm_selftest(void) {
  static const unsigned char key[16] = {0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
                                        0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08};
  static const unsigned char iv[12] = {0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88};
  static const unsigned char aad[20] = {0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
                                        0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2};
  static const unsigned char pt[60] = {
      0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26, 0x9a,
      0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31, 0x8a, 0x72,
      0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49, 0xa6, 0xb5, 0x25,
      0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39};
  static const unsigned char tag4[16] = {0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb,
                                         0x94, 0xfa, 0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47};
  unsigned char a[272], b[272], ta[16], tb[16];
  size_t n;
  rmg_gcm_seal(a, pt, sizeof(pt), key, iv, aad, sizeof(aad), ta);
  if (memcmp(ta, tag4, 16) != 0) return 0;
  if (rmg_gcm_open(b, a, sizeof(pt), key, iv, aad, sizeof(aad), ta) != 0 || memcmp(b, pt, sizeof(pt)) != 0) return 0;
  ta[0] ^= 1;
  if (rmg_gcm_open(b, a, sizeof(pt), key, iv, aad, sizeof(aad), ta) == 0) return 0;
  mg_gcm_initialize();
  for (n = 0; n <= 272; n++) {
    unsigned char in[272];
    size_t i;
    for (i = 0; i < n; i++) in[i] = (unsigned char) (i * 37 + n);
    rmg_gcm_seal(a, in, n, key, iv, aad, 5, ta);
    mg_aes_gcm_encrypt(b, in, n, key, 16, iv, sizeof(iv), (unsigned char *) aad, 5, tb, 16);
    if ((n > 0 && memcmp(a, b, n) != 0) || memcmp(ta, tb, 16) != 0) return 0;
    if (rmg_gcm_open(a, a, n, key, iv, aad, 5, ta) != 0 || (n > 0 && memcmp(a, in, n) != 0)) return 0;
  }
  return 1;
}

int rmg_gcm_fast(void) {
  static int state = -1; /* first computed in JNI_OnLoad, before any other thread calls */
  if (state < 0) {
    const char *soft = getenv("RMG_SOFT_GCM");
    __builtin_cpu_init();
    if (soft != NULL && strcmp(soft, "1") == 0) {
      state = 0;
    } else if (!__builtin_cpu_supports("aes") || !__builtin_cpu_supports("pclmul") ||
               !__builtin_cpu_supports("sse4.1")) {
      state = 0;
    } else {
      state = rmg_gcm_selftest();
      if (!state) fputs("reactor-mongoose: AES-NI GCM self-test failed; using Mongoose's AES-GCM\n", stderr);
    }
  }
  return state;
}

#else /* not x86-64: Mongoose's code */
int rmg_gcm_fast(void) {
  return 0;
}

void rmg_gcm_seal(unsigned char *out, const unsigned char *in, size_t len, const unsigned char *key,
                  const unsigned char *nonce, const unsigned char *aad, size_t aad_len, unsigned char *tag) {
  (void) out, (void) in, (void) len, (void) key, (void) nonce, (void) aad, (void) aad_len, (void) tag;
  abort();
}

int rmg_gcm_open(unsigned char *out, const unsigned char *in, size_t len, const unsigned char *key,
                 const unsigned char *nonce, const unsigned char *aad, size_t aad_len,
                 const unsigned char *tag) {
  (void) out, (void) in, (void) len, (void) key, (void) nonce, (void) aad, (void) aad_len, (void) tag;
  abort();
}
#endif
