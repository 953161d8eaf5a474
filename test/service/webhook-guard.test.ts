/** Where webhooks may go: the address checks, and the lookup hook every delivery connects through. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkWebhookTarget,
  guardedLookup,
  parseAllowedHosts,
  refusedAddress,
  WebhookTargetError,
} from '../../src/webhooks/outbound-guard';

describe('webhook targets', () => {
  test('loopback, private, link-local, CGNAT, multicast, reserved and mapped forms are refused', () => {
    for (const a of [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.251',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
    ])
      assert.ok(refusedAddress(a), `${a} must be refused`);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      assert.equal(refusedAddress(a), null, `${a} is public`);
  });

  test('URLs: IP literals and names that resolve inside are refused; the allow-list lets a host through', async () => {
    const none = new Set<string>();
    for (const url of [
      'http://127.0.0.1:9/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/',
      'http://[::ffff:10.0.0.1]/',
      'http://10.1.2.3/',
      'http://localhost:9/',
      'ftp://93.184.216.34/',
      'http://user:pw@93.184.216.34/',
    ])
      await assert.rejects(checkWebhookTarget(url, none), WebhookTargetError, url);
    await checkWebhookTarget('https://93.184.216.34/hook', none);
    await checkWebhookTarget('http://127.0.0.1:9/hook', parseAllowedHosts('127.0.0.1, other'));
    await checkWebhookTarget('http://[::1]:9/', parseAllowedHosts('[::1]'));
  });

  test('at delivery the connection itself is refused when the name resolves inside', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const send = (allowed: Set<string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: 'localhost',
            port,
            method: 'POST',
            family: 4,
            lookup: guardedLookup(allowed) as never,
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
    try {
      await assert.rejects(send(new Set()), WebhookTargetError);
      assert.equal(hits, 0, 'nothing reached the loopback server');
      assert.equal(await send(new Set(['localhost'])), 200);
      assert.equal(hits, 1);
    } finally {
      server.close();
    }
  });
});
