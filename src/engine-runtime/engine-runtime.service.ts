import { Inject, Injectable, Logger } from '@nestjs/common';
import { initBackend } from '../engine';
import type { BackendInfo } from '../engine';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';

/** The process's tfjs backend, chosen once (RZERO_BACKEND) and logged, before any model work. */
@Injectable()
export class EngineRuntime {
  private readonly log = new Logger(EngineRuntime.name);
  private init: Promise<BackendInfo> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  ready(): Promise<BackendInfo> {
    this.init ??= initBackend(this.config.backend).then((info) => {
      this.log.log({ backend: info }, 'compute backend ready');
      return info;
    });
    return this.init;
  }
}
