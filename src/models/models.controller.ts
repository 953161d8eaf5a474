import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Res,
  StreamableFile,
  UploadedFiles,
  UseInterceptors,
} from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import { ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/principal';
import { clientGone } from '../common/client-gone';
import type { Principal } from '../auth/principal';
import { DomainError } from '../common/domain-error';
import { Body as BodyOf, Doc, Fails, Returns, ReturnsTarGz } from '../openapi/decorators';
import { RegisterModelDto } from './dto/register-model.dto';
import { ModelsService } from './models.service';
import type { ModelView, UploadedFile } from './models.service';
import { ParseId } from '../common/validation';

@ApiTags('models')
@Controller('models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /** Multipart `files` (the Hugging Face files) + optional `name`, or JSON {"builtin": name}. */
  @Doc(
    'Register a base model',
    'Upload the Hugging Face files (multipart `files`: config.json, model.safetensors or shards + index, tokenizer.json, tokenizer_config.json, ...) or register a built-in model with JSON `{"builtin": "arith-tiny"}`. Uploads are checked before anything is stored, off the event loop and within a time budget: config, every safetensors header (names, dtypes, shapes, offsets) against the architecture, tokenizer ids against the vocabulary; tensor data is never decoded. An upload whose client disconnects before it is committed is not stored.',
  )
  @ApiConsumes('multipart/form-data', 'application/json')
  @BodyOf('RegisterModelDto', {
    description: 'The Hugging Face files of the model and an optional display name.',
    properties: {
      files: { type: 'array', items: { type: 'string', format: 'binary' } },
      name: { type: 'string', maxLength: 200 },
    },
    required: ['files'],
  })
  @Returns(201, 'ModelView', 'The stored model.')
  @Fails('VALIDATION_FAILED', 'MODEL_INVALID', 'PAYLOAD_TOO_LARGE', 'TOO_MANY_MODELS')
  @Post()
  @HttpCode(201)
  @UseInterceptors(FilesInterceptor('files', 64))
  registerModel(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: RegisterModelDto,
    @UploadedFiles() files: UploadedFile[] | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ModelView> {
    if (files?.length) return this.models.uploadModel(principal, dto.name, files, clientGone(res));
    if (dto.builtin) return this.models.registerBuiltin(dto.builtin);
    throw new DomainError('VALIDATION_FAILED', 'send multipart files or {"builtin": name}', [
      { field: 'files', reason: 'no files uploaded and no built-in model named' },
    ]);
  }

  @Doc('List models', "Built-in models and the caller's own (all, for admins).")
  @Returns(200, 'ModelView', 'The visible models.', { array: true })
  @Get()
  listModels(@CurrentPrincipal() principal: Principal): Promise<ModelView[]> {
    return this.models.listModels(principal);
  }

  @Doc('Get a model')
  @Returns(200, 'ModelView', 'The model.')
  @Fails('MODEL_NOT_FOUND')
  @Get(':id')
  getModel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
  ): Promise<ModelView> {
    return this.models.getModel(principal, id);
  }

  @Doc(
    'Delete a model',
    'Refused (409 MODEL_IN_USE) while a queued or running run or evaluation uses it; a delete racing POST /runs or /evaluations never lets both succeed.',
  )
  @Returns(200, 'ModelView', 'The deleted model.')
  @Fails('MODEL_NOT_FOUND', 'FORBIDDEN', 'MODEL_IN_USE')
  @Delete(':id')
  deleteModel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
  ): Promise<ModelView> {
    return this.models.deleteModel(principal, id);
  }

  @Doc('Download a model (tar.gz)')
  @ReturnsTarGz('The Hugging Face directory of the model.')
  @Fails('MODEL_NOT_FOUND')
  @Get(':id/download')
  async downloadModel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseId) id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const { filename, stream } = await this.models.downloadModel(principal, id);
    res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
    return new StreamableFile(stream, { type: 'application/gzip' });
  }
}
