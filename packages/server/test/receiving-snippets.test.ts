/**
 * The standard-library verification snippets of docs/receiving.md, run in their own languages. Each must
 * decide every Standard Webhooks vector as the SDK does, and verify webhooks a real payhook delivered to a
 * real receiver (before and during a secret rotation), rejecting them with one body byte changed. The
 * markdown must show each snippet exactly as the file that runs here, so the page cannot drift from code
 * that works. A language whose toolchain is not on PATH is skipped, and the run says which.
 *
 * Every snippet has the same command line: the raw body on stdin, the secret, the three headers and the
 * receiver's clock in WEBHOOK_SECRET, WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE and VERIFY_NOW
 * (an unset variable is a missing header, or the real clock), and it prints `ok` or `fail: <reason>`.
 * The environment rather than a JSON case on stdin: Java's and .NET's standard libraries have no JSON
 * parser, and stdin then carries the body's exact bytes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Harness, Receiver } from './api-harness.js';

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));
const SNIPPETS = join(DOCS, 'receiving');
const snippet = (file: string) => join(SNIPPETS, file);

interface Language {
  name: string;
  file: string;
  /** Programs that must be on PATH to build and run the snippet. */
  tools: string[];
  /** Compiles into `dir`, for the languages that need it. */
  build?: (dir: string) => [string, string[]];
  run: (dir: string) => [string, string[]];
}

const LANGUAGES: Language[] = [
  {
    name: 'Python',
    file: 'verify.py',
    tools: ['python3'],
    // A link to the interpreter itself: a version manager's `python3` shim can cost a second a start.
    build: (dir) => [
      'python3',
      ['-c', 'import os, sys; os.symlink(sys.executable, sys.argv[1])', join(dir, 'python3')],
    ],
    run: (dir) => [join(dir, 'python3'), [snippet('verify.py')]],
  },
  { name: 'PHP', file: 'verify.php', tools: ['php'], run: () => ['php', [snippet('verify.php')]] },
  { name: 'Ruby', file: 'verify.rb', tools: ['ruby'], run: () => ['ruby', [snippet('verify.rb')]] },
  {
    name: 'Go',
    file: 'verify.go',
    tools: ['go'],
    build: (dir) => ['go', ['build', '-o', join(dir, 'verify-go'), snippet('verify.go')]],
    run: (dir) => [join(dir, 'verify-go'), []],
  },
  {
    name: 'Java',
    file: 'Verify.java',
    tools: ['javac', 'java'],
    build: (dir) => ['javac', ['-d', dir, snippet('Verify.java')]],
    run: (dir) => ['java', ['-cp', dir, 'Verify']],
  },
  {
    name: 'C#',
    file: 'Verify.cs',
    tools: ['mcs', 'mono'],
    build: (dir) => ['mcs', [`-out:${join(dir, 'Verify.exe')}`, snippet('Verify.cs')]],
    run: (dir) => ['mono', [join(dir, 'Verify.exe')]],
  },
];

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
const missing = (l: Language) => l.tools.filter((t) => !onPath(t));
const runnable = LANGUAGES.filter((l) => missing(l).length === 0);
const skipped = LANGUAGES.filter((l) => missing(l).length > 0);
console.log(
  `# receiving snippets: running ${runnable.map((l) => l.name).join(', ') || 'none'}` +
    (skipped.length
      ? `; skipped ${skipped.map((l) => `${l.name} (no ${missing(l).join(', ')} on PATH)`).join(', ')}`
      : ''),
);

interface Case {
  secret: string;
  id?: string;
  timestamp?: string;
  signature?: string;
  body: Buffer;
  /** Unix seconds; unset means the snippet's own clock. */
  now?: number;
}

function exec(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: Buffer,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? Buffer.alloc(0));
  });
}

/** The environment without anything a case sets, so a missing header is really missing. */
const baseEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries({ ...process.env, PYTHONDONTWRITEBYTECODE: '1' }).filter(
    ([k]) => !k.startsWith('WEBHOOK_') && k !== 'VERIFY_NOW',
  ),
);

