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
 * An address ipaddr.js cannot parse keys as it is; none (a socket already closed) as `unknown`.
 */
export function clientAddressKey(remote: string | undefined): string {
  if (!remote) return 'unknown';
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(remote);
  } catch {
    return remote;
  }
  if (address.kind() === 'ipv4') return address.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/64`).toString()}/64`;
}
