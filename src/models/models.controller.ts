import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
  StreamableFile,
  UploadedFiles,
  UseInterceptors,
} from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { DomainError } from '../common/domain-error';
import { RegisterModelDto } from './dto/register-model.dto';
import { ModelsService } from './models.service';
import type { ModelView, UploadedFile } from './models.service';

@Controller('models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /** Multipart `files` (the Hugging Face files) + optional `name`, or JSON {"builtin": name}. */
  @Post()
  @HttpCode(201)
  @UseInterceptors(FilesInterceptor('files', 64))
  registerModel(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: RegisterModelDto,
    @UploadedFiles() files: UploadedFile[] | undefined,
  ): Promise<ModelView> {
    if (files?.length) return this.models.uploadModel(principal, dto.name, files);
    if (dto.builtin) return this.models.registerBuiltin(dto.builtin);
    throw new DomainError('VALIDATION_FAILED', 'send multipart files or {"builtin": name}', [
      { field: 'files', reason: 'no files uploaded and no built-in model named' },
    ]);
  }

  @Get()
  listModels(@CurrentPrincipal() principal: Principal): Promise<ModelView[]> {
    return this.models.listModels(principal);
  }

  @Get(':id')
  getModel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ModelView> {
    return this.models.getModel(principal, id);
  }

  @Delete(':id')
  deleteModel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ModelView> {
    return this.models.deleteModel(principal, id);
  }

  @Get(':id/download')
  async downloadModel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const { filename, stream } = await this.models.downloadModel(principal, id);
    res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
    return new StreamableFile(stream, { type: 'application/gzip' });
  }
}
