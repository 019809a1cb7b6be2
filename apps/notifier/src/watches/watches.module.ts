import { Module } from '@nestjs/common';
import { WatchesController } from './watches.controller';
import { WatchesService } from './watches.service';

/** `/admin/watches`: tables whose row changes notify their rows' owners. */
@Module({
  controllers: [WatchesController],
  providers: [WatchesService],
})
export class WatchesModule {}
