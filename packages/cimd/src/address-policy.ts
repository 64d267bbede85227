import { BlockList, isIP, isIPv4 } from 'node:net';
import { ConfigurationError } from '@oauth-store/core';

/**
 * Address ranges a client metadata document must never be fetched from: an attacker picks the client_id, so without
 * this an authorization server could be made to request its own loopback services, the cloud metadata endpoint or
 * the private network (SSRF). Checked on every address the host name resolves to, after DNS, and the connection is
 * then pinned to the checked address so a second DNS answer cannot swap it (DNS rebinding).
 */
const REFUSED_V4: ReadonlyArray<[string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT (also Alibaba's metadata 100.100.100.200)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const REFUSED_V6: ReadonlyArray<[string, number]> = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (AWS metadata fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

function blockList(): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of REFUSED_V4) list.addSubnet(address, prefix, 'ipv4');
  for (const [address, prefix] of REFUSED_V6) list.addSubnet(address, prefix, 'ipv6');
  return list;
}
const REFUSED = blockList();

/** Expands an IPv6 address to its 8 groups (numbers), or undefined when it does not parse. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] && dotted[2]) {
    const bytes = dotted[2].split('.').map(Number);
    text = `${dotted[1]}${(((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0)).toString(16)}:${(((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((g) =>
    Number.parseInt(g, 16),
  );
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** The IPv4 address an IPv6 address embeds (IPv4-mapped, IPv4-compatible, NAT64, 6to4), if any. */
function embeddedIPv4(groups: number[]): string | undefined {
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  const [g0 = 0, g1 = 0, , , , g5 = 0, g6 = 0, g7 = 0] = groups;
  if (zeros(0, 5) && (g5 === 0xffff || g5 === 0)) return v4(g6, g7); // ::ffff:a.b.c.d and ::a.b.c.d
  if (g0 === 0x64 && g1 === 0xff9b && zeros(2, 6)) return v4(g6, g7); // NAT64 64:ff9b::/96
  if (g0 === 0x2002) return v4(g1, groups[2] ?? 0); // 6to4 2002:AABB:CCDD::
  return undefined;
}

/** True when the SSRF policy refuses this IP address (v4 or v6). Anything that is not an IP address is refused. */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return REFUSED.check(address, 'ipv4');
  if (family !== 6) return true;
  const groups = ipv6Groups(address);
  if (!groups) return true;
  const v4 = embeddedIPv4(groups);
  // An embedded IPv4 (::ffff:127.0.0.1, 64:ff9b::a9fe:a9fe, 2002:0a00:0001::) is judged as the IPv4 it reaches.
  if (v4 !== undefined && isIPv4(v4) && REFUSED.check(v4, 'ipv4')) return true;
  const normalized = groups.map((g) => g.toString(16)).join(':');
  return REFUSED.check(normalized, 'ipv6');
}

/** Which addresses a document may be fetched from. */
export interface AddressPolicyOptions {
  /**
   * Allow every address, private ones included. For local development only (a document served on loopback); never in
   * production, where anyone choosing a client_id could then make the server request internal services. Default false.
   */
  allowPrivateAddresses?: boolean;
  /**
   * Addresses or CIDR ranges allowed although the policy refuses them (for example `['10.1.2.3']` for one internal
   * client host). A narrower opt-in than `allowPrivateAddresses`.
   */
  allowedAddresses?: readonly string[];
}

/** Decides, address by address, whether a document may be fetched from it. */
export class AddressPolicy {
  readonly #allowAll: boolean;
  readonly #allowed: BlockList | undefined;

  constructor(options: AddressPolicyOptions = {}) {
    this.#allowAll = options.allowPrivateAddresses === true;
    if (options.allowedAddresses?.length) {
      const list = new BlockList();
      for (const entry of options.allowedAddresses) {
        const [address = '', prefixText] = entry.split('/');
        const family = isIP(address);
        if (family === 0) {
          throw new ConfigurationError(`allowedAddresses: "${entry}" is not an IP address or CIDR range.`, {
            source: 'cimd',
          });
        }
        const type = family === 4 ? 'ipv4' : 'ipv6';
        if (prefixText === undefined) list.addAddress(address, type);
        else list.addSubnet(address, Number(prefixText), type);
      }
      this.#allowed = list;
    }
  }

  /** True when no address is refused (the local-development opt-in). */
  get allowsEverything(): boolean {
    return this.#allowAll;
  }

  /** True when a connection to this address is allowed. */
  allows(address: string): boolean {
    if (this.#allowAll) return true;
    if (!isRefusedAddress(address)) return true;
    const family = isIP(address);
    return this.#allowed !== undefined && family !== 0 && this.#allowed.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}
