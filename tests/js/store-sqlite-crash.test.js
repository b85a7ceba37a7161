// Crash durability of the SQLite store: a process killed with SIGKILL right after commits must not lose any commit
// whose promise resolved (WAL + synchronous=NORMAL keeps them in the -wal file, which the OS holds even when the
// process dies), and each commit must be all-or-nothing (journal and row patch agree).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSqliteStore } from '../../js-engine/stores/sqlite.js';

const fixture = fileURLToPath(new URL('./fixtures/sqlite-commit-loop.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-crash-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Spawns the fixture and SIGKILLs it once it has printed `killAfter` seqs. Resolves with every seq it printed.
// readLate: read nothing until the child says its output is backed up (what a loaded machine does by chance), so the
// child cannot outrun the kill, finish its loop and close the store, and the kill still finds it mid-loop.
function runAndKill(file, killAfter, { readLate = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, file, '200000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const printed = [];
    let buf = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop(); // a partial last line: not yet fully printed, so not claimed
      for (const l of lines) printed.push(Number(l));
      if (printed.length >= killAfter && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    if (readLate) child.stdout.pause();
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!readLate || !stderr.includes('backpressure\n')) return;
      readLate = false;
      // The child is blocked on its output with the store open: its commits so far are only in the WAL.
      if (!fs.existsSync(`${file}-wal`)) reject(new Error('the child has no WAL while it waits for its output to drain'));
      child.stdout.resume();
    });
    child.on('error', reject);
    // A stuck parent must not leave the child committing: give up after a minute.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', () => clearTimeout(guard));
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`fixture was not killed (code ${code}, signal ${signal}): ${stderr.replace('backpressure\n', '')}`));
      else resolve(printed);
    });
  });
}

test('every commit that resolved before kill -9 is present after reopen', async () => {
  const file = path.join(tmp, 'crash.db');
  let expectedNext = 1;
  // Two rounds: the second crash happens on a database that already went through a crash and a reopen.
  // The first round reads late, as a busy parent does, the second as fast as it can (the kill lands mid-commit).
  for (const [killAfter, readLate] of [[3000, true], [2000, false]]) {
    const printed = await runAndKill(file, killAfter, { readLate });
    assert.ok(printed.length >= killAfter);
    // A WAL left behind proves the child died holding the store open, so recovery below really is crash recovery.
    assert.ok(fs.existsSync(`${file}-wal`), 'the process died without checkpointing: the WAL is still there');

    const store = createSqliteStore({ path: file });
    await store.open();
    const journal = await store.readJournal('crash');
    const seqs = journal.map((r) => r.seq);
    const have = new Set(seqs);
    const missing = printed.filter((s) => !have.has(s));
    assert.deepEqual(missing, [], 'printed (= resolved) commits missing after the crash');
    // The journal is gap-free and the row patch of the last commit is there too (commits are atomic).
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
    assert.ok(seqs.length >= printed.at(-1));
    assert.equal((await store.getInstance('crash')).lastI, journal.at(-1).i);
    // Each round's child restarted from an instance that already existed, so its seqs continue the journal.
    assert.equal(printed[0], expectedNext);
    expectedNext = seqs.length + 1;
    await store.close();
  }
});
