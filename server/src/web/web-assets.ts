import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../core/config/app-config';

/** The built web app (web/dist). Its hashed assets are served by @fastify/static; index.html from here. */
@Injectable()
export class WebAssets {
  private cached: string | undefined;

  constructor(private readonly config: AppConfig) {}

  get distDir(): string {
    return this.config.webDistDir;
  }

  indexHtml(): string | undefined {
    if (this.cached === undefined) {
      try {
        this.cached = readFileSync(join(this.distDir, 'index.html'), 'utf8');
      } catch {
        return undefined;
      }
    }
    return this.cached;
  }
}
