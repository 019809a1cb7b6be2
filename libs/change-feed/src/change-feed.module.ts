import { Global, Module } from '@nestjs/common';
import { ChangeFeed } from './change-feed';

@Global()
@Module({ providers: [ChangeFeed], exports: [ChangeFeed] })
export class ChangeFeedModule {}
