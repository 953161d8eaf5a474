import { Global, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { ArtifactStore, FilesystemArtifactStore } from './artifact-store';

@Global()
@Module({
  providers: [
    {
      provide: ArtifactStore,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => new FilesystemArtifactStore(c.artifactDir),
    },
  ],
  exports: [ArtifactStore],
})
export class StorageModule {}
