import { Module } from '@nestjs/common';
import { PreferencesController } from './preferences.controller';
import { PreferencesService } from './preferences.service';

/** The user's preferences API; the push worker applies them. */
@Module({ controllers: [PreferencesController], providers: [PreferencesService] })
export class PreferencesModule {}
