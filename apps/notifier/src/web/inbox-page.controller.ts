import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { DEMO_TOKENS_ENABLED } from './demo-token';
import { WEB_ROOT } from './web-root';

/**
 * The inbox page at `/` and its files under `/web/`. Only these routes serve files, so the
 * API's paths never go through a file lookup.
 */
@ApiExcludeController()
@Controller()
export class InboxPageController {
  constructor(@Inject(DEMO_TOKENS_ENABLED) private readonly demoTokens: boolean) {}

  @Get()
  async page(@Res() response: Response): Promise<void> {
    const html = await readFile(resolve(WEB_ROOT, 'index.html'), 'utf8').catch(() => {
      throw new NotFoundException('The inbox page is not built: run `npm run build:web`');
    });
    // The page offers a demo token only where `POST /dev/demo-token` exists.
    const page = this.demoTokens ? html.replace('<body>', '<body data-demo-tokens>') : html;
    response.type('html').setHeader('Cache-Control', 'no-cache').send(page);
  }

  /**
   * The service worker that shows pushes, at the root so that its scope is the whole origin.
   * Revalidated on every load, so a new version takes over at the next visit.
   */
  @Get('sw.js')
  serviceWorker(@Res() response: Response): void {
    response.sendFile(
      resolve(WEB_ROOT, 'sw.js'),
      {
        headers: {
          'Cache-Control': 'no-cache',
          'Content-Type': 'text/javascript; charset=utf-8',
          'Service-Worker-Allowed': '/',
        },
      },
      (error) => {
        if (error && !response.headersSent) {
          response.status(404).json({
            statusCode: 404,
            error: 'Not Found',
            message: 'The service worker is not built: run `npm run build:web`',
          });
        }
      },
    );
  }

  @Get('web/*path')
  asset(@Param('path') path: string[] | string, @Res() response: Response): void {
    const file = resolve(WEB_ROOT, ...[path].flat());
    if (relative(WEB_ROOT, file).startsWith('..')) throw new NotFoundException();
    // Revalidated on every load (the ETag makes that cheap): rebuilt files show at once.
    response.sendFile(
      file,
      { dotfiles: 'deny', headers: { 'Cache-Control': 'no-cache' } },
      (error) => {
        if (error && !response.headersSent) {
          response
            .status(404)
            .json({ statusCode: 404, error: 'Not Found', message: 'No such file' });
        }
      },
    );
  }
}
