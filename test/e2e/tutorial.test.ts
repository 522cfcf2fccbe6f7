/**
 * The tutorial's scenario end to end: the built binary over stdio, driven by the SDK client,
 * under the tutorial's exact policy and a scoped token, against a dev server of its own (the
 * scenario needs the default `secret/` and a free `pki/`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../scripts/lib/openbao.js';
import { playTutorial, TUTORIAL_SECRETS, type TutorialRun } from '../../scripts/lib/tutorial.js';

let server: DevServer;
let run: TutorialRun;

beforeAll(async () => {
  server = await startDevServer();
  run = await playTutorial(server);
}, 120_000);
afterAll(() => server.stop());

describe('tutorial scenario over stdio', () => {
  it('makes the calls the tutorial makes, in order', () => {
    expect(run.calls.map((c) => c.tool)).toEqual([
      'whoami',
      'list_mounts',
      'read_secret',
      'read_secret',
      'audit_secrets',
      'read_secret_metadata',
      'read_secret_metadata',
      'enable_pki',
      'create_pki_issuer',
      'create_pki_role',
      'list_pki_issuers',
      'sign_pki_certificate',
      'issue_pki_certificate',
    ]);
  });

  it('shows the hierarchy as a tree', () => {
    const audit = run.calls.find((c) => c.tool === 'audit_secrets');
    const text =
      audit?.result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n') ?? '';
    const lines = text
      .split('\n')
      .map((l) => l.replace(/ {2}\(v1, updated [^,]+, keys: /, '  (keys: '));
    expect(lines).toEqual([
      'secret/',
      '└── myapp/',
      '    ├── database  (keys: database, host, password, port, username)',
      '    └── integrations/',
      '        └── payment-gateway  (keys: api_key, endpoint, timeout_seconds)',
      '2 secrets in 3 folders.',
    ]);
  });

  it('never lets a secret value or a token out: not in tool results, not on stderr', () => {
    const everything = JSON.stringify(run.calls.map((c) => c.result)) + run.stderr;
    for (const secret of Object.values(TUTORIAL_SECRETS)) {
      for (const [key, value] of Object.entries(secret)) {
        // Short values that are also words of the output ('30', '5432') are checked as whole JSON strings.
        const probe = value.length >= 8 ? value : `"${value}"`;
        expect(everything, `${key}`).not.toContain(probe);
      }
    }
    expect(everything).not.toContain(run.token);
    expect(everything).not.toContain(server.token);
  });

  it("logs the mode line and no root warning (the tutorial's token is scoped)", () => {
    expect(run.stderr).toMatch(
      /vault-mcp \d+\.\d+\.\d+ transport=stdio vault=http:\/\/127\.0\.0\.1:\d+ namespace=\(root\) read-only=false reveal=false toolsets=kv,pki,mounts,auth tools=34/,
    );
    expect(run.stderr).not.toContain('root policy');
    expect(run.stderr).toContain('"policies":["default","vault-mcp-developer"]');
  });
});
