import { Module } from '@nestjs/common';
import { EventLogService } from './event-log.service';
import { RunStreamService } from './run-stream.service';

@Module({
  providers: [EventLogService, RunStreamService],
  exports: [EventLogService, RunStreamService],
})
export class EventsModule {}
