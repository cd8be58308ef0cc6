import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { AppConfig } from '../core/config/app-config';
import { buildOpenApiDocument } from './openapi-document';
import { collectRoutes, type RouteEntry } from './route-table';

@Injectable()
export class OpenApiService {
  private cached: Record<string, unknown> | undefined;

  constructor(private readonly discovery: DiscoveryService, private readonly scanner: MetadataScanner, private readonly config: AppConfig) {}

  routes(): RouteEntry[] {
    return collectRoutes(this.discovery, this.scanner);
  }

  document(): Record<string, unknown> {
    this.cached ??= buildOpenApiDocument(this.routes(), this.config.version);
    return this.cached;
  }
}
