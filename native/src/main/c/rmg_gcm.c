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
 * Blocks go eight at a time (their AES rounds interleaved, their hash products summed and
 * reduced once, with H^1..H^8), or sixteen at a time on 256-bit registers where the CPU has VAES
 * and VPCLMULQDQ (RMG_GCM_NO_VAES=1 keeps the 128-bit code); the self-test covers the path
 * chosen. 16 KiB records, one core of the benchmark machine: 3.9 GB/s with VAES, about 2 GB/s
 * without.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rmg_jni.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

#define RMG_GCM_TARGET __attribute__((target("aes,pclmul,ssse3,sse4.1")))
/* The same instructions on 256-bit registers, two blocks each (VAES, VPCLMULQDQ: AMD Zen 3 and
 * later, Intel Ice Lake and later), used when rmg_gcm_fast() finds them. */
#define RMG_VAES_TARGET __attribute__((target("aes,pclmul,ssse3,sse4.1,avx,avx2,vaes,vpclmulqdq")))

static int rmg_vaes; /* set once by rmg_gcm_fast, before any record */

struct rmg_gcm_key {
  __m128i rk[11]; /* AES-128 round keys */
  __m128i h[16];  /* the hash key's powers H, H^2, ..., H^16, bytes reflected (H^9.. only
                   * computed for the 256-bit path) */
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

/* The 256-bit carry-less product of a and b, unreduced, added to lo (bits 0-127), mid (the two
 * cross products, bits 64-191) and hi (bits 128-255). Sums of such products are reduced once
 * (rmg_reduce): the shift and the reduction are linear. */
RMG_GCM_TARGET static void rmg_clmul_acc(__m128i a, __m128i b, __m128i *lo, __m128i *mid, __m128i *hi) {
  *lo = _mm_xor_si128(*lo, _mm_clmulepi64_si128(a, b, 0x00));
  *mid = _mm_xor_si128(*mid, _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10), _mm_clmulepi64_si128(a, b, 0x01)));
  *hi = _mm_xor_si128(*hi, _mm_clmulepi64_si128(a, b, 0x11));
}

