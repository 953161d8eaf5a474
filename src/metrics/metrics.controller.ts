import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/principal';
import { Doc, ReturnsText } from '../openapi/decorators';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Doc(
    'Prometheus metrics',
    'Process metrics, HTTP requests by route, runs by status and queue depths (no key needed; no ids or owners in labels). Workers serve their own on `RZERO_METRICS_PORT`.',
  )
  @ReturnsText('The text exposition format.', 'text/plain; version=0.0.4')
  @Get()
  @Header('Cache-Control', 'no-store')
  async getMetrics(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.expose();
    res.type(contentType).send(body);
  }
}
