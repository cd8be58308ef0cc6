import { Module } from '@nestjs/common';
import { WebAssets } from './web-assets';
import { WebController } from './web.controller';

@Module({ controllers: [WebController], providers: [WebAssets], exports: [WebAssets] })
export class WebModule {}
