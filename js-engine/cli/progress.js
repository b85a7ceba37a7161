// What a command is doing while nothing else is printed: loading Python, a step that runs long, a sleep, a retry
// back-off. Always on stderr, so stdout (the record lines, or --json's one object) stays clean. Shown when stderr is
// a terminal, as one line rewritten in place; PYWORKFLOWS_PROGRESS=1 shows it anyway as plain lines (a log: a new
// line when the activity changes, else every 10 s), PYWORKFLOWS_PROGRESS=0 never.
import { formatDuration } from '../core/durations.js';

const PLAIN_EVERY_MS = 10_000;
const LONG_STEP_MS = 1000; // a step running longer than this is shown
const TICK_MS = 250;

export function createProgress({ stream = process.stderr, env = process.env } = {}) {
  const setting = env.PYWORKFLOWS_PROGRESS;
  const mode = setting === '0' ? 'off' : stream.isTTY ? 'tty' : setting === '1' ? 'plain' : 'off';
  let shown = false;
  let last = { key: null, at: 0 };
  return {
    enabled: mode !== 'off',
    // `key`: what the line is about (plain mode repeats a line about the same thing only every 10 s).
    show(text, key = text) {
      if (mode === 'tty') {
        stream.write(`\r\x1b[2K${text}`);
        shown = true;
      } else if (mode === 'plain' && (key !== last.key || Date.now() - last.at >= PLAIN_EVERY_MS)) {
        stream.write(`${text}\n`);
        last = { key, at: Date.now() };
      }
    },
    // Before anything else is printed: the terminal's progress line is erased, not left half-overwritten.
    clear() {
      if (!shown) return;
      stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

// Ticks while an instance is driven, showing its steps running long, its sleeps and retry back-offs. The timer is
// unref'd: it never keeps the process alive (drive() counts on the event loop emptying to find a stalled run).
export function watchActivity(progress, engine, id) {
  if (!progress.enabled) return () => {};
  const firstSeen = new Map(); // call key -> real time it was first seen running (the journal has no start record)
  const timer = setInterval(() => {
    const calls = engine.inflight(id);
    const now = engine.clock.now();
    const parts = [];
    for (const c of calls) {
      if (c.kind !== 'do' || c.blocked) continue;
      const since = firstSeen.get(c.key) ?? firstSeen.set(c.key, Date.now()).get(c.key);
      const ran = Date.now() - since;
      if (ran >= LONG_STEP_MS) parts.push([`step:${c.key}`, `step "${c.name}"${c.attempt > 1 ? ` (attempt ${c.attempt})` : ''} running for ${formatDuration(ran)}`]);
    }
    for (const key of firstSeen.keys()) if (!calls.some((c) => c.key === key && !c.blocked)) firstSeen.delete(key);
    for (const c of calls) {
      if (!c.blocked) continue;
      if (c.kind === 'sleep') parts.push([`sleep:${c.key}`, `sleeping "${c.name}": wakes at ${clockTime(c.until)}, in ${formatDuration(c.until - now)}`]);
      else if (c.kind === 'do' && c.retryAt !== undefined) parts.push([`retry:${c.key}`, `step "${c.name}": attempt ${c.attempt} in ${formatDuration(c.retryAt - now)}`]);
    }
    if (!parts.length) { progress.clear(); return; }
    progress.show(`  ${parts.map(([, text]) => text).join('; ')}`, parts.map(([key]) => key).join(' '));
  }, TICK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    progress.clear();
  };
}

// An instant as a person reads it: the time of day today, else the date too (UTC, as the record lines).
function clockTime(ms) {
  const iso = new Date(ms).toISOString();
  const today = new Date().toISOString().slice(0, 10);
  return iso.startsWith(today) ? `${iso.slice(11, 19)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}
