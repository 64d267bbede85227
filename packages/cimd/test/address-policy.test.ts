import { describe, expect, it } from '@jest/globals';
import { AddressPolicy, isRefusedAddress } from '../src/index';

describe('isRefusedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254', // AWS, GCP, Azure metadata
    '100.64.0.1', // CGNAT
    '100.100.100.200', // Alibaba metadata (CGNAT range)
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254', // AWS metadata over IPv6
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1', // IPv4-mapped loopback
    '::ffff:7f00:1', // the same, hex form
    '::ffff:169.254.169.254',
    '64:ff9b::a9fe:a9fe', // NAT64 to the metadata address
    '2002:0a00:0001::1', // 6to4 of 10.0.0.1
    'fe80::1%eth0',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isRefusedAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => {
      expect(isRefusedAddress(address)).toBe(false);
    },
  );
});

describe('AddressPolicy', () => {
  it('refuses private addresses by default; allowPrivateAddresses and allowedAddresses open them', () => {
    expect(new AddressPolicy().allows('127.0.0.1')).toBe(false);
    expect(new AddressPolicy({ allowPrivateAddresses: true }).allows('127.0.0.1')).toBe(true);
    const listed = new AddressPolicy({ allowedAddresses: ['10.1.0.0/16', '::1'] });
    expect(listed.allows('10.1.2.3')).toBe(true);
    expect(listed.allows('10.2.0.1')).toBe(false);
    expect(listed.allows('::1')).toBe(true);
    expect(listed.allows('8.8.8.8')).toBe(true);
    expect(() => new AddressPolicy({ allowedAddresses: ['nope'] })).toThrow(/allowedAddresses/);
  });
});
