import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentUser } from '@app/auth';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { UserRoutes } from '../route-access';
import { PreferencesDto } from './preferences.dto';
import { PreferencesService } from './preferences.service';

@UserRoutes('preferences')
@Controller('users/me/preferences')
export class PreferencesController {
  constructor(private readonly preferences: PreferencesService) {}

  @Get()
  @ApiOperation({ summary: 'What the signed-in user lets interrupt them (empty when never set)' })
  @ApiOkResponse({ type: PreferencesDto })
  find(@CurrentUser() userId: string): Promise<PreferencesDto> {
    return this.preferences.find(userId);
  }

  @Put()
  @ApiOperation({
    summary: 'Replace them; answers what was stored. Needs the Authorization header (CSRF)',
  })
  @ApiOkResponse({ type: PreferencesDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'The message names push.mutedTypes' })
  replace(@CurrentUser() userId: string, @Body() body: PreferencesDto): Promise<PreferencesDto> {
    return this.preferences.replace(userId, body);
  }
}
