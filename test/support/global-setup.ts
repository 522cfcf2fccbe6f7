/**
 * Starts one real OpenBao dev server (`bao server -dev`, from `make setup`) on a free loopback
 * port with a random root token for the whole test run, and stops it at the end. Tests read its
 * address and token with `inject('vault')`; each test file creates its own uniquely named mounts.
 */
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../../scripts/lib/openbao.js';

declare module 'vitest' {
  export interface ProvidedContext {
    vault: { address: string; token: string };
  }
}

let server: DevServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startDevServer();
  project.provide('vault', { address: server.address, token: server.token });
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
