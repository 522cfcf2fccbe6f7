/**
 * Which client a request comes from, as the per-client token-check bucket counts it: the peer
 * address of the connection, or behind proxies the operator trusts (MCP_TRUSTED_PROXIES) the
 * address their X-Forwarded-For names (proxy-addr); one key per IPv4 address and one per IPv6
 * /64 (one host is usually handed a whole /64, so counting single IPv6 addresses would give it
 * 2^64 buckets).
 */
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';

/**
 * The client address of requests: the peer address, unless `trusted` names proxies (proxy-addr's
 * syntax: addresses, CIDR ranges, `loopback`, `linklocal`, `uniquelocal`); then, from a trusted
 * peer, the nearest address in X-Forwarded-For that is not a trusted proxy. A header from an
 * untrusted peer is never read: a client cannot pick its own bucket.
 * @throws TypeError for an entry proxy-addr cannot read (config.ts validated them before).
 */
export function clientAddressOf(
  trusted: readonly string[],
): (req: IncomingMessage) => string | undefined {
  if (trusted.length === 0) return (req) => req.socket.remoteAddress;
  const trust = proxyaddr.compile([...trusted]);
  // proxy-addr reads the socket's address and the header itself.
  return (req) => proxyaddr(req, trust);
}

/**
 * The bucket key of a peer address: `127.0.0.2`, `2001:db8:1:2::/64`; an IPv4-mapped IPv6
 * address (`::ffff:127.0.0.2`, what a dual-stack listener reports) counts as its IPv4 address.
 * An address with a port (`10.0.0.7:40001`, `[2001:db8::1]:443`, as some proxies write
 * X-Forwarded-For) counts without it. Anything else ipaddr.js cannot parse shares the one key
 * `unparsed` (a key of its own per text would give each text a fresh bucket); none (a socket
 * already closed) keys as `unknown`.
 */
export function clientAddressKey(remote: string | undefined): string {
  if (!remote) return 'unknown';
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(withoutPort(remote));
  } catch {
    return 'unparsed';
  }
  if (address.kind() === 'ipv4') return address.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/64`).toString()}/64`;
}

/** `10.0.0.7:40001` → `10.0.0.7`, `[2001:db8::1]:443` → `2001:db8::1`; anything else as it is. */
function withoutPort(text: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed?.[1]) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4?.[1] ?? text;
}
