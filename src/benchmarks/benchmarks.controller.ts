import {
  Body,
  Controller,
  Delete,
  Get,
  Param,
  Post,
  Query,
  UploadedFile,
  UseInterceptors,
  DefaultValuePipe,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiConsumes, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { DomainError } from '../common/domain-error';
import { Body as BodyOf, Doc, Fails, Returns } from '../openapi/decorators';
import { BenchmarksService } from './benchmarks.service';
import type { BenchmarkItemsPage, BenchmarkView } from './benchmarks.service';
import { UploadBenchmarkDto } from './dto/upload-benchmark.dto';
import { ParseId, parseIntQuery } from '../common/validation';

@ApiTags('benchmarks')
@Controller('benchmarks')
export class BenchmarksController {
  constructor(private readonly benchmarks: BenchmarksService) {}

  @Doc(
    'Upload a benchmark',
    'JSONL lines `{"question", "answer"}`, or GSM8K lines whose answer ends in `#### <answer>`. A file with any bad line is refused (422) with every bad line number, and nothing is stored.',
  )
  @ApiConsumes('multipart/form-data', 'application/json')
  @BodyOf('UploadBenchmarkDto', {
    description: 'The JSONL file, its name and domain.',
    properties: {
      file: { type: 'string', format: 'binary' },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      domain: { type: 'string', enum: ['arith', 'math'], default: 'math' },
    },
    required: ['file', 'name'],
  })
  @Returns(201, 'BenchmarkView', 'The stored benchmark.')
  @Fails('VALIDATION_FAILED', 'BENCHMARK_INVALID', 'PAYLOAD_TOO_LARGE')
  @Post()
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: 64 * 1024 * 1024 } }))
  uploadBenchmark(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: UploadBenchmarkDto,
    @UploadedFile() file: { buffer: Buffer } | undefined,
  ): Promise<BenchmarkView> {
    const text = file ? file.buffer.toString('utf8') : dto.jsonl;
    if (text === undefined || text === null) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'send the JSONL as multipart `file` or as `jsonl`',
        [{ field: 'file', reason: 'missing' }],
      );
    }
    return this.benchmarks.uploadBenchmark(principal, dto.name, dto.domain ?? 'math', text);
  }

  @Doc('List benchmarks', "The built-in arith-easy/medium/hard and the caller's own.")
  @Returns(200, 'BenchmarkView', 'The visible benchmarks.', { array: true })
  @Get()
  listBenchmarks(@CurrentPrincipal() principal: Principal): Promise<BenchmarkView[]> {
    return this.benchmarks.listBenchmarks(principal);
  }

  @Doc('Get a benchmark')
  @Returns(200, 'BenchmarkView', 'The benchmark.')
  @Fails('BENCHMARK_NOT_FOUND')
  @Get(':id')
  getBenchmark(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
  ): Promise<BenchmarkView> {
    return this.benchmarks.getBenchmark(principal, id);
  }

  @Doc('Items of a benchmark')
  @ApiQuery({
    name: 'offset',
    required: false,
    schema: { type: 'integer', minimum: 0, maximum: 2147483647, default: 0 },
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  })
  @Returns(200, 'BenchmarkItemsPage', 'One page of items and the total.')
  @Fails('VALIDATION_FAILED', 'BENCHMARK_NOT_FOUND')
  @Get(':id/items')
  listBenchmarkItems(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
    @Query('offset', new DefaultValuePipe(0), parseIntQuery('offset')) offset: number,
    @Query('limit', new DefaultValuePipe(50), parseIntQuery('limit')) limit: number,
  ): Promise<BenchmarkItemsPage> {
    return this.benchmarks.listBenchmarkItems(
      principal,
      id,
      Math.max(0, offset),
      Math.min(Math.max(1, limit), 500),
    );
  }

  @Doc(
    'Delete a benchmark',
    'Its items and every score recorded on it go with it. Built-in benchmarks cannot be deleted; one that a queued or running run or evaluation uses is refused (409).',
  )
  @Returns(200, 'BenchmarkView', 'The deleted benchmark.')
  @Fails('BENCHMARK_NOT_FOUND', 'FORBIDDEN', 'BENCHMARK_IN_USE')
  @Delete(':id')
  deleteBenchmark(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
  ): Promise<BenchmarkView> {
    return this.benchmarks.deleteBenchmark(principal, id);
  }
}
