import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { diskStorage } from 'multer';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RunEntity } from '../runs/run.entity';
import { ModelEntity } from './model.entity';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([ModelEntity, RunEntity]),
    // Uploads stream to disk (never held in memory), into the store's scratch area.
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => {
        const dir = join(c.artifactDir, 'tmp', 'uploads');
        mkdirSync(dir, { recursive: true });
        return {
          storage: diskStorage({ destination: dir }),
          limits: { fileSize: c.maxUploadBytes, files: 64 },
        };
      },
    }),
  ],
  controllers: [ModelsController],
  providers: [ModelsService],
  exports: [ModelsService],
})
export class ModelsModule {}