/** What the snippet decides: `ok` or `fail: <reason>`. Anything else (a crash, a usage error) throws. */
async function decide(l: Language, dir: string, c: Case): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...baseEnv, WEBHOOK_SECRET: c.secret };
  if (c.id !== undefined) env.WEBHOOK_ID = c.id;
  if (c.timestamp !== undefined) env.WEBHOOK_TIMESTAMP = c.timestamp;
  if (c.signature !== undefined) env.WEBHOOK_SIGNATURE = c.signature;
  if (c.now !== undefined) env.VERIFY_NOW = String(c.now);
  const [cmd, args] = l.run(dir);
  const r = await exec(cmd, args, env, c.body);
  const out = r.stdout.trim();
  if (!((r.code === 0 && out === 'ok') || (r.code === 1 && /^fail: \w+$/.test(out)))) {
    throw new Error(
      `${l.name} snippet answered exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`,
    );
  }
  return out;
}

// The in-repo copy of the shared vectors; vectors.test.ts checks it equals the shared file when present.
const vectors = JSON.parse(
  readFileSync(new URL('../../sdk/test/fixtures/standard-webhooks.json', import.meta.url), 'utf8'),
) as {
  sign: { name: string; secret: string; id: string; timestamp: number; payload: string; signature: string }[];
  verify: {
    name: string;
    secret: string;
    headers: Record<string, string>;
    payload: string;
    now: number;
    ok: boolean;
    error?: string;
  }[];
};

// --- A live payhook: two webhooks it delivered, the second while the endpoint's secret is rotating. ---

interface Captured {
  id: string;
  timestamp: string;
  signature: string;
  body: Buffer;
}
interface Live {
  secret: string;
  first: Captured;
  newSecret: string;
  rotated: Captured;
}

let harness: Harness | undefined;
let receiver: Receiver | undefined;
let live: Promise<Live> | undefined;
after(async () => {
  await harness?.close();
  await receiver?.close();
});

function liveWebhooks(): Promise<Live> {
  live ??= (async () => {
    receiver = await new Receiver().start();
    harness = await Harness.start();
    const h = harness;
    const r = receiver;
    const key = (await h.call('POST', '/v1/merchants', { body: { name: 'receiving' } })).body.api_key as string;
    const ep = await h.call('POST', '/v1/endpoints', { key, body: { url: `${r.url}/webhooks` } });
    assert.equal(ep.status, 201, ep.text);

    const send = async (n: number): Promise<Captured> => {
      // Non-ASCII text in the data, so that a snippet hashing characters instead of bytes would fail.
      const data = {
        order_id: 'ord_receiving',
        reference: `INV-${n} Zoë`,
        amount: 10000,
        amount_decimal: '100.00',
        currency: 'AED',
        sequence: n,
        note: 'café ☕',
      };
      const ev = await h.call('POST', '/v1/events', { key, body: { type: 'shop.order_paid', data } });
      assert.equal(ev.status, 202, ev.text);
      await r.waitFor(() => r.for('/webhooks').length >= n, 10_000, `webhook ${n}`);
      const got = r.for('/webhooks')[n - 1];
      const body = Buffer.from(got.body, 'utf8');
      // The receiver decodes the body as UTF-8; the length shows no byte was lost or replaced.
      assert.equal(body.length, Number(got.headers['content-length']));
      assert.ok(
        body.some((b) => b > 0x7f),
        'the body carries multi-byte UTF-8',
      );
      assert.equal(got.headers['webhook-id'], ev.body.id);
      assert.equal(JSON.parse(got.body).id, ev.body.id, 'webhook-id is the event id in the body');
      return {
        id: String(got.headers['webhook-id']),
        timestamp: String(got.headers['webhook-timestamp']),
        signature: String(got.headers['webhook-signature']),
        body,
      };
    };

    const first = await send(1);
    const rotated = await h.call('POST', `/v1/endpoints/${ep.body.id}/rotate-secret`, { key });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal(rotated.body.previous_secrets[0].secret, ep.body.secret);
    const second = await send(2);
    assert.equal(second.signature.split(' ').length, 2, 'during a rotation the webhook carries two signatures');
    return { secret: ep.body.secret, first, newSecret: rotated.body.secret, rotated: second };
  })();
  return live;
}

