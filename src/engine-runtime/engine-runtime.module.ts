import { Global, Module } from '@nestjs/common';
import { EngineRuntime } from './engine-runtime.service';

@Global()
@Module({ providers: [EngineRuntime], exports: [EngineRuntime] })
export class EngineRuntimeModule {}