/* (lo, mid, hi) reduced modulo x^128+x^7+x^2+x+1, bytes reflected (Intel's white paper, figure 5). */
RMG_GCM_TARGET static inline __attribute__((always_inline)) __m128i rmg_reduce(__m128i t3, __m128i t4, __m128i t6) {
  __m128i t2, t5, t7, t8, t9;
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

/* a * b in GF(2^128), both with their bytes reflected. */
RMG_GCM_TARGET static __m128i rmg_gfmul(__m128i a, __m128i b) {
  __m128i lo = _mm_setzero_si128(), mid = _mm_setzero_si128(), hi = _mm_setzero_si128();
  rmg_clmul_acc(a, b, &lo, &mid, &hi);
  return rmg_reduce(lo, mid, hi);
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
  k->h[0] = rmg_bswap(rmg_aes(k, _mm_setzero_si128())); /* its powers: rmg_gcm_ctr, when needed */
}

/* x = (...((x ^ b0) H ^ b1) H ... ^ b7) H, as eight independent products summed and reduced
 * once (the multiplication is linear): (x ^ b0) H^8 ^ b1 H^7 ^ ... ^ b7 H. */
RMG_GCM_TARGET static __m128i rmg_ghash8(const struct rmg_gcm_key *k, __m128i x, const __m128i *b) {
  __m128i lo = _mm_setzero_si128(), mid = _mm_setzero_si128(), hi = _mm_setzero_si128();
  int i;
  rmg_clmul_acc(_mm_xor_si128(x, rmg_bswap(b[0])), k->h[7], &lo, &mid, &hi);
  for (i = 1; i < 8; i++) rmg_clmul_acc(rmg_bswap(b[i]), k->h[7 - i], &lo, &mid, &hi);
  return rmg_reduce(lo, mid, hi);
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
RMG_GCM_TARGET static __m128i rmg_ctr(const unsigned char *nonce, uint32_t i);

/* Sixteen blocks at a time, two per 256-bit register, while 256 bytes are left (the caller does
 * the rest): counters from *ctr on, x the running hash. The sixteen products of the hash are
 * summed unreduced, the register halves folded, and the sum reduced once. */
RMG_VAES_TARGET static size_t rmg_gcm_ctr16(struct rmg_gcm_key *k, const unsigned char *nonce, uint32_t *ctr,
                                            unsigned char *out, const unsigned char *in, size_t len, __m128i *x,
                                            int hash_in) {
  const __m256i bsw = _mm256_broadcastsi128_si256(
      _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  __m128i base = rmg_ctr(nonce, 0);
  __m256i rk[11], hp[8];
  size_t done = 0;
  int i, r;
  for (i = 8; i < 16; i++) k->h[i] = rmg_gfmul(k->h[i - 1], k->h[0]);
  for (r = 0; r < 11; r++) rk[r] = _mm256_broadcastsi128_si256(k->rk[r]);
  /* register i holds blocks 2i and 2i+1, hashed with H^(16-2i) and H^(15-2i) */
  for (i = 0; i < 8; i++) hp[i] = _mm256_set_m128i(k->h[14 - 2 * i], k->h[15 - 2 * i]);
  while (len - done >= 256) {
    __m256i c[8], b[8], lo = _mm256_setzero_si256(), mid = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
    const __m256i *h;
    __m128i l, m, u;
    for (i = 0; i < 8; i++) {
      uint32_t n = *ctr + 2 * (uint32_t) i;
      c[i] = _mm256_xor_si256(_mm256_set_m128i(_mm_insert_epi32(base, (int) __builtin_bswap32(n + 1), 3),
                                               _mm_insert_epi32(base, (int) __builtin_bswap32(n), 3)),
                              rk[0]);
    }
    for (r = 1; r < 10; r++) {
      for (i = 0; i < 8; i++) c[i] = _mm256_aesenc_epi128(c[i], rk[r]);
    }
    for (i = 0; i < 8; i++) {
      b[i] = _mm256_loadu_si256((const __m256i *) (const void *) (in + done + 32 * i));
      c[i] = _mm256_xor_si256(_mm256_aesenclast_epi128(c[i], rk[10]), b[i]);
    }
    h = hash_in ? b : c;
    for (i = 0; i < 8; i++) {
      __m256i v = _mm256_shuffle_epi8(h[i], bsw);
      if (i == 0) v = _mm256_xor_si256(v, _mm256_set_m128i(_mm_setzero_si128(), *x));
      lo = _mm256_xor_si256(lo, _mm256_clmulepi64_epi128(v, hp[i], 0x00));
      mid = _mm256_xor_si256(mid, _mm256_xor_si256(_mm256_clmulepi64_epi128(v, hp[i], 0x10),
                                                   _mm256_clmulepi64_epi128(v, hp[i], 0x01)));
      hi = _mm256_xor_si256(hi, _mm256_clmulepi64_epi128(v, hp[i], 0x11));
    }
    l = _mm_xor_si128(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
    m = _mm_xor_si128(_mm256_castsi256_si128(mid), _mm256_extracti128_si256(mid, 1));
    u = _mm_xor_si128(_mm256_castsi256_si128(hi), _mm256_extracti128_si256(hi, 1));
    *x = rmg_reduce(l, m, u);
    for (i = 0; i < 8; i++) _mm256_storeu_si256((__m256i *) (void *) (out + done + 32 * i), c[i]);
    done += 256;
    *ctr += 16;
  }
  return done;
}

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
RMG_GCM_TARGET static __m128i rmg_gcm_ctr(struct rmg_gcm_key *k, const unsigned char *nonce,
                                          unsigned char *out, const unsigned char *in, size_t len,
                                          __m128i x, int hash_in) {
  uint32_t ctr = 2;
  __m128i base = rmg_ctr(nonce, 0);
  int i;
  if (len >= 128) { /* H^2..H^8 for the rounds of eight blocks (a short record has none) */
    for (i = 1; i < 8; i++) k->h[i] = rmg_gfmul(k->h[i - 1], k->h[0]);
  }
  if (rmg_vaes && len >= 256) {
    size_t done = rmg_gcm_ctr16(k, nonce, &ctr, out, in, len, &x, hash_in);
    in += done;
    out += done;
    len -= done;
  }
  /* eight blocks at a time: the AES rounds of independent blocks overlap, and their hash is
   * reduced once */
  while (len >= 128) {
    __m128i c[8], b[8];
    int r;
    for (i = 0; i < 8; i++) {
      c[i] = _mm_xor_si128(_mm_insert_epi32(base, (int) __builtin_bswap32(ctr + (uint32_t) i), 3), k->rk[0]);
    }
    for (r = 1; r < 10; r++) {
      for (i = 0; i < 8; i++) c[i] = _mm_aesenc_si128(c[i], k->rk[r]);
    }
    for (i = 0; i < 8; i++) {
      b[i] = _mm_loadu_si128((const __m128i *) (const void *) (in + 16 * i));
      c[i] = _mm_xor_si128(_mm_aesenclast_si128(c[i], k->rk[10]), b[i]);
    }
    x = rmg_ghash8(k, x, hash_in ? b : c);
    for (i = 0; i < 8; i++) _mm_storeu_si128((__m128i *) (void *) (out + 16 * i), c[i]);
    in += 128;
    out += 128;
    len -= 128;
    ctr += 8;
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
  static const size_t longer[] = {1023, 4096 + 77, 16385}; /* several 8-block rounds, then a tail */
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
  for (n = 0; n < sizeof(longer) / sizeof(longer[0]); n++) {
    size_t len = longer[n], i;
    unsigned char *in = (unsigned char *) malloc(3 * len), *x = in + len, *y = in + 2 * len;
    int same;
    if (in == NULL) return 0;
    for (i = 0; i < len; i++) in[i] = (unsigned char) (i * 131 + 7);
    rmg_gcm_seal(x, in, len, key, iv, aad, 5, ta);
    mg_aes_gcm_encrypt(y, in, len, key, 16, iv, sizeof(iv), (unsigned char *) aad, 5, tb, 16);
    same = memcmp(x, y, len) == 0 && memcmp(ta, tb, 16) == 0 && rmg_gcm_open(x, x, len, key, iv, aad, 5, ta) == 0 &&
           memcmp(x, in, len) == 0;
    free(in);
    if (!same) return 0;
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
      const char *narrow = getenv("RMG_GCM_NO_VAES");
      unsigned int a, b, c, d;
      /* CPUID leaf 7: ECX bit 9 VAES, bit 10 VPCLMULQDQ (by hand: clang 14's builtin knows neither
       * name); the avx2 check includes the OS saving the 256-bit registers */
      int wide = __builtin_cpu_supports("avx2") && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
                 (c & (1U << 9)) != 0 && (c & (1U << 10)) != 0;
      rmg_vaes = wide && (narrow == NULL || strcmp(narrow, "1") != 0);
      state = rmg_gcm_selftest();
      if (!state && rmg_vaes) { /* the 256-bit path disagreed: try without it */
        fputs("reactor-mongoose: VAES GCM self-test failed; using AES-NI on 128-bit registers\n", stderr);
        rmg_vaes = 0;
        state = rmg_gcm_selftest();
      }
      if (!state) fputs("reactor-mongoose: AES-NI GCM self-test failed; using Mongoose's AES-GCM\n", stderr);
    }
  }
  return state;
}

int rmg_gcm_wide(void) {
  return rmg_gcm_fast() && rmg_vaes;
}

#else /* not x86-64: Mongoose's code */
int rmg_gcm_fast(void) {
  return 0;
}

int rmg_gcm_wide(void) {
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
