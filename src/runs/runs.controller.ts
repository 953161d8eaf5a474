import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseBoolPipe,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
  DefaultValuePipe,
} from '@nestjs/common';
import { ApiHeader, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { validationFailed } from '../common/domain-error';
import { RunStreamService } from '../events/run-stream.service';
import {
  Body as BodyOf,
  Doc,
  Fails,
  QueryFrom,
  ref,
  Returns,
  ReturnsTarGz,
} from '../openapi/decorators';
import { DownloadQuery, ListCurriculumQuery, ListRunsQuery } from './dto/list-runs.query';
import { StartRunDto } from './dto/start-run.dto';
import { RunsService } from './runs.service';
import type { Page, StartRunResult } from './runs.service';
import type { CurriculumItemView, IterationView, RunView, ScoreView } from './run.view';
import { ParseId } from '../common/validation';

/** What a Solver or Challenger download can answer besides the file. */
const DOWNLOAD_ERRORS = [
  'VALIDATION_FAILED',
  'RUN_NOT_FOUND',
  'ARTIFACT_NOT_READY',
  'ITERATION_NOT_FOUND',
  'NO_FINISHED_ITERATION',
] as const;
const DOWNLOAD_DOC =
  'Default: the last finished iteration; `?iteration=k` any finished one; `?best=true` the iteration with the best mean benchmark score. 409 ARTIFACT_NOT_READY while the run may still finish it; 404 ITERATION_NOT_FOUND for an iteration the run does not have or ended without; 404 NO_FINISHED_ITERATION for a run that ended without finishing any.';

/** The SSE body; `x-sse-data` names the schema of each message's data for generators. */
const SSE_MEDIA = {
  schema: { type: 'string', description: 'SSE messages; each `data:` is a RunEvent.' },
  'x-sse-data': ref('RunEvent'),
};

@ApiTags('runs')
@Controller('runs')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly stream: RunStreamService,
  ) {}

  @Doc(
    'Launch an R-Zero run',
    'Validates the preset merged with `config` (every bad field listed in one 400) and queues the run. The same `Idempotency-Key` with the same body returns the same run (200); with another body, 409. 429 TOO_MANY_ACTIVE_RUNS when the owner has RZERO_MAX_ACTIVE_RUNS_PER_OWNER queued or running (checked in the transaction of the insert, so it holds under concurrency). `?dryRun=true` validates and returns the estimate without creating anything.',
  )
  @BodyOf('StartRunDto')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Makes retries safe: one run per key and owner.',
  })
  @ApiQuery({ name: 'dryRun', required: false, schema: { type: 'boolean', default: false } })
  @Returns(202, 'RunView', 'The new run, queued.')
  @Returns(
    200,
    { oneOf: [ref('RunView'), ref('DryRunResult')] },
    'An idempotent replay (the run made by the first request), or the dry-run estimate.',
  )
  @Fails(
    'VALIDATION_FAILED',
    'MODEL_NOT_FOUND',
    'BENCHMARK_NOT_FOUND',
    'IDEMPOTENCY_KEY_REUSED',
    'TOO_MANY_ACTIVE_RUNS',
  )
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

  @Doc('List runs', 'Newest first, keyset pagination: pass `nextCursor` as `cursor`.')
  @QueryFrom('ListRunsQuery')
  @Returns(200, 'RunPage', 'One page of runs.')
  @Fails('VALIDATION_FAILED')
  @Get()
  listRuns(
    @CurrentPrincipal() principal: Principal,
    @Query() q: ListRunsQuery,
  ): Promise<Page<RunView>> {
    return this.runs.listRuns(principal, q);
  }

  @Doc('Get a run', 'Status, progress (0-1), iteration, phase, timings, backend, error, attempt.')
  @Returns(200, 'RunView', 'The run.')
  @Fails('RUN_NOT_FOUND')
  @Get(':id')
  getRun(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
  ): Promise<RunView> {
    return this.runs.getRun(principal, id);
  }

  @Doc(
    'Cancel a run',
    'A queued run is canceled at once; a running run stops at its next step and keeps its finished iterations. Idempotent: a run already canceled (or with a cancel already requested) is answered as it is, so a retried cancel is safe; 409 only for a run that succeeded or failed. Concurrent cancels write one terminal event.',
  )
  @Returns(202, 'RunView', 'The run with `cancelRequested` set, or canceled.')
  @Fails('RUN_NOT_FOUND', 'RUN_NOT_CANCELLABLE')
  @Post(':id/cancel')
  @HttpCode(202)
  cancelRun(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
  ): Promise<RunView> {
    return this.runs.cancelRun(principal, id);
  }

  @Doc(
    'Finished iterations of a run',
    'Per iteration: phase times, the last step metrics of both roles and the curriculum statistics.',
  )
  @Returns(200, 'IterationView', 'The finished iterations, in order.', { array: true })
  @Fails('RUN_NOT_FOUND')
  @Get(':id/iterations')
  listIterations(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
  ): Promise<IterationView[]> {
    return this.runs.listIterations(principal, id);
  }

  @Doc(
    'The generated curriculum of a run',
    'Every candidate question: the Challenger answer, all Solver answers, majority, p^, reward split, cluster, kept or the drop reason, the oracle verdict.',
  )
  @QueryFrom('ListCurriculumQuery')
  @Returns(200, 'CurriculumPage', 'One page of curriculum items and the total matching.')
  @Fails('VALIDATION_FAILED', 'RUN_NOT_FOUND')
  @Get(':id/curriculum')
  listCurriculum(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
    @Query() q: ListCurriculumQuery,
  ): Promise<{ items: CurriculumItemView[]; total: number }> {
    return this.runs.listCurriculum(principal, id, q);
  }

  @Doc('Benchmark scores of a run', 'Iteration 0 is the base model.')
  @Returns(200, 'ScoreView', 'Every score recorded so far.', { array: true })
  @Fails('RUN_NOT_FOUND')
  @Get(':id/scores')
  listScores(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
  ): Promise<ScoreView[]> {
    return this.runs.listScores(principal, id);
  }

  @Doc('Download an evolved Solver (tar.gz)', DOWNLOAD_DOC)
  @QueryFrom('DownloadQuery')
  @ReturnsTarGz('The Solver in the Hugging Face layout.')
  @Fails(...DOWNLOAD_ERRORS)
  @Get(':id/solver')
  downloadSolver(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
    @Query() q: DownloadQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    return this.download(principal, id, 'solver', q, res);
  }

  @Doc('Download a trained Challenger (tar.gz)', DOWNLOAD_DOC)
  @QueryFrom('DownloadQuery')
  @ReturnsTarGz('The Challenger in the Hugging Face layout.')
  @Fails(...DOWNLOAD_ERRORS)
  @Get(':id/challenger')
  downloadChallenger(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
    @Query() q: DownloadQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    return this.download(principal, id, 'challenger', q, res);
  }

  /** Server-Sent Events: replay after Last-Event-ID (or ?after=), then live until the run ends. */
  @Doc(
    "Stream a run's events (Server-Sent Events)",
    "Replays the run's events after `Last-Event-ID` (or `?after=`), then follows them live; ids are 1, 2, 3, ... per run. Each message: `id: <n>`, `event: <type>`, `data: <RunEvent JSON>`. A `: heartbeat` comment is sent periodically; the stream ends after the terminal `run.status` event.",
  )
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this event id.',
  })
  @ApiQuery({
    name: 'after',
    required: false,
    description: 'Resume after this event id (for clients that cannot set headers).',
    schema: { type: 'integer', minimum: 0 },
  })
  @ApiResponse({
    status: 200,
    description:
      'text/event-stream of RunEvent messages (`event:` = its `type`, `data:` = the JSON of the event).',
    content: { 'text/event-stream': SSE_MEDIA },
  })
  @Fails('VALIDATION_FAILED', 'RUN_NOT_FOUND')
  @Get(':id/events')
  async streamRunEvents(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
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
