/**
 * Print `{tool: [operation, ...]}` for every hand-written tool (its `operations` and
 * `optionalOperations`, in registry order) as JSON on stdout: `make generate` passes it to the
 * codegen (which never imports src/) for the per-tool section of its report. When src/ cannot be
 * loaded (e.g. generated/ is missing), prints `{}` and says why on stderr.
 */
async function main(): Promise<void> {
  try {
    const { TOOLS } = await import('../src/tools/index.js');
    const map = Object.fromEntries(
      TOOLS.map((tool) => [tool.name, [...tool.operations, ...(tool.optionalOperations ?? [])]]),
    );
    process.stdout.write(`${JSON.stringify(map)}\n`);
  } catch (error) {
    process.stderr.write(
      `tool-operations: cannot load src/tools (${error instanceof Error ? error.message : String(error)})\n`,
    );
    process.stdout.write('{}\n');
  }
}

await main();
