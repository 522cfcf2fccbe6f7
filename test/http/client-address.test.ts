import { describe, expect, it } from 'vitest';
import { clientAddressKey } from '../../src/transports/http/client-address.js';

describe('the client address a token-check bucket counts', () => {
  it('is the IPv4 address, the /64 of an IPv6 one, and an IPv4-mapped address as IPv4', () => {
    const given = [
      '127.0.0.2',
      '::ffff:127.0.0.2',
      '2001:db8:1:2:3:4:5:6',
      '2001:0db8:0001:0002:ffff:ffff:ffff:ffff',
      '::1',
      'fe80::1%eth0',
      '10.7.7.7:40001',
      '[2001:db8:1:2::1]:443',
      'not an address',
      '10.7.7.7:40001:junk',
      undefined,
    ];
    expect(given.map(clientAddressKey)).toEqual([
      '127.0.0.2',
      '127.0.0.2',
      '2001:db8:1:2::/64',
      '2001:db8:1:2::/64',
      '::/64',
      'fe80::/64',
      '10.7.7.7',
      '2001:db8:1:2::/64',
      'unparsed',
      'unparsed',
      'unknown',
    ]);
  });
});
