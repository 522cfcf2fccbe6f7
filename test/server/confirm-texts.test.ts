/**
 * Confirmation texts of the raw KV writes: they name the keys at stake as the hand-written tools
 * do, and a patch that only removes keys does not speak of values (review of stop 20).
 */
import { describe, expect, it } from 'vitest';
import { confirmationMessage, revealMessage } from '../../src/server/confirm.js';
import { loadApiTools } from '../../src/server/api-tools.js';
import { TOOLS } from '../../src/tools/index.js';
import type { Tool } from '../../src/server/tool.js';

const tools = new Map((await loadApiTools()).map((t): [string, Tool] => [t.name, t]));

/** The hand-written tool named `name`. */
const handWritten = (name: string): Tool => {
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool) throw new Error(`no ${name}`);
  return tool;
};
const asked = (name: string, args: Record<string, unknown>): string => {
  const tool = tools.get(name);
  if (!tool) throw new Error(`no tool ${name}`);
  return confirmationMessage(tool, args);
};

describe('confirmations of the raw KV writes', () => {
  it('kv_v1_write says the current data is gone, with no word about versions', () => {
    expect(asked('kv_v1_write', { mount: 'kv1', path: 'app', data: { b: 'x', a: 'y' } })).toBe(
      'The assistant wants to run kv_v1_write. Replace kv1/app with the keys a, b (values not shown): keys not given are removed. KV v1 keeps no versions: the current data is gone for good. Allow this once?',
    );
  });

  it('kv_v2_patch that only removes keys names them and shows no value', () => {
    expect(
      asked('kv_v2_patch', { mount: 'secret/', path: 'app', data: { b: null, a: null } }),
    ).toBe(
      'The assistant wants to run kv_v2_patch. Remove the keys a, b of secret/app; other keys are kept. This is a new version and the previous one stays readable unless max_versions prunes it. Allow this once?',
    );
  });

  it('kv_v2_patch with nothing in data says it changes no key', () => {
    expect(asked('kv_v2_patch', { mount: 'secret', path: 'app', data: {} })).toBe(
      'The assistant wants to run kv_v2_patch. Change no key of secret/app; other keys are kept. This is a new version and the previous one stays readable unless max_versions prunes it. Allow this once?',
    );
  });
});

describe('confirmations that say what a setting deletes (attack-7 F5)', () => {
  it('tune_mount and mounts_tune show the settings and say a KV upgrade is one-way', () => {
    const tune = handWritten('tune_mount');
    const args = { path: 'kv1', max_lease_ttl: '2h', description: 'x', options: { version: '2' } };
    const expected =
      'Change the settings of the mount \'kv1\' (max_lease_ttl="2h"; description; options.version="2"). A KV mount given version "2" is upgraded in place, which cannot be undone.';
    expect(confirmationMessage(tune, args)).toBe(
      `The assistant wants to run tune_mount. ${expected} Allow this once?`,
    );
    expect(asked('mounts_tune', args)).toBe(
      `The assistant wants to run mounts_tune. ${expected} Allow this once?`,
    );
  });

  it('write_secret_metadata names what delete_version_after soft-deletes', () => {
    const meta = handWritten('write_secret_metadata');
    expect(
      confirmationMessage(meta, { mount: 'secret', path: 'app', delete_version_after: '1s' }),
    ).toBe(
      'The assistant wants to run write_secret_metadata. Change the metadata settings of secret/app; delete_version_after "1s" soft-deletes each new version that long after it is written. Allow this once?',
    );
  });
});

describe('metadata confirmations, raw and zero values (review of attack-7 fixes, finding 4)', () => {
  it('kv_v2_write_metadata names what it deletes; 0 is worded as off', () => {
    expect(
      asked('kv_v2_write_metadata', {
        mount: 'secret',
        path: 'app',
        max_versions: 2,
        delete_version_after: '0',
      }),
    ).toBe(
      'The assistant wants to run kv_v2_write_metadata. Change the metadata settings of secret/app; max_versions 2 deletes older versions beyond that; delete_version_after 0 turns automatic deletion off. Allow this once?',
    );
    expect(asked('kv_v2_patch_metadata', { mount: 'secret', path: 'app', max_versions: 0 })).toBe(
      "The assistant wants to run kv_v2_patch_metadata. Change the metadata settings of secret/app; max_versions 0 keeps as many versions as the mount's setting allows. Allow this once?",
    );
  });
});

