import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ValidationException } from '../errors/app.exception';

/** Parses a body, query or params object with a shared zod schema; 400 with every problem on failure. */
export class ZodValidationPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T, private readonly what = 'request') {}

  transform(value: unknown): z.output<T> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new ValidationException(`Invalid ${this.what}: ${summary}`, { issues });
  }
}
