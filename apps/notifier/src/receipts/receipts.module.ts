import { Module } from '@nestjs/common';
import { DeliveryReceipts } from './delivery-receipts';

@Module({ providers: [DeliveryReceipts], exports: [DeliveryReceipts] })
export class ReceiptsModule {}