// --- The page shows the files. ---

test('docs/receiving.md shows every file of docs/receiving/ exactly, and no other', () => {
  const page = readFileSync(join(DOCS, 'receiving.md'), 'utf8');
  const shown = new Map<string, string>();
  for (const m of page.matchAll(/<!-- file: receiving\/(\S+) -->\n```\w+\n([\s\S]*?)^```$/gm)) shown.set(m[1], m[2]);
  assert.deepEqual([...shown.keys()].sort(), readdirSync(SNIPPETS).sort());
  for (const [file, code] of shown)
    assert.equal(code, readFileSync(snippet(file), 'utf8'), `receiving.md differs from receiving/${file}`);
  assert.deepEqual(LANGUAGES.map((l) => l.file).sort(), [...shown.keys()].sort(), 'every snippet is run here');
});

test('which snippets run here', (t) => {
  t.diagnostic(`running: ${runnable.map((l) => l.name).join(', ') || 'none'}`);
  if (skipped.length)
    t.diagnostic(
      `skipped (toolchain not on PATH): ${skipped.map((l) => `${l.name}: ${missing(l).join(', ')}`).join('; ')}`,
    );
  assert.equal(runnable.length + skipped.length, LANGUAGES.length);
});

for (const l of LANGUAGES) {
  const absent = missing(l);
  // The cases of one language run four at a time: each is a process start, mostly waiting.
  describe(`${l.name} snippet (docs/receiving/${l.file})`, {
    skip: absent.length ? `no ${absent.join(', ')} on PATH` : false,
    concurrency: 4,
  }, () => {
    let dir = '';
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'payhook-receiving-'));
      if (l.build) {
        const [cmd, args] = l.build(dir);
        const r = await exec(cmd, args, baseEnv);
        assert.equal(r.code, 0, `${cmd} failed:\n${r.stdout}${r.stderr}`);
      }
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    for (const c of vectors.verify) {
      test(`vector: ${c.name} (${c.ok ? 'ok' : c.error})`, async () => {
        const out = await decide(l, dir, {
          secret: c.secret,
          id: c.headers['webhook-id'],
          timestamp: c.headers['webhook-timestamp'],
          signature: c.headers['webhook-signature'],
          body: Buffer.from(c.payload, 'utf8'),
          now: c.now,
        });
        assert.equal(out, c.ok ? 'ok' : `fail: ${c.error}`);
      });
    }
    // The HMAC sign vectors verify too (the ed25519 `v1a` ones are the SDK's, not these snippets').
    for (const c of vectors.sign.filter((s) => s.signature.startsWith('v1,'))) {
      test(`sign vector: ${c.name}`, async () => {
        const out = await decide(l, dir, {
          secret: c.secret,
          id: c.id,
          timestamp: String(c.timestamp),
          signature: c.signature,
          body: Buffer.from(c.payload, 'utf8'),
          now: c.timestamp,
        });
        assert.equal(out, 'ok');
      });
    }

    test('a webhook delivered by a live payhook verifies; with one byte changed it does not', async () => {
      const { secret, first } = await liveWebhooks();
      // No VERIFY_NOW: the snippet checks the timestamp against its real clock.
      assert.equal(await decide(l, dir, { secret, ...first }), 'ok');
      const at = first.body.indexOf('10000');
      assert.ok(at > 0);
      const tampered = Buffer.from(first.body);
      tampered[at] = '2'.charCodeAt(0);
      assert.equal(await decide(l, dir, { secret, ...first, body: tampered }), 'fail: signature');
      assert.equal(
        await decide(l, dir, { secret, ...first, timestamp: String(Number(first.timestamp) + 1) }),
        'fail: signature',
      );
    });

    test('during a secret rotation the webhook verifies with the new and with the old secret, not with another', async () => {
      const { secret, newSecret, rotated } = await liveWebhooks();
      assert.equal(await decide(l, dir, { secret: newSecret, ...rotated }), 'ok');
      assert.equal(await decide(l, dir, { secret, ...rotated }), 'ok');
      const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
      assert.equal(await decide(l, dir, { secret: other, ...rotated }), 'fail: signature');
    });
  });
}
