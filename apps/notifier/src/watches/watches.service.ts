import { BadRequestException, HttpException, Injectable, NotFoundException } from '@nestjs/common';
import {
  UnknownTableError,
  Watch,
  WatchRefusedError,
  WatchRepository,
  WatchSettings,
} from '@app/persistence';

/** Watching tables through `notifier_watch()` / `notifier_unwatch()`, with HTTP's errors. */
@Injectable()
export class WatchesService {
  constructor(private readonly watches: WatchRepository) {}

  list(): Promise<Watch[]> {
    return this.watches.list();
  }

  /** A table that does not exist is a bad field of the body here, not a missing resource. */
  watch(settings: WatchSettings): Promise<Watch> {
    return this.watches.watch(settings).catch((error: unknown) => {
      throw asHttpError(error, (message) => new BadRequestException(`table: ${message}`));
    });
  }

  async unwatch(table: string): Promise<void> {
    const unwatched = await this.watches.unwatch(table).catch((error: unknown) => {
      throw asHttpError(error, (message) => new NotFoundException(message));
    });
    if (!unwatched) throw new NotFoundException(`${table} is not watched`);
  }
}

function asHttpError(error: unknown, unknownTable: (message: string) => HttpException): unknown {
  if (error instanceof UnknownTableError) return unknownTable(error.message);
  if (error instanceof WatchRefusedError) return new BadRequestException(error.message);
  return error;
}
