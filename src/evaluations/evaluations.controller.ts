import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { Body as BodyOf, Doc, Fails, Returns } from '../openapi/decorators';
import { StartEvaluationDto } from './dto/start-evaluation.dto';
import { EvaluationsService } from './evaluations.service';
import type { EvaluationView } from './evaluations.service';
import { ParseId } from '../common/validation';

@ApiTags('evaluations')
@Controller('evaluations')
export class EvaluationsController {
  constructor(private readonly evaluations: EvaluationsService) {}

  @Doc(
    'Evaluate a model on benchmarks',
    'Queues an evaluation of any visible model: `greedy` accuracy or `mean@k` (k samples at temperature 1). 429 TOO_MANY_ACTIVE_EVALUATIONS when the owner has RZERO_MAX_ACTIVE_EVALUATIONS_PER_OWNER queued or running.',
  )
  @BodyOf('StartEvaluationDto')
  @Returns(202, 'EvaluationView', 'The queued evaluation.')
  @Fails(
    'VALIDATION_FAILED',
    'MODEL_NOT_FOUND',
    'BENCHMARK_NOT_FOUND',
    'TOO_MANY_ACTIVE_EVALUATIONS',
  )
  @Post()
  @HttpCode(202)
  startEvaluation(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: StartEvaluationDto,
  ): Promise<EvaluationView> {
    return this.evaluations.startEvaluation(principal, dto);
  }

  @Doc('List evaluations')
  @Returns(200, 'EvaluationView', "The caller's evaluations, newest first.", { array: true })
  @Get()
  listEvaluations(@CurrentPrincipal() principal: Principal): Promise<EvaluationView[]> {
    return this.evaluations.listEvaluations(principal);
  }

  @Doc('Get an evaluation', 'Includes the scores once it has finished.')
  @Returns(200, 'EvaluationView', 'The evaluation.')
  @Fails('EVALUATION_NOT_FOUND')
  @Get(':id')
  getEvaluation(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
  ): Promise<EvaluationView> {
    return this.evaluations.getEvaluation(principal, id);
  }

  @Doc(
    'Cancel an evaluation',
    'A queued or running evaluation becomes `canceled` at once and records no score; its worker stops within about a second. Idempotent: a canceled evaluation is answered as it is; 409 for one that succeeded or failed.',
  )
  @Returns(202, 'EvaluationView', 'The canceled evaluation.')
  @Fails('EVALUATION_NOT_FOUND', 'EVALUATION_NOT_CANCELLABLE')
  @Post(':id/cancel')
  @HttpCode(202)
  cancelEvaluation(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
  ): Promise<EvaluationView> {
    return this.evaluations.cancelEvaluation(principal, id);
  }
}
