/**
 * Where webhooks may go. A webhook URL is the caller's, so without a check a run could make the
 * worker POST to the machine itself, the cloud metadata service or the private network (SSRF).
 * Refused: loopback, private, link-local, carrier-grade NAT, multicast, unspecified, reserved and
 * documentation ranges, IPv4-mapped IPv6 forms of those, and names that resolve to any of them.
 * The check runs when the run is created (POST /runs answers 400) and again at every delivery,
 * on the very addresses the connection uses (a lookup hook), so a name that later resolves
 * inside is still refused. RZERO_WEBHOOK_ALLOWED_HOSTS lists hosts (names or IP literals, as they
 * appear in URLs) that are allowed anyway, e.g. a receiver on the private network.
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** Why `address` may not receive webhooks, or null when it may. */
export function refusedAddress(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is the IPv4 address it maps.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return refusedAddress(mapped);
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6')
    ? `${address} is a loopback, private, link-local, multicast or reserved address`
    : null;
}

/** The host of a URL as compared with the allow-list (lower case, IPv6 without brackets). */
const hostOf = (url: URL): string => url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');

export class WebhookTargetError extends Error {
  override readonly name = 'WebhookTargetError';
}

/** dns.lookup with every answer checked: the lookup hook for http(s).request at delivery. */
export function guardedLookup(allowed: ReadonlySet<string>) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (
      err: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (!allowed.has(hostname.toLowerCase())) {
        for (const a of list) {
          const why = refusedAddress(a.address);
          if (why) return callback(new WebhookTargetError(`webhook host ${hostname}: ${why}`), []);
        }
      }
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/**
 * Checks what the URL itself says: the scheme, no credentials, and an IP-literal host. Returns the
 * host name to resolve, or null when there is nothing to resolve (an IP literal or an allowed host).
 * Throws WebhookTargetError with the reason.
 */
export function checkWebhookUrl(raw: string, allowed: ReadonlySet<string>): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookTargetError('must be http or https');
  if (url.username || url.password) throw new WebhookTargetError('must not carry credentials');
  const host = hostOf(url);
  if (allowed.has(host)) return null;
  if (isIP(host)) {
    const why = refusedAddress(host);
    if (why) throw new WebhookTargetError(why);
    return null;
  }
  return host;
}

/**
 * Checks a webhook URL now (when a run is created): the URL, then every address its host
 * resolves to. Throws WebhookTargetError with the reason.
 */
export async function checkWebhookTarget(raw: string, allowed: ReadonlySet<string>): Promise<void> {
  const host = checkWebhookUrl(raw, allowed);
  if (host === null) return;
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, list) =>
      err
        ? reject(new WebhookTargetError(`${host} does not resolve (${err.code ?? err.message})`))
        : resolve(list),
    ),
  );
  for (const a of addresses) {
    const why = refusedAddress(a.address);
    if (why) throw new WebhookTargetError(`${host} resolves to ${why}`);
  }
}

/** RZERO_WEBHOOK_ALLOWED_HOSTS: comma-separated hosts as they appear in URLs. */
export function parseAllowedHosts(value: string | undefined): Set<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map((h) =>
        h
          .trim()
          .toLowerCase()
          .replace(/^\[(.*)\]$/, '$1'),
      )
      .filter(Boolean),
  );
}
