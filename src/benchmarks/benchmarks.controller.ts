import {
  Body,
  Controller,
  Delete,
  Get,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Post,
  Query,
  UploadedFile,
  UseInterceptors,
  DefaultValuePipe,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { CurrentPrincipal } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { DomainError } from '../common/domain-error';
import { BenchmarksService } from './benchmarks.service';
import type { BenchmarkItemsPage, BenchmarkView } from './benchmarks.service';
import { UploadBenchmarkDto } from './dto/upload-benchmark.dto';

@Controller('benchmarks')
export class BenchmarksController {
  constructor(private readonly benchmarks: BenchmarksService) {}

  @Post()
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: 64 * 1024 * 1024 } }))
  uploadBenchmark(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: UploadBenchmarkDto,
    @UploadedFile() file: { buffer: Buffer } | undefined,
  ): Promise<BenchmarkView> {
    const text = file ? file.buffer.toString('utf8') : dto.jsonl;
    if (text === undefined) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'send the JSONL as multipart `file` or as `jsonl`',
        [{ field: 'file', reason: 'missing' }],
      );
    }
    return this.benchmarks.uploadBenchmark(principal, dto.name, dto.domain ?? 'math', text);
  }

  @Get()
  listBenchmarks(@CurrentPrincipal() principal: Principal): Promise<BenchmarkView[]> {
    return this.benchmarks.listBenchmarks(principal);
  }

  @Get(':id')
  getBenchmark(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<BenchmarkView> {
    return this.benchmarks.getBenchmark(principal, id);
  }

  @Get(':id/items')
  listBenchmarkItems(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('offset', new DefaultValuePipe(0), ParseIntPipe) offset: number,
    @Query('limit', new DefaultValuePipe(50), ParseIntPipe) limit: number,
  ): Promise<BenchmarkItemsPage> {
    return this.benchmarks.listBenchmarkItems(
      principal,
      id,
      Math.max(0, offset),
      Math.min(Math.max(1, limit), 500),
    );
  }

  @Delete(':id')
  deleteBenchmark(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<BenchmarkView> {
    return this.benchmarks.deleteBenchmark(principal, id);
  }
}
