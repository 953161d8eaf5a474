import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { StartEvaluationDto } from './dto/start-evaluation.dto';
import { EvaluationsService } from './evaluations.service';
import type { EvaluationView } from './evaluations.service';

@Controller('evaluations')
export class EvaluationsController {
  constructor(private readonly evaluations: EvaluationsService) {}

  @Post()
  @HttpCode(202)
  startEvaluation(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: StartEvaluationDto,
  ): Promise<EvaluationView> {
    return this.evaluations.startEvaluation(principal, dto);
  }

  @Get()
  listEvaluations(@CurrentPrincipal() principal: Principal): Promise<EvaluationView[]> {
    return this.evaluations.listEvaluations(principal);
  }

  @Get(':id')
  getEvaluation(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<EvaluationView> {
    return this.evaluations.getEvaluation(principal, id);
  }
}
