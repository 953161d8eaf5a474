import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys.service';
import { RunEntity } from '../runs/run.entity';
import { runView } from '../runs/run.view';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { checkWebhookUrl, guardedLookup, WebhookTargetError } from './outbound-guard';

export const SIGNATURE_HEADER = 'x-rzero-signature';
export const TIMESTAMP_HEADER = 'x-rzero-timestamp';

/** `sha256=<hex>`: HMAC-SHA256 of the raw body with the key's webhook secret. */
export const signWebhook = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/**
 * Delivers a run's terminal status to its webhookUrl. The body carries the timestamp too
 * (`sentAt`, equal to the X-RZero-Timestamp header), so the signature covers it and a receiver
 * can refuse replays. A non-2xx answer or a network error throws: the queue retries with
 * exponential backoff.
 */
@Injectable()
export class WebhooksService {
  private readonly log = new Logger(WebhooksService.name);

  constructor(
    @InjectRepository(RunEntity) private readonly runs: Repository<RunEntity>,
    private readonly apiKeys: ApiKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async deliverWebhook(runId: string, status: string, attempt: number): Promise<void> {
    const run = await this.runs.findOne({ where: { id: runId } });
    if (!run?.webhookUrl || !run.apiKeyId) return;
    const secret = await this.apiKeys.webhookSecret(run.apiKeyId);
    if (!secret) return;
    const sentAt = new Date().toISOString();
    const body = JSON.stringify({
      type: `run.${status}`,
      runId,
      status,
      sentAt,
      run: runView(run),
    });
    // Checked again at delivery: the URL itself here (an IP literal connects without a lookup),
    // a name by the lookup hook on the very addresses the connection uses, so it is resolved
    // once. A refused target is logged and not retried; no redirects are followed.
    const allowed = new Set(this.config.webhookAllowedHosts);
    let res: { ok: boolean; status: number };
    try {
      checkWebhookUrl(run.webhookUrl, allowed);
      res = await post(
        run.webhookUrl,
        body,
        {
          'content-type': 'application/json',
          'user-agent': 'rzero-service-webhooks',
          [TIMESTAMP_HEADER]: sentAt,
          [SIGNATURE_HEADER]: signWebhook(secret, body),
        },
        allowed,
      );
    } catch (err) {
      if (!(err instanceof WebhookTargetError)) throw err;
      this.log.warn({ runId, attempt, reason: err.message }, 'webhook target refused');
      return;
    }
    if (!res.ok) {
      // The URL is the user's; log only its origin.
      this.log.warn(
        { runId, status: res.status, attempt, origin: new URL(run.webhookUrl).origin },
        'webhook refused',
      );
      throw new Error(`webhook answered ${res.status}`);
    }
    this.log.log({ runId, status, attempt }, 'webhook delivered');
  }
}

/** POSTs `body` with the guarded lookup; resolves to the status (the answer's body is discarded). */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  allowed: ReadonlySet<string>,
): Promise<{ ok: boolean; status: number }> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        lookup: guardedLookup(allowed) as never,
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({ ok: status >= 200 && status < 300, status });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('webhook timed out after 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}
