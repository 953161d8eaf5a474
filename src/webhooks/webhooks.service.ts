import { createHmac } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys.service';
import { RunEntity } from '../runs/run.entity';
import { runView } from '../runs/run.view';

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
    const res = await fetch(run.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'rzero-service-webhooks',
        [TIMESTAMP_HEADER]: sentAt,
        [SIGNATURE_HEADER]: signWebhook(secret, body),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
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
