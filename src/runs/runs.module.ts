import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BenchmarksModule } from '../benchmarks/benchmarks.module';
import { EventsModule } from '../events/events.module';
import { ModelEntity } from '../models/model.entity';
import { ModelsModule } from '../models/models.module';
import { ScoreEntity } from '../scores/score.entity';
import { CurriculumItemEntity } from './curriculum-item.entity';
import { IterationEntity } from './iteration.entity';
import { RunExecutionService } from './run-execution.service';
import { RunEntity } from './run.entity';
import { PresetsController } from './presets.controller';
import { RunsController } from './runs.controller';
import { RunsService } from './runs.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      RunEntity,
      IterationEntity,
      CurriculumItemEntity,
      ScoreEntity,
      ModelEntity,
    ]),
    ModelsModule,
    BenchmarksModule,
    EventsModule,
  ],
  controllers: [RunsController, PresetsController],
  providers: [RunsService, RunExecutionService],
  exports: [RunsService, RunExecutionService],
})
export class RunsModule {}
