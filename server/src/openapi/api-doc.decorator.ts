import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

export const API_DOC_METADATA = 'loopmeter:api-doc';

/** What the OpenAPI document says of a route. The wire schemas are the shared zod schemas. */
export interface ApiDocOptions {
  summary: string;
  description?: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  response?: z.ZodType;
  /** Status of the success answer (default 200). */
  status?: number;
  /** The success answer is not JSON (e.g. `text/html`). */
  produces?: string;
  /** Statuses this route may answer with the error shape, besides the auth errors. */
  errors?: number[];
}

export const ApiDoc = (options: ApiDocOptions) => SetMetadata(API_DOC_METADATA, options);
