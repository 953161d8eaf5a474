import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BenchmarkItemEntity } from './benchmark-item.entity';
import { BenchmarkEntity } from './benchmark.entity';
import { BenchmarksController } from './benchmarks.controller';
import { BenchmarksService } from './benchmarks.service';

@Module({
  imports: [TypeOrmModule.forFeature([BenchmarkEntity, BenchmarkItemEntity])],
  controllers: [BenchmarksController],
  providers: [BenchmarksService],
  exports: [BenchmarksService],
})
export class BenchmarksModule {}
