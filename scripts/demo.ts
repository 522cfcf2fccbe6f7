/**
 * `make demo`: the main job on real input. Starts a local dev server (OpenBao by default, any
 * Vault-compatible binary with VAULT_MCP_BAO_BIN), applies the
 * tutorial's policy, creates a scoped token, runs vault-mcp over stdio under it and plays the
 * tutorial's workflow, printing every tool call and result. Exits non-zero if any step fails.
 */
import { productLabel, serverProduct, startDevServer } from './lib/openbao.js';
import { playTutorial, StepFailed } from './lib/tutorial.js';

async function main(): Promise<number> {
  const server = await startDevServer();
  try {
    const product = productLabel(await serverProduct(server.address));
    process.stdout.write(
      `# ${product} dev server at ${server.address} (root token kept by this script)\n`,
    );
    const run = await playTutorial(server, (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(
      `\n# transcript: ${run.transcript.length} lines, ${run.calls.length} tool calls\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(
      `\nmake demo FAILED: ${error instanceof StepFailed ? error.message : String((error as Error).stack ?? error)}\n`,
    );
    return 1;
  } finally {
    await server.stop();
  }
}

main().then((code) => process.exit(code));
