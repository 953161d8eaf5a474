import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BenchmarksModule } from '../benchmarks/benchmarks.module';
import { ModelEntity } from '../models/model.entity';
import { ModelsModule } from '../models/models.module';
import { ScoreEntity } from '../scores/score.entity';
import { EvaluationEntity } from './evaluation.entity';
import { EvaluationsController } from './evaluations.controller';
import { EvaluationsService } from './evaluations.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([EvaluationEntity, ScoreEntity, ModelEntity]),
    ModelsModule,
    BenchmarksModule,
  ],
  controllers: [EvaluationsController],
  providers: [EvaluationsService],
  exports: [EvaluationsService],
})
export class EvaluationsModule {}
