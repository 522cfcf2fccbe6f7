/**
 * Which client a request comes from, as the per-client token-check bucket counts it: the peer
 * address of the connection (never a header a client could forge), one key per IPv4 address and
 * one per IPv6 /64 (one host is usually handed a whole /64, so counting single IPv6 addresses
 * would give it 2^64 buckets).
 */
import ipaddr from 'ipaddr.js';

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
