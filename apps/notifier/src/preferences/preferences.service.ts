import { Injectable } from '@nestjs/common';
import { UserPreferencesRepository } from '@app/persistence';
import { PreferencesDto } from './preferences.dto';

@Injectable()
export class PreferencesService {
  constructor(private readonly preferences: UserPreferencesRepository) {}

  find(userId: string): Promise<PreferencesDto> {
    return this.preferences.find(userId);
  }

  /** Replaces them all; a pattern named twice is stored once, in the order first given. */
  replace(userId: string, { push }: PreferencesDto): Promise<PreferencesDto> {
    return this.preferences.replace(userId, {
      push: { mutedTypes: [...new Set(push.mutedTypes)] },
    });
  }
}
