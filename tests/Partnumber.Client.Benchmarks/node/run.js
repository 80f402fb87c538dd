'use strict';
// The measuring loop shared by the Node clients (client.js, seed-client.js): warm-up, then N classifications at
// concurrency C, each timed from the call to its final result; prints one JSON line
// {ok, failed, wallMs, p50Ms, p95Ms, peakRssKb, clientCpuMs, warmedUp, firstError}.
// Under the harness (PN_BENCH_SYNC=1) it prints `WARMED <count>` after the warm-up and waits for a line on stdin before
// the timed run, so the harness can read the server's CPU time between the two.
const fs = require('fs');
const readline = require('readline');

async function run(classify, count, concurrency, latencies, limitMs = Infinity) {
  let next = 0; let ok = 0; let failed = 0; let firstError = null;
  const began = Date.now();
  const worker = async () => {
    while (next < count && Date.now() - began < limitMs) {
      const i = next++;
      const started = process.hrtime.bigint();
      try {
        await classify('PN-' + i);
        ok++;
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      } catch (err) {
        failed++;
        firstError ??= String(err && err.message ? err.message : err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return { ok, failed, firstError };
}

function waitForGo() {
  return new Promise((resolve) => {
    const lines = readline.createInterface({ input: process.stdin });
    lines.once('line', () => { lines.close(); resolve(); });
    lines.once('close', resolve);
  });
}

/** Parses `<baseUrl> <n> <c> [warmup] [warmupSeconds]`, runs, prints the result line and exits. */
async function main(classifyFor) {
  const [baseUrl, nArg, cArg, warmArg, warmSecondsArg] = process.argv.slice(2);
  const n = Number(nArg); const c = Number(cArg); const warmup = Number(warmArg || 10);
  const warmupMs = warmSecondsArg === undefined ? Infinity : Number(warmSecondsArg) * 1000;
  const classify = classifyFor(baseUrl);
  const warm = warmup > 0 ? await run(classify, warmup, Math.min(c, warmup), [], warmupMs) : { ok: 0, failed: 0 };
  if (process.env.PN_BENCH_SYNC === '1') {
    console.log('WARMED ' + (warm.ok + warm.failed));
    await waitForGo();
  }
  const latencies = [];
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const { ok, failed, firstError } = await run(classify, n, c, latencies);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  // NaN as a string: JSON has no NaN, and the harness reads named floating-point literals.
  const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] : 'NaN';
  const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  console.log(JSON.stringify({
    ok, failed, wallMs, p50Ms: pct(0.5), p95Ms: pct(0.95), peakRssKb: hwm ? Number(hwm[1]) : 0,
    clientCpuMs: (cpu.user + cpu.system) / 1000, warmedUp: warm.ok + warm.failed, firstError,
  }));
  process.exit(0);
}

module.exports = { main };
