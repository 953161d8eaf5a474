import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { RunEntity } from '../runs/run.entity';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [TypeOrmModule.forFeature([RunEntity]), AuthModule],
  providers: [WebhooksService],
  exports: [WebhooksService],
})
export class WebhooksModule {}
