import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
} from '@nestjs/swagger';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { AdminRoutes } from '../route-access';
import { WatchDto, WatchTableDto } from './watch.dto';
import { WatchesService } from './watches.service';

@AdminRoutes()
@Controller('admin/watches')
export class WatchesController {
  constructor(private readonly watches: WatchesService) {}

  @Get()
  @ApiOperation({ summary: 'The watched tables and their settings' })
  @ApiOkResponse({ type: [WatchDto] })
  async list(): Promise<WatchDto[]> {
    return (await this.watches.list()).map((watch) => WatchDto.from(watch));
  }

  @Post()
  @ApiOperation({
    summary: 'Watch a table: its inserts, updates and deletes notify the user in userColumn',
    description: 'Watching a watched table again replaces its settings.',
  })
  @ApiCreatedResponse({ type: WatchDto })
  @ApiBadRequestResponse({
    type: ErrorBodyDto,
    description: 'A bad field, an unknown table or column, or a table without a primary key',
  })
  async watch(@Body() body: WatchTableDto): Promise<WatchDto> {
    return WatchDto.from(await this.watches.watch(body));
  }

  @Delete(':table')
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop watching a table' })
  @ApiParam({ name: 'table', example: 'sales.orders' })
  @ApiNoContentResponse({ description: 'No longer watched' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such table, or not watched' })
  unwatch(@Param('table') table: string): Promise<void> {
    return this.watches.unwatch(table);
  }
}
