import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseBoolPipe,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
  DefaultValuePipe,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { validationFailed } from '../common/domain-error';
import { RunStreamService } from '../events/run-stream.service';
import { DownloadQuery, ListCurriculumQuery, ListRunsQuery } from './dto/list-runs.query';
import { StartRunDto } from './dto/start-run.dto';
import { RunsService } from './runs.service';
import type { Page, StartRunResult } from './runs.service';
import type { CurriculumItemView, IterationView, RunView, ScoreView } from './run.view';

@Controller('runs')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly stream: RunStreamService,
  ) {}

  @Post()
  async startRun(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: StartRunDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Query('dryRun', new DefaultValuePipe(false), ParseBoolPipe) dryRun: boolean,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StartRunResult['body']> {
    const out = await this.runs.startRun(principal, dto, idempotencyKey, dryRun);
    res.status(out.statusCode);
    return out.body;
  }

  @Get()
  listRuns(
    @CurrentPrincipal() principal: Principal,
    @Query() q: ListRunsQuery,
  ): Promise<Page<RunView>> {
    return this.runs.listRuns(principal, q);
  }

  @Get(':id')
  getRun(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<RunView> {
    return this.runs.getRun(principal, id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  cancelRun(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<RunView> {
    return this.runs.cancelRun(principal, id);
  }

  @Get(':id/iterations')
  listIterations(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<IterationView[]> {
    return this.runs.listIterations(principal, id);
  }

  @Get(':id/curriculum')
  listCurriculum(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: ListCurriculumQuery,
  ): Promise<{ items: CurriculumItemView[]; total: number }> {
    return this.runs.listCurriculum(principal, id, q);
  }

  @Get(':id/scores')
  listScores(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ScoreView[]> {
    return this.runs.listScores(principal, id);
  }

  @Get(':id/solver')
  downloadSolver(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: DownloadQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    return this.download(principal, id, 'solver', q, res);
  }

  @Get(':id/challenger')
  downloadChallenger(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: DownloadQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    return this.download(principal, id, 'challenger', q, res);
  }

  /** Server-Sent Events: replay after Last-Event-ID (or ?after=), then live until the run ends. */
  @Get(':id/events')
  async streamRunEvents(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query('after') after: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const run = await this.runs.findVisible(principal, id);
    const from = lastEventId ?? after ?? '0';
    if (!/^\d{1,15}$/.test(from)) {
      throw validationFailed([
        {
          field: lastEventId !== undefined ? 'Last-Event-ID' : 'after',
          reason: 'must be a non-negative integer',
        },
      ]);
    }
    await this.stream.streamRunEvents(run.id, Number(from), req, res);
  }

  private async download(
    principal: Principal,
    id: string,
    role: 'solver' | 'challenger',
    q: DownloadQuery,
    res: Response,
  ): Promise<StreamableFile> {
    const { filename, stream } = await this.runs.downloadRole(principal, id, role, q);
    res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
    return new StreamableFile(stream, { type: 'application/gzip' });
  }
}
