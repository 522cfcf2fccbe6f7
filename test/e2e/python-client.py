"""A client this project did not write: the MCP Python SDK (PyPI `mcp`) drives the built binary
over stdio. It lists and gets prompts, lists and reads resources, completes a path, and answers
two elicitations (decline, then accept) with its own elicitation callback. Prints one JSON
object for test/e2e/python-sdk.test.ts to check.

Usage: python python-client.py <node> <vault-mcp.mjs> <kv mount>   (VAULT_ADDR/VAULT_TOKEN in env)
"""

import json
import os
import sys

import anyio
from mcp import ClientSession, StdioServerParameters, stdio_client, types


async def main() -> None:
    node, cli, mount = sys.argv[1:4]
    answers = ["decline", "accept"]
    asked: list[str] = []

    async def elicit(_context, params):
        asked.append(params.message)
        action = answers.pop(0) if answers else "decline"
        return types.ElicitResult(action=action, content={} if action == "accept" else None)

    params = StdioServerParameters(command=node, args=[cli], env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, elicitation_callback=elicit) as session:
            await session.initialize()
            prompts = await session.list_prompts()
            plan = await session.get_prompt(
                "plan_secret_layout", {"mount": mount, "app": "py"}
            )
            resources = await session.list_resources()
            templates = await session.list_resource_templates()
            secret = await session.read_resource(f"vault://kv/{mount}/py/db")
            completion = await session.complete(
                types.ResourceTemplateReference(type="ref/resource", uri="vault://kv/{mount}/{+path}"),
                {"name": "path", "value": "py/"},
                {"mount": mount},
            )
            declined = await session.call_tool(
                "destroy_secret_versions", {"mount": mount, "path": "py/db", "versions": [1]}
            )
            accepted = await session.call_tool(
                "delete_secret_metadata", {"mount": mount, "path": "py/old"}
            )
    text = lambda result: "".join(c.text for c in result.content if c.type == "text")
    print(
        json.dumps(
            {
                "prompts": [p.name for p in prompts.prompts],
                "plan": plan.messages[0].content.text,
                "resources": [str(r.uri) for r in resources.resources],
                "templates": [t.uri_template for t in templates.resource_templates],
                "secret": json.loads(secret.contents[0].text),
                "completion": completion.completion.values,
                "asked": asked,
                "declined": [declined.is_error, text(declined)],
                "accepted": [accepted.is_error, text(accepted)],
            }
        )
    )


anyio.run(main)
