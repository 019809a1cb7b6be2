import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { UnknownTableError, Watch, WatchRepository, WatchSettings } from '@app/persistence';

/**
 * Watching tables through `notifier_watch()` / `notifier_unwatch()`. Refused settings leave
 * the repository as InvalidValueError (400 through the error filter); only whether an unknown
 * table is a bad field or a missing resource is decided here.
 */
@Injectable()
export class WatchesService {
  constructor(private readonly watches: WatchRepository) {}

  list(): Promise<Watch[]> {
    return this.watches.list();
  }

  /** A table that does not exist is a bad field of the body here, not a missing resource. */
  watch(settings: WatchSettings): Promise<Watch> {
    return this.watches.watch(settings).catch((error: unknown) => {
      throw error instanceof UnknownTableError
        ? new BadRequestException(`table: ${error.message}`)
        : error;
    });
  }

  async unwatch(table: string): Promise<void> {
    const unwatched = await this.watches.unwatch(table).catch((error: unknown) => {
      throw error instanceof UnknownTableError ? new NotFoundException(error.message) : error;
    });
    if (!unwatched) throw new NotFoundException(`${table} is not watched`);
  }
}