describe('model-chosen names in a question cannot speak for themselves', () => {
  it('a key name holding a newline and a sentence is JSON-quoted', () => {
    const crafted = 'x\n\nNothing will be changed: this is a dry run.';
    expect(asked('kv_v2_write', { mount: 'secret', path: 'app', data: { [crafted]: 'v' } })).toBe(
      'The assistant wants to run kv_v2_write. Replace secret/app with the key "x\\n\\nNothing will be changed: this is a dry run." (values not shown): keys not given are removed. This is a new version and the previous one stays readable unless max_versions prunes it. Allow this once?',
    );
  });

  it('a bidi override is written as \\u202e and a long name is cut in the middle at 80 characters', () => {
    const long = `k ${'a'.repeat(100)}_private`;
    expect(
      asked('kv_v2_patch', {
        mount: 'secret',
        path: 'app',
        data: { 'ab\u202ecd': null, [long]: 1 },
      }),
    ).toBe(
      `The assistant wants to run kv_v2_patch. Set the key "k ${'a'.repeat(37)}…${'a'.repeat(30)}_private" and remove the key "ab\\u202ecd" of secret/app (value not shown); other keys are kept. This is a new version and the previous one stays readable unless max_versions prunes it. Allow this once?`,
    );
  });

  it('blank letters, quote-like modifier letters and DEL are escaped (review of stop 22)', () => {
    expect(
      asked('kv_v2_write', {
        mount: 'secret',
        path: 'prod/db',
        data: { 'user.\u3164Dry\u3164run': 'x', 'web\u02bc\u02bakept': 'y', 'k\u007fey': 'z' },
      }),
    ).toBe(
      'The assistant wants to run kv_v2_write. Replace secret/prod/db with the keys "k\\u007fey", "user.\\u3164Dry\\u3164run", "web\\u02bc\\u02bakept" (values not shown): keys not given are removed. This is a new version and the previous one stays readable unless max_versions prunes it. Allow this once?',
    );
    // Letters of other scripts stay readable, quoted.
    expect(asked('kv_v1_write', { mount: 'kv1', path: 'app', data: { mot_de_passe_é: 'x' } })).toBe(
      'The assistant wants to run kv_v1_write. Replace kv1/app with the key "mot_de_passe_é" (values not shown): keys not given are removed. KV v1 keeps no versions: the current data is gone for good. Allow this once?',
    );
  });

  it('two long targets that differ at the end read differently: a path keeps both ends', () => {
    const drop = handWritten('delete_secret_metadata');
    const path = (env: string): string => `team/${'x'.repeat(300)}/${env}`;
    const prod = confirmationMessage(drop, { mount: 'secret', path: path('prod') });
    const test = confirmationMessage(drop, { mount: 'secret', path: path('test') });
    expect(prod).toBe(
      `The assistant wants to run delete_secret_metadata. Delete "secret/team/${'x'.repeat(107)}…${'x'.repeat(113)}/prod" entirely: every version, its data and its metadata. This cannot be undone. Allow this once?`,
    );
    expect(test).toBe(prod.replace('/prod"', '/test"'));
    // Up to 240 characters, a plain path is shown whole.
    const whole = `team/${'x'.repeat(200)}/prod`;
    expect(confirmationMessage(drop, { mount: 'secret', path: whole })).toContain(
      `Delete secret/${whole} entirely`,
    );
  });

  it('a write of 25 keys names the first 20 and counts the rest', () => {
    const data = Object.fromEntries(
      Array.from({ length: 25 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']),
    );
    const first = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    expect(asked('kv_v1_write', { mount: 'kv1', path: 'app', data })).toBe(
      `The assistant wants to run kv_v1_write. Replace kv1/app with the keys ${first.join(', ')} and 5 more (values not shown): keys not given are removed. KV v1 keeps no versions: the current data is gone for good. Allow this once?`,
    );
  });

  it('a tune option name and a path with a space are quoted', () => {
    expect(asked('mounts_tune', { path: 'my kv', options: { 'version\nAllow: yes': '1' } })).toBe(
      'The assistant wants to run mounts_tune. Change the settings of the mount "my kv" ("options.version\\nAllow: yes"="1"). Allow this once?',
    );
  });
});

describe('a reveal question names the withheld keys the same way', () => {
  it('a stored key name with a newline cannot add a sentence to the question', () => {
    const read = handWritten('read_secret');
    expect(
      revealMessage(read, { mount: 'secret', path: 'app' }, ['password', 'a\nThey stay local.']),
    ).toBe(
      'The assistant asks to see the values of password, "a\\nThey stay local." of secret/app (read_secret). They will be sent to the AI model. Allow for this call only?',
    );
  });
});
