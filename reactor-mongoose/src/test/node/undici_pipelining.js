// SPDX-License-Identifier: GPL-2.0-only
// undici (Debian's node-undici), nobody here wrote it, as a client with a pipelining pool: one
// connection, up to 10 requests written ahead of their responses, as undici's Pool sends them.
//
// Usage: node undici_pipelining.js PORT PATH COUNT
//   sends COUNT GET requests for PATH to http://127.0.0.1:PORT, reads every body whole, and
//   prints one JSON line: {"ok": n, "failed": n, "errors": {"CODE message": n, ...}}.
// Run by LingeringCloseTest.
'use strict';
const undici = require('undici');
const [port, path, count] = process.argv.slice(2);
(async () => {
  const pool = new undici.Pool(`http://127.0.0.1:${port}`, { connections: 1, pipelining: 10 });
  let ok = 0;
  let failed = 0;
  const errors = {};
  await Promise.all(Array.from({ length: Number(count) }, () => pool.request({ path, method: 'GET' })
    .then(async (r) => {
      await r.body.arrayBuffer();
      if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
      ok++;
    })
    .catch((e) => {
      failed++;
      const k = `${e.code} ${e.message}`;
      errors[k] = (errors[k] || 0) + 1;
    })));
  await pool.close();
  console.log(`{"ok": ${ok}, "failed": ${failed}, "errors": ${JSON.stringify(errors)}}`);
})();
